"""What the page tests share: the persona world plus some history (orders in each
state, invoices paid, open and overdue, a payment) built through the services, and a
browser signed in as a persona. The fixtures ``book``, ``alerts`` and ``as_user`` are
in the root conftest.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from raktas.analytics.models import ClientMonth, ClientValue, TierProposal
from raktas.analytics.selectors import add_months
from raktas.clients.models import Client, Tier
from raktas.collection.models import (
    CollectionTask,
    DunningAction,
    DunningLevel,
    PromiseToPay,
    TaskKind,
)
from raktas.collection.services import collection_run, promise_create
from raktas.credit.models import OverrideRequest
from raktas.credit.services import CreditRefused
from raktas.ledger.models import Invoice
from raktas.ledger.services import payment_record
from raktas.orders import services as orders
from raktas.orders.models import Order
from raktas.orders.services import order_invoice
from raktas.org.models import User
from raktas.testing.credit import invoice, set_limit
from raktas.testing.factories import ClientFactory
from raktas.testing.personas import World


@dataclass
class Book:
    world: World
    draft: Order  # kam_a's draft for client_a
    submitted: Order  # waiting at the desk
    returned: Order  # returned by the desk with a comment
    confirmed: Order
    invoiced: Order
    overdue_invoice: Invoice
    other_submitted: Order  # kam_b's client_b, at the desk


def make_order(world: World, by: User, client: Client, lines=((0, "2"),)) -> Order:
    order = orders.order_create(by=by, client=client)
    for index, qty in lines:
        orders.order_add_line(
            by=by, order=order, product=world.products[index], quantity=Decimal(qty)
        )
    return order


def build_book(world: World) -> Book:
    w = world
    draft = make_order(w, w.kam_a, w.client_a)
    submitted = make_order(w, w.kam_a, w.client_a, lines=((1, "3"),))
    orders.order_submit(by=w.kam_a, order=submitted)
    returned = make_order(w, w.kam_a, w.client_a)
    orders.order_submit(by=w.kam_a, order=returned)
    orders.order_return(by=w.desk, order=returned, comment="Price of P-1 is outdated")
    confirmed = make_order(w, w.kam_a, w.client_a)
    orders.order_submit(by=w.kam_a, order=confirmed)
    orders.order_confirm(by=w.desk, order=confirmed)
    invoiced = make_order(w, w.kam_a, w.client_a, lines=((0, "100"), (2, "10")))
    orders.order_submit(by=w.kam_a, order=invoiced)
    orders.order_confirm(by=w.desk, order=invoiced)
    orders.order_ship(by=w.desk, order=invoiced)
    # Due ten days ago: overdue, but within credit control's grace period, so the
    # client may still order.
    issued = timezone.localdate() - dt.timedelta(days=40)
    invoice = order_invoice(by=w.finance, order=invoiced, issue_date=issued)
    payment_record(
        by=w.finance,
        client=w.client_a,
        amount=Decimal("100.00"),
        received_on=issued + dt.timedelta(days=10),
        reference="PAY-1",
    )
    invoice.refresh_from_db()
    other = make_order(w, w.kam_b, w.client_b)
    orders.order_submit(by=w.kam_b, order=other)
    return Book(
        world=w,
        draft=draft,
        submitted=submitted,
        returned=returned,
        confirmed=confirmed,
        invoiced=invoiced,
        overdue_invoice=invoice,
        other_submitted=other,
    )


@dataclass
class Alerts:
    """What issues 4 and 5 raise about the persona world's books, made through the
    owning apps' services where they exist."""

    book: Book
    broken_a: PromiseToPay  # client_a (kam_a), broken, with an open follow-up task
    broken_b: PromiseToPay  # client_b (kam_b)
    call_a: CollectionTask  # dunning call about client_a's overdue invoice
    call_b: CollectionTask
    override: OverrideRequest  # kam_a's order for client_a, over the credit limit
    jumpy: Client  # kam_a's client whose return rate jumped last month


def _broken_promise(world: World, client: Client, note: str) -> PromiseToPay:
    day = timezone.localdate()
    promise = promise_create(
        by=client.owner, client=client, promised_on=day, amount=Decimal("50.00"), note=note
    )
    # Made a week ago for two days ago (a service refuses a date in the past).
    PromiseToPay.objects.filter(pk=promise.pk).update(
        made_on=day - dt.timedelta(days=7), promised_on=day - dt.timedelta(days=2)
    )
    promise.refresh_from_db()
    return promise


def churn_value(client: Client, *, p_alive: float, npv: str = "100.00") -> ClientValue:
    """Lifetime-value figures as ``analytics_refresh_values`` stores them."""
    return ClientValue.objects.create(
        client=client,
        computed_on=timezone.localdate(),
        repeat_purchases=5,
        weeks_since_first=52,
        weeks_since_last=3,
        p_alive=p_alive,
        expected_orders=2,
        expected_order_net=Decimal("100.00"),
        margin_rate=0.3,
        expected_margin=Decimal("60.00"),
        npv=Decimal(npv),
        typical_gap_days=14,
    )


def build_alerts(book: Book) -> Alerts:
    w = book.world
    day = timezone.localdate()
    # kam_b's client owes too: an invoice twelve days overdue.
    invoice(
        w, w.client_b, "80.00", issued=day - dt.timedelta(days=42), due=day - dt.timedelta(days=12)
    )
    broken_a = _broken_promise(w, w.client_a, "Pays after the holidays")
    broken_b = _broken_promise(w, w.client_b, "Director away")
    # The ladder's call level (a data migration installs it; the flushed database of a
    # live-server test has lost it).
    DunningLevel.objects.get_or_create(
        days_overdue=10,
        defaults={"order": 2, "name": "Call", "action": DunningAction.CALL_TASK},
    )
    # The daily run marks both promises broken (each gets a follow-up task) and, for
    # invoices ten days or more overdue, gives the owner a dunning call.
    collection_run(as_of=day)
    broken_a.refresh_from_db()
    broken_b.refresh_from_db()
    call_a = CollectionTask.objects.get(client=w.client_a, kind=TaskKind.DUNNING_CALL)
    call_b = CollectionTask.objects.get(client=w.client_b, kind=TaskKind.DUNNING_CALL)
    limit = w.client_a.credit_limit
    set_limit(w.client_a, "1.00")
    with pytest.raises(CreditRefused):
        orders.order_submit(by=w.kam_a, order=make_order(w, w.kam_a, w.client_a))
    set_limit(w.client_a, limit)
    override = OverrideRequest.objects.get(client=w.client_a)
    TierProposal.objects.create(
        client=w.client_a, current_tier=w.client_a.tier, proposed_tier=Tier.KEY, reasons=[]
    )
    churn_value(w.client_a, p_alive=0.2, npv="900.00")
    churn_value(w.client_b, p_alive=0.1, npv="800.00")
    churn_value(w.client_d, p_alive=0.3, npv="700.00")
    jumpy = ClientFactory.create(legal_name="UAB „Šuolis“", owner=w.kam_a, price_column=w.column)
    last = add_months(day.replace(day=1), -1)
    for back in range(7):
        ClientMonth.objects.create(
            client=jumpy,
            month=add_months(last, -back),
            invoiced_net=Decimal("1000.00"),
            invoices=10,
            returned_net=Decimal("200.00") if back == 0 else Decimal("10.00"),
        )
    return Alerts(
        book=book,
        broken_a=broken_a,
        broken_b=broken_b,
        call_a=call_a,
        call_b=call_b,
        override=override,
        jumpy=jumpy,
    )


def browser_for(user: User, lang: str = "en") -> HttpClient:
    client = HttpClient(headers={"accept-language": lang})
    client.force_login(user)
    return client

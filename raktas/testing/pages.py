"""What the page tests share: the persona world plus some history (orders in each
state, invoices paid, open and overdue, a payment) built through the services, and a
browser signed in as a persona. The fixtures ``book``, ``alerts`` and ``as_user`` are
in the root conftest.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from raktas.analytics.models import ClientMonth, ClientValue, TierProposal
from raktas.analytics.selectors import add_months
from raktas.banking.models import BankEntry, BankStatement
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
from raktas.testing.api import PERSONAS
from raktas.testing.credit import credit_scene, invoice, set_limit
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


# --- Page persona tables ---------------------------------------------------------------
#
# Like the API's (``raktas.testing.api.Case``): each page (a URL pattern by its name) is
# called with one set of arguments as every persona, on the API's scene of objects in
# every state, and each persona must get the status the access rules give it: 200 (or
# a redirect) when allowed, 404 for an object they may not see, 403 for a page their
# role may not open, 405 for a GET on a form's POST address. ``PAGE_CASES`` in each
# app's ``tests/test_pages.py``; ``raktas/web/tests/test_page_coverage.py`` fails on a
# URL pattern without a case, or without an allowed and a denied persona.


@dataclass(frozen=True)
class PageCase:
    name: str  # the URL pattern, "namespace:name"
    expect: dict[str, int]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL argument → scene name
    method: str = "GET"
    data: dict[str, str] = field(default_factory=dict)  # form fields ({scene} filled in)
    query: str = ""  # a query string, "a=1&b=2" ({scene} filled in)
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{' ' + self.note if self.note else ''}"


def page_scene(world: World) -> dict[str, int]:
    """The API's scene with credit and collection (``credit_scene``: an override, a
    hold, a promise, a call task per book), plus a bank entry waiting for finance and a
    pending tier proposal for client_a."""
    ids = credit_scene(world)
    statement = BankStatement.objects.create(
        kind="camt.053", version="001.08", file_sha256="0" * 64, imported_by=world.finance
    )
    entry = BankEntry.objects.create(
        statement=statement,
        key="page-scene",
        key_source="page-scene",
        booking_date=timezone.localdate(),
        amount=Decimal("12.10"),
        currency="EUR",
        debtor_name="Nežinomas mokėtojas",
    )
    proposal = TierProposal.objects.create(
        client=world.client_a, current_tier=Tier.DEVELOP, proposed_tier=Tier.KEY
    )
    return ids | {"bank_entry": entry.pk, "proposal_a": proposal.pk}


def check_page_case(world: World, case: PageCase) -> None:
    """Call ``case`` as every persona on one scene, each in a transaction rolled back
    afterwards (so one persona's POST does not change what the next finds)."""
    ids = page_scene(world)
    url = reverse(case.name, kwargs={k: ids[v] for k, v in case.kwargs.items()})
    if case.query:
        url += "?" + case.query.format(**ids)
    data = {k: v.format(**ids) for k, v in case.data.items()}
    failures = []
    for persona in PERSONAS:
        with transaction.atomic():
            browser = browser_for(world.persona(persona))
            response = browser.get(url) if case.method == "GET" else browser.post(url, data)
            wanted = case.expect[persona]
            if response.status_code != wanted:
                failures.append(
                    f"{persona}: expected {wanted}, got {response.status_code} "
                    f"({response.get('Location', '')})"
                )
            transaction.set_rollback(True)
    assert not failures, f"{case.id} {url}\n" + "\n".join(failures)

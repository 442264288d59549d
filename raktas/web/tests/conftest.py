"""Fixtures for the page tests: the persona world plus some history (orders in each
state, invoices paid, open and overdue, a payment) built through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from raktas.ledger.models import Invoice
from raktas.ledger.services import invoice_from_order, payment_record
from raktas.orders import services as orders
from raktas.orders.models import Order
from raktas.org.models import User
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


def make_order(world: World, by: User, client, lines=((0, "2"),)) -> Order:
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
    invoice = invoice_from_order(by=w.finance, order=invoiced, issue_date=issued)
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


@pytest.fixture
def book(world: World) -> Book:
    return build_book(world)


def browser_for(user: User, lang: str = "en") -> HttpClient:
    client = HttpClient(headers={"accept-language": lang})
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    return browser_for

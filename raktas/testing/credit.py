"""Helpers the credit and collection tests share: orders and invoices of known size.

Product P-1 sells at 10.00 net in the wholesale column with 21 % VAT, so an order of
``n`` units of it is ``n × 12.10`` gross.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from raktas.clients.models import Client
from raktas.collection.models import CollectionTask, DunningLevel, TaskKind
from raktas.collection.services import collection_run, promise_create
from raktas.credit.models import OverrideRequest
from raktas.credit.scoring import credit_score_refresh
from raktas.credit.services import CreditRefused, credit_hold_set
from raktas.ledger.models import Invoice
from raktas.ledger.services import invoice_create
from raktas.orders.models import Order
from raktas.orders.services import order_add_line, order_create, order_submit
from raktas.org.models import User
from raktas.testing.api import build_scene
from raktas.testing.personas import World

UNIT_GROSS = Decimal("12.10")


def set_limit(client: Client, limit: str | Decimal, terms: int | None = None) -> Client:
    fields: dict[str, object] = {"credit_limit": Decimal(limit)}
    if terms is not None:
        fields["payment_terms_days"] = terms
    Client.objects.filter(pk=client.pk).update(**fields)
    client.refresh_from_db()
    return client


def draft(world: World, client: Client, units: int, by: User | None = None) -> Order:
    """A draft order of ``units`` × P-1 (``units × 12.10`` gross)."""
    kam = by or client.owner
    order = order_create(by=kam, client=client)
    order_add_line(by=kam, order=order, product=world.products[0], quantity=Decimal(units))
    order.refresh_from_db()
    return order


def invoice(
    world: World, client: Client, gross: str | Decimal, *, issued: dt.date, due: dt.date
) -> Invoice:
    """An invoice of exactly ``gross`` (one line, no VAT) issued by finance."""
    return invoice_create(
        by=world.finance,
        client=client,
        issue_date=issued,
        due_date=due,
        lines=[
            {
                "description": "Goods",
                "quantity": Decimal(1),
                "unit_price": Decimal(gross),
                "vat_rate": Decimal(0),
            }
        ],
    )


def credit_scene(world: World) -> dict[str, int]:
    """The API scene plus, for client_a (kam_a, team North) and client_b (kam_b,
    South): a pending override, a hold, a promise, a call task and a letter."""
    ids = build_scene(world)
    today = timezone.localdate()
    out: dict[str, int] = {}
    for name, client, kam in (
        ("a", world.client_a, world.kam_a),
        ("b", world.client_b, world.kam_b),
    ):
        Client.objects.filter(pk=client.pk).update(credit_limit=Decimal("20.00"))
        client.refresh_from_db()
        order = draft(world, client, 10, by=kam)
        with pytest.raises(CreditRefused):
            order_submit(by=kam, order=order)
        out[f"override_{name}"] = OverrideRequest.objects.get(order=order).pk
        out[f"hold_{name}"] = credit_hold_set(
            client=client, kind="legal_handover", reason="test"
        ).pk
        out[f"promise_{name}"] = promise_create(
            by=kam, client=client, promised_on=today + dt.timedelta(days=3), amount=Decimal("5")
        ).pk
        invoice(
            world,
            client,
            "10.00",
            issued=today - dt.timedelta(days=80),
            due=today - dt.timedelta(days=31),
        )
        invoice(
            world,
            client,
            "3.00",
            issued=today - dt.timedelta(days=20),
            due=today - dt.timedelta(days=8),
        )
        credit_score_refresh(client)
    # Promises pause dunning: run as of the day after they fall due (they break).
    collection_run(as_of=today + dt.timedelta(days=4))
    for name, client in (("a", world.client_a), ("b", world.client_b)):
        out[f"task_{name}"] = CollectionTask.objects.get(
            client=client, kind=TaskKind.DUNNING_CALL
        ).pk
        link = client.timeline.get(kind="letter").link  # /api/v1/collection/letters/7.pdf
        out[f"letter_{name}"] = int(link.rsplit("/", 1)[1].split(".")[0])
    out["level"] = DunningLevel.objects.get(days_overdue=10).pk  # reached by the run
    return ids | out

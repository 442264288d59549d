"""Helpers the credit and collection tests share: orders and invoices of known size.

Product P-1 sells at 10.00 net in the wholesale column with 21 % VAT, so an order of
``n`` units of it is ``n × 12.10`` gross.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from raktas.clients.models import Client
from raktas.ledger.models import Invoice
from raktas.ledger.services import invoice_create
from raktas.orders.models import Order
from raktas.orders.services import order_add_line, order_create
from raktas.org.models import User
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

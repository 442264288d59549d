"""Small builders for receivables tests: invoices, payments and credit notes on given days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from raktas.clients.models import Client
from raktas.ledger.models import CreditNote, Invoice, Payment
from raktas.ledger.services import credit_note_create, invoice_create, payment_record
from raktas.org.models import User

D = Decimal


def invoice(
    by: User, client: Client, gross: str, issued: dt.date, due_in: int = 30, number: str = ""
) -> Invoice:
    """An invoice of exactly ``gross`` (one line, no VAT)."""
    return invoice_create(
        by=by,
        client=client,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=due_in),
        number=number or None,
        lines=[{"description": "Goods", "quantity": 1, "unit_price": D(gross), "vat_rate": 0}],
    )


def pay(
    by: User,
    client: Client,
    amount: str,
    on: dt.date,
    to: Invoice | None = None,
    part: str | None = None,
) -> Payment:
    allocate: object = "oldest" if to is None else [(to, D(part or amount))]
    return payment_record(
        by=by,
        client=client,
        amount=D(amount),
        received_on=on,
        allocate=allocate,  # type: ignore[arg-type]
    )


def credit(by: User, client: Client, gross: str, on: dt.date, inv: Invoice | None) -> CreditNote:
    return credit_note_create(
        by=by,
        client=client,
        net=D(gross),
        vat_rate=D(0),
        reason="return",
        issue_date=on,
        invoice=inv,
    )

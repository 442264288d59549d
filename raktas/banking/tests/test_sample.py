"""The demo's sample statement: each entry meets the matching rule it was made for, the
unknown payer waits for finance, and importing it twice books nothing twice."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from raktas.banking.camt import parse
from raktas.banking.models import BankEntry
from raktas.banking.sample import sample_entries, sample_statement
from raktas.banking.services import bank_import
from raktas.ledger.models import Invoice, Payment
from raktas.testing.credit import invoice
from raktas.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_book(world):
    today = timezone.localdate()
    for n in range(6):
        client = ClientFactory.create(owner=world.kam_a, legal_name=f"UAB „Mokėtojas {n}“")
        for k, gross in enumerate(("120.00", "75.50")):
            invoice(
                world,
                client,
                Decimal(gross) + n,
                issued=today - dt.timedelta(days=60 - k),
                due=today - dt.timedelta(days=30 - k),
            )
    return world


def test_each_entry_meets_its_rule_and_the_stranger_waits(open_book):
    entries = sample_entries()
    assert [e.expect for e in entries] == [
        "reference", "reference", "invoice_number", "invoice_number", "amount", "",
    ]  # fmt: skip
    data = sample_statement(entries, day=timezone.localdate())
    assert len(parse(data).transactions) == len(entries)  # our own reader takes it
    open_before = sum(i.open_amount for i in Invoice.objects.all())

    result = bank_import(by=open_book.finance, data=data, file_name="demo-camt053.xml")

    got = list(BankEntry.objects.order_by("pk").values_list("match_rule", flat=True))
    assert got == [e.expect for e in entries]
    assert len(result.unmatched) == 1
    paid = sum(e.amount for e in entries if e.expect)
    assert sum(i.open_amount for i in Invoice.objects.all()) == open_before - paid
    payments = Payment.objects.count()
    again = bank_import(by=open_book.finance, data=data, file_name="demo-camt053.xml")
    assert not again.created
    assert Payment.objects.count() == payments


def test_the_command_writes_the_file(open_book, tmp_path):
    out = io.StringIO()
    call_command("bank-sample", str(tmp_path / "s.xml"), "--date", "2026-11-27", stdout=out)
    message = parse((tmp_path / "s.xml").read_bytes())
    assert message.kind == "camt.053"
    assert {tx.booking_date for tx in message.transactions} == {dt.date(2026, 11, 27)}
    assert "6 credit entries" in out.getvalue()

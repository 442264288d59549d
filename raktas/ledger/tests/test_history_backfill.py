"""Migration ledger.0011 computes the history dates of existing invoices from their rows."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from raktas.ledger.models import Invoice
from raktas.ledger.services import (
    credit_note_create,
    invoice_create,
    payment_record,
    payment_reverse,
)
from raktas.seed import checks

D = Decimal


def _invoice(world, amount, day):
    return invoice_create(
        by=world.finance,
        client=world.client_a,
        issue_date=day,
        lines=[{"description": "x", "quantity": D(1), "unit_price": D(amount), "vat_rate": D(0)}],
    )


@pytest.mark.django_db
def test_the_backfill_gives_every_invoice_the_dates_the_services_keep(world):
    paid = _invoice(world, "100", dt.date(2026, 1, 5))
    bounced = _invoice(world, "40", dt.date(2026, 1, 6))
    credited = _invoice(world, "60", dt.date(2026, 1, 7))
    _invoice(world, "30", dt.date(2026, 1, 8))  # untouched
    payment_record(
        by=world.finance, client=world.client_a, amount=D("100"), received_on=dt.date(2026, 2, 1)
    )
    bad = payment_record(
        by=world.finance, client=world.client_a, amount=D("10"), received_on=dt.date(2026, 2, 3)
    )
    payment_reverse(by=world.finance, payment=bad, reversed_on=dt.date(2026, 2, 9), reason="x")
    credit_note_create(
        by=world.finance,
        client=world.client_a,
        net=D("5"),
        vat_rate=D("0"),
        reason="price",
        issue_date=dt.date(2026, 2, 2),
        invoice=credited,
    )
    kept = {
        i.pk: (i.first_touched_on, i.last_touched_on, i.settled_on) for i in Invoice.objects.all()
    }
    assert kept[paid.pk] == (dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    assert kept[bounced.pk] == (dt.date(2026, 2, 3), dt.date(2026, 2, 9), None)
    # As the importer used to leave them: nothing known.
    Invoice.objects.update(first_touched_on=None, last_touched_on=None, settled_on=None)
    assert checks.invoices_with_wrong_history() == 4
    migration = importlib.import_module("raktas.ledger.migrations.0011_invoice_history_dates")
    migration.backfill(apps, None)
    assert checks.invoices_with_wrong_history() == 0
    assert {
        i.pk: (i.first_touched_on, i.last_touched_on, i.settled_on) for i in Invoice.objects.all()
    } == kept

"""Real concurrent connections: two payments at once never over-allocate an invoice."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.db.models import Sum

from raktas.audit.models import AuditEntry
from raktas.ledger.models import Allocation
from raktas.ledger.services import invoice_create, payment_record
from raktas.testing.personas import build_world


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_allocate_more_than_the_invoice():
    world = build_world()
    invoice = invoice_create(
        by=world.finance,
        client=world.client_a,
        issue_date=dt.date(2026, 1, 1),
        lines=[
            {
                "description": "Goods",
                "quantity": Decimal(1),
                "unit_price": Decimal("100"),
                "vat_rate": Decimal(0),
            }
        ],
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def pay() -> None:
        try:
            barrier.wait(timeout=10)
            payment_record(
                by=world.finance,
                client=world.client_a,
                amount=Decimal("70.00"),
                received_on=dt.date(2026, 1, 10),
            )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    invoice.refresh_from_db()
    allocated = Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"]
    assert allocated == Decimal("100.00")
    assert invoice.open_amount == Decimal("0.00")
    # both payments were recorded; the second one is left with 40.00 unallocated
    assert AuditEntry.objects.filter(entity="ledger.payment", action="create").count() == 2

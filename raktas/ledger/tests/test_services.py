import datetime as dt
from decimal import Decimal

import pytest

from raktas.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from raktas.ledger.models import Allocation
from raktas.ledger.selectors import client_balance
from raktas.ledger.services import (
    credit_note_create,
    invoice_create,
    payment_allocate,
    payment_record,
    payment_reverse,
)
from raktas.receivables.tests.helpers import invoice

D = Decimal


def _invoice(world, client, amount, day):
    return invoice_create(
        by=world.finance,
        client=client,
        issue_date=day,
        lines=[
            {"description": "Goods", "quantity": D(1), "unit_price": D(amount), "vat_rate": D(0)}
        ],
    )


def test_payments_go_to_the_oldest_due_invoice_first(world):
    new = _invoice(world, world.client_a, "100", dt.date(2026, 3, 1))
    old = _invoice(world, world.client_a, "50", dt.date(2026, 1, 1))
    payment_record(
        by=world.finance, client=world.client_a, amount=D("80.00"), received_on=dt.date(2026, 4, 1)
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.open_amount, new.open_amount) == (D("0.00"), D("70.00"))


def test_explicit_allocation_and_its_limits(world):
    inv = _invoice(world, world.client_a, "100", dt.date(2026, 1, 1))
    payment = payment_record(
        by=world.finance,
        client=world.client_a,
        amount=D("60.00"),
        received_on=dt.date(2026, 2, 1),
        allocate="none",
    )
    payment_allocate(by=world.finance, payment=payment, allocate=[(inv, D("40.00"))])
    with pytest.raises(Conflict) as err:
        payment_allocate(by=world.finance, payment=payment, allocate=[(inv, D("30.00"))])
    assert err.value.code == "over_allocation"
    payment_allocate(by=world.finance, payment=payment, allocate=[(inv, D("20.00"))])
    assert Allocation.objects.get(payment=payment, invoice=inv).amount == D("60.00")
    inv.refresh_from_db()
    assert inv.open_amount == D("40.00")


def test_a_payment_cannot_settle_another_clients_invoice(world):
    other = _invoice(world, world.client_b, "10", dt.date(2026, 1, 1))
    with pytest.raises(ValidationFailed) as err:
        payment_record(
            by=world.finance,
            client=world.client_a,
            amount=D("10.00"),
            received_on=dt.date(2026, 1, 2),
            allocate=[(other, D("10.00"))],
        )
    assert err.value.field == "invoice"


def test_a_failed_allocation_leaves_nothing_half_written(world):
    inv = _invoice(world, world.client_a, "10", dt.date(2026, 1, 1))
    with pytest.raises(Conflict):
        payment_record(
            by=world.finance,
            client=world.client_a,
            amount=D("50.00"),
            received_on=dt.date(2026, 1, 2),
            allocate=[(inv, D("5.00")), (inv, D("20.00"))],
        )
    assert client_balance(world.client_a)["paid"] == D("0")
    inv.refresh_from_db()
    assert inv.open_amount == D("10.00")


@pytest.mark.parametrize("bad", ["0", "-5", "1.001"])
def test_payment_amount_must_be_positive_cents(world, bad):
    with pytest.raises(ValidationFailed) as err:
        payment_record(
            by=world.finance, client=world.client_a, amount=D(bad), received_on=dt.date(2026, 1, 1)
        )
    assert err.value.field == "amount"


def test_only_finance_and_the_director_record_payments(world):
    for name in ("kam_a", "head", "desk"):
        with pytest.raises(PermissionDenied):
            payment_record(
                by=world.persona(name),
                client=world.client_a,
                amount=D("1.00"),
                received_on=dt.date(2026, 1, 1),
            )


def test_a_credit_note_against_an_invoice_reduces_it_and_the_balance(world):
    inv = _invoice(world, world.client_a, "121", dt.date(2026, 1, 1))
    credit_note_create(
        by=world.finance,
        client=world.client_a,
        invoice=inv,
        net=D("50.00"),
        vat_rate=D("21"),
        reason="return",
        issue_date=dt.date(2026, 1, 5),
    )
    inv.refresh_from_db()
    assert inv.open_amount == D("60.50")
    assert client_balance(world.client_a)["balance"] == D("60.50")
    with pytest.raises(Conflict):
        credit_note_create(
            by=world.finance,
            client=world.client_a,
            invoice=inv,
            net=D("60.00"),
            vat_rate=D("21"),
            reason="return",
            issue_date=dt.date(2026, 1, 6),
        )


def test_invoice_numbers_are_consecutive(world):
    numbers = [_invoice(world, world.client_a, "1", dt.date(2026, 1, d)).number for d in (1, 2, 3)]
    tail = [int(n.split("-")[-1]) for n in numbers]
    assert tail == [tail[0], tail[0] + 1, tail[0] + 2]


def test_balance_counts_overdue_only_past_due_date(world):
    _invoice(world, world.client_a, "100", dt.date(2026, 1, 1))  # due 2026-01-31
    from raktas.ledger.selectors import client_balance as bal

    assert bal(world.client_a, as_of=dt.date(2026, 1, 31))["overdue"] == D("0")
    assert bal(world.client_a, as_of=dt.date(2026, 2, 1))["overdue"] == D("100.00")


@pytest.mark.django_db
def test_a_payment_is_applied_on_the_day_its_last_part_is_allocated(world):
    fin = world.persona("finance")
    first = invoice(fin, world.client_a, "60.00", dt.date(2026, 1, 1))
    second = invoice(fin, world.client_a, "40.00", dt.date(2026, 1, 2))
    payment = payment_record(
        by=fin,
        client=world.client_a,
        amount=Decimal("100.00"),
        received_on=dt.date(2026, 2, 1),
        allocate=[(first, Decimal("60.00"))],
    )
    assert payment.applied_on is None  # 40.00 still unapplied
    payment_allocate(
        by=fin, payment=payment, allocate=[(second, Decimal("40.00"))], on=dt.date(2026, 2, 9)
    )
    payment.refresh_from_db()
    assert payment.applied_on == dt.date(2026, 2, 9)
    payment_reverse(by=fin, payment=payment, reversed_on=dt.date(2026, 3, 1), reason="bounced")
    payment.refresh_from_db()
    assert payment.applied_on is None


def test_a_back_dated_credit_note_or_allocation_cannot_take_an_invoice_below_zero(world):
    """Found by the ledger state machine: a 0.01 invoice paid, the payment reversed on
    10 March, then a 0.01 credit note dated 8 March. Its open amount now is 0.01, but on
    8 and 9 March the payment still settled it: the note would have left it at -0.01."""
    inv = _invoice(world, world.client_a, "0.01", dt.date(2026, 3, 1))
    payment = payment_record(
        by=world.finance, client=world.client_a, amount=D("126.98"), received_on=dt.date(2026, 3, 5)
    )
    payment_reverse(
        by=world.finance, payment=payment, reversed_on=dt.date(2026, 3, 10), reason="bounced"
    )
    inv.refresh_from_db()
    assert inv.open_amount == D("0.01")

    def credit(day: dt.date):
        return credit_note_create(
            by=world.finance,
            client=world.client_a,
            invoice=inv,
            net=D("0.01"),
            vat_rate=D("0"),
            reason="price",
            issue_date=day,
        )

    with pytest.raises(Conflict, match="below zero"):
        credit(dt.date(2026, 3, 8))
    # A second payment dated back into the same days is refused the same way.
    again = payment_record(
        by=world.finance,
        client=world.client_a,
        amount=D("0.01"),
        received_on=dt.date(2026, 3, 6),
        allocate="none",
    )
    with pytest.raises(Conflict, match="below zero"):
        payment_allocate(
            by=world.finance, payment=again, allocate=[(inv, D("0.01"))], on=dt.date(2026, 3, 6)
        )
    # Dated on or after the reversal, both are fine.
    credit(dt.date(2026, 3, 10))
    inv.refresh_from_db()
    assert inv.open_amount == D("0.00")

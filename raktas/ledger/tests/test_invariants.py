"""Property tests of the ledger: whatever happens, the books add up."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from raktas.core.exceptions import Conflict
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment
from raktas.ledger.selectors import client_balance
from raktas.ledger.services import (
    credit_note_create,
    invoice_create,
    payment_allocate,
    payment_record,
)
from raktas.testing.factories import ClientFactory
from raktas.testing.personas import World

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
DAY0 = dt.date(2026, 1, 1)


def total(qs, field):
    return qs.aggregate(s=Sum(field))["s"] or Decimal("0")


class LedgerMachine(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.client = ClientFactory.create(owner=self.world.kam_a, price_column=self.world.column)
        self.finance = self.world.persona("finance")
        self.day = DAY0

    def _tick(self) -> dt.date:
        self.day += dt.timedelta(days=1)
        return self.day

    @rule(price=amounts, vat=st.sampled_from([Decimal("0"), Decimal("9"), Decimal("21")]))
    def issue_invoice(self, price, vat):
        invoice_create(
            by=self.finance,
            client=self.client,
            issue_date=self._tick(),
            lines=[
                {"description": "x", "quantity": Decimal(1), "unit_price": price, "vat_rate": vat}
            ],
        )

    @rule(amount=amounts, oldest=st.booleans())
    def receive_payment(self, amount, oldest):
        payment_record(
            by=self.finance,
            client=self.client,
            amount=amount,
            received_on=self._tick(),
            allocate="oldest" if oldest else "none",
        )

    @precondition(lambda self: Payment.objects.filter(client=self.client).exists())
    @rule(data=st.data())
    def allocate_explicitly(self, data):
        payments = list(Payment.objects.filter(client=self.client).order_by("id"))
        invoices = list(Invoice.objects.filter(client=self.client).order_by("id"))
        if not invoices:
            return
        payment = data.draw(st.sampled_from(payments))
        invoice = data.draw(st.sampled_from(invoices))
        amount = data.draw(amounts)
        # Over-allocation is refused; the invariants below prove nothing moved.
        with contextlib.suppress(Conflict):
            payment_allocate(by=self.finance, payment=payment, allocate=[(invoice, amount)])

    @rule(net=amounts, against=st.booleans())
    def issue_credit_note(self, net, against):
        invoice = (
            Invoice.objects.filter(client=self.client, open_amount__gt=0).first()
            if against
            else None
        )
        with contextlib.suppress(Conflict):
            credit_note_create(
                by=self.finance,
                client=self.client,
                net=net,
                vat_rate=Decimal("21"),
                reason="return",
                issue_date=self._tick(),
                invoice=invoice,
            )

    @invariant()
    def balance_is_invoices_minus_payments_minus_credit_notes(self):
        invoiced = total(Invoice.objects.filter(client=self.client), "gross_total")
        paid = total(Payment.objects.filter(client=self.client), "amount")
        credited = total(CreditNote.objects.filter(client=self.client), "gross_total")
        assert client_balance(self.client)["balance"] == invoiced - paid - credited

    @invariant()
    def every_invoice_open_amount_is_recomputable_and_in_range(self):
        for invoice in Invoice.objects.filter(client=self.client):
            allocated = total(Allocation.objects.filter(invoice=invoice), "amount")
            credited = total(CreditNote.objects.filter(invoice=invoice), "gross_total")
            assert invoice.open_amount == invoice.gross_total - allocated - credited
            assert Decimal("0") <= invoice.open_amount <= invoice.gross_total

    @invariant()
    def no_payment_is_allocated_beyond_its_amount(self):
        for payment in Payment.objects.filter(client=self.client):
            allocated = total(Allocation.objects.filter(payment=payment), "amount")
            assert payment.allocated_amount == allocated <= payment.amount


@pytest.mark.django_db
def test_ledger_invariants_hold_for_any_sequence(world):
    LedgerMachine.world = world
    machine = LedgerMachine.TestCase
    machine.settings = settings(
        max_examples=25,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()

"""Property tests of the ledger: whatever happens, the books add up.

Also on every past day: the aging recomputed from the dated history (allocations,
their reversals, credit notes) matches the invoices' story, and its buckets add up.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Max, Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from raktas.clients.models import Client
from raktas.core.exceptions import Conflict
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal
from raktas.ledger.selectors import client_balance
from raktas.ledger.services import (
    credit_note_create,
    invoice_create,
    payment_allocate,
    payment_record,
    payment_reverse,
)
from raktas.receivables.aging import aging_report
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
        # Over-allocation (and allocating a reversed payment) is refused; the
        # invariants below prove nothing moved.
        with contextlib.suppress(Conflict):
            payment_allocate(
                by=self.finance, payment=payment, allocate=[(invoice, amount)], on=self._tick()
            )

    @precondition(lambda self: Payment.objects.filter(client=self.client).exists())
    @rule(data=st.data())
    def reverse_payment(self, data):
        payments = list(
            Payment.objects.filter(client=self.client, reversal__isnull=True).order_by("id")
        )
        if not payments:
            return
        payment = data.draw(st.sampled_from(payments))
        payment_reverse(
            by=self.finance, payment=payment, reversed_on=self._tick(), reason="bounced"
        )

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
        reversed_ = total(PaymentReversal.objects.filter(client=self.client), "amount")
        assert client_balance(self.client)["balance"] == invoiced - paid - credited + reversed_

    @invariant()
    def every_invoice_open_amount_is_recomputable_and_in_range(self):
        for invoice in Invoice.objects.filter(client=self.client):
            live = Allocation.objects.filter(invoice=invoice, reversed_on__isnull=True)
            allocated = total(live, "amount")
            credited = total(CreditNote.objects.filter(invoice=invoice), "gross_total")
            assert invoice.open_amount == invoice.gross_total - allocated - credited
            assert Decimal("0") <= invoice.open_amount <= invoice.gross_total
            # settled_on, when set, is a day from which nothing changes the invoice.
            if invoice.settled_on is not None:
                assert invoice.open_amount == 0
                later = Allocation.objects.filter(invoice=invoice).filter(
                    Q(allocated_on__gt=invoice.settled_on) | Q(reversed_on__gt=invoice.settled_on)
                )
                assert not later.exists()
                assert not invoice.credit_notes.filter(issue_date__gt=invoice.settled_on).exists()

    @invariant()
    def no_payment_is_allocated_beyond_its_amount(self):
        for payment in Payment.objects.filter(client=self.client):
            if payment.is_reversed:
                # Reversed: every allocation ended, the payment counts as used up.
                assert not payment.allocations.filter(reversed_on__isnull=True).exists()
                assert payment.allocated_amount == payment.amount
                assert payment.applied_on is None  # the aging reads it from its rows
                continue
            allocated = total(Allocation.objects.filter(payment=payment), "amount")
            assert payment.allocated_amount == allocated <= payment.amount
            # applied_on: the day the last of it was applied, once all of it is.
            last = payment.allocations.aggregate(d=Max("allocated_on"))["d"]
            if payment.allocated_amount == payment.amount:
                assert payment.applied_on == last
            else:
                assert payment.applied_on is None

    @invariant()
    def aging_buckets_add_up_to_the_open_balance_on_every_date(self):
        clients = Client.objects.filter(pk=self.client.pk)
        invoices = list(Invoice.objects.filter(client=self.client))
        allocations = list(Allocation.objects.filter(invoice__client=self.client))
        notes = list(CreditNote.objects.filter(client=self.client, invoice__isnull=False))
        all_notes = list(CreditNote.objects.filter(client=self.client))
        payments = list(Payment.objects.filter(client=self.client))
        reversals = list(PaymentReversal.objects.filter(client=self.client))
        day = DAY0
        while day <= self.day + dt.timedelta(days=1):
            expected = Decimal("0")
            for inv in invoices:
                if inv.issue_date > day:
                    continue
                live = sum(
                    (
                        a.amount
                        for a in allocations
                        if a.invoice_id == inv.pk
                        and a.allocated_on <= day
                        and (a.reversed_on is None or a.reversed_on > day)
                    ),
                    Decimal("0"),
                )
                cred = sum(
                    (
                        n.gross_total
                        for n in notes
                        if n.invoice_id == inv.pk and n.issue_date <= day
                    ),
                    Decimal("0"),
                )
                open_on_day = inv.gross_total - live - cred
                assert Decimal("0") <= open_on_day <= inv.gross_total
                expected += open_on_day
            report = aging_report(clients=clients, as_of=day, edges=(1, 2, 3))
            got = report.company
            assert sum(got.buckets, Decimal("0")) == got.total == expected
            # Unapplied money (payments not allocated, credit notes against no invoice)
            # is beside the buckets: net = open invoices − unapplied = the ledger balance
            # from the dated rows on that day.
            balance_on_day = (
                sum((i.gross_total for i in invoices if i.issue_date <= day), Decimal("0"))
                - sum((p.amount for p in payments if p.received_on <= day), Decimal("0"))
                - sum((n.gross_total for n in all_notes if n.issue_date <= day), Decimal("0"))
                + sum((r.amount for r in reversals if r.reversed_on <= day), Decimal("0"))
            )
            assert got.unapplied >= 0
            assert got.net == got.total - got.unapplied == balance_on_day
            day += dt.timedelta(days=1)
        assert got.net == client_balance(self.client)["balance"]


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

"""Property tests of the ledger: whatever happens, the books add up.

Also on every past day: the aging recomputed from the dated history (allocations,
their reversals, credit notes) matches the invoices' story, and its buckets add up.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
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
from raktas.receivables.aging import aging_report, bucket_index, raw_aging
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

    def _tick_back(self, days: int) -> dt.date:
        """A new day, then ``days`` back from it: finance books late, so events
        are not always dated in the order they happen."""
        return max(DAY0, self._tick() - dt.timedelta(days=days))

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
        back = data.draw(st.integers(min_value=0, max_value=6))
        # Over-allocation (and allocating a reversed payment) is refused; the
        # invariants below prove nothing moved. A back-dated allocation lands on
        # a day between earlier ones (never before the payment or the invoice).
        with contextlib.suppress(Conflict):
            payment_allocate(
                by=self.finance,
                payment=payment,
                allocate=[(invoice, amount)],
                on=self._tick_back(back),
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
        back = data.draw(st.integers(min_value=0, max_value=6))
        payment_reverse(
            by=self.finance,
            payment=payment,
            reversed_on=max(payment.received_on, self._tick_back(back)),
            reason="bounced",
        )

    @rule(net=amounts, against=st.booleans(), back=st.integers(min_value=0, max_value=6))
    def issue_credit_note(self, net, against, back):
        invoice = (
            Invoice.objects.filter(client=self.client, open_amount__gt=0).first()
            if against
            else None
        )
        day = self._tick_back(back)
        with contextlib.suppress(Conflict):
            credit_note_create(
                by=self.finance,
                client=self.client,
                net=net,
                vat_rate=Decimal("21"),
                reason="return",
                issue_date=max(day, invoice.issue_date) if invoice else day,
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
            # The history dates are exactly what the rows say (the aging's shortcuts).
            allocs = list(Allocation.objects.filter(invoice=invoice))
            notes = list(invoice.credit_notes.all())
            starts = [a.allocated_on for a in allocs] + [n.issue_date for n in notes]
            ends = [*starts, *(a.reversed_on for a in allocs if a.reversed_on)]
            assert invoice.first_touched_on == min(starts, default=None)
            assert invoice.last_touched_on == max([invoice.issue_date, *ends])
            assert invoice.settled_on == (
                invoice.last_touched_on if invoice.open_amount == 0 else None
            )

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
            in_bucket = [Decimal("0")] * 5
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
                in_bucket[bucket_index((day - inv.due_date).days, (1, 2, 3))] += open_on_day
            report = aging_report(clients=clients, as_of=day, edges=(1, 2, 3))
            got = report.company
            assert sum(got.buckets, Decimal("0")) == got.total == expected
            # Each invoice in its bucket with the open amount of the formula, whether
            # the query took it from the history dates or added up its rows.
            assert got.buckets == in_bucket
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

    @invariant()
    def aging_with_the_history_shortcuts_equals_aging_without_them(self):
        """The same query with every history date unknown (NULL: each invoice's rows
        added up) gives the same figures on every day."""
        clients = Client.objects.filter(pk=self.client.pk)
        days = [DAY0 + dt.timedelta(days=k) for k in range((self.day - DAY0).days + 2)]

        def figures() -> list[list[tuple[int, int, Decimal, int]]]:
            return [
                sorted(
                    (int(c), int(b), Decimal(str(amount)).quantize(Decimal("0.01")), int(n))
                    for c, b, amount, n, *_ in raw_aging(
                        as_of=d, edges=(1, 2, 3), dso_days=90, clients=clients
                    )
                )
                for d in days
            ]

        fast = figures()
        with transaction.atomic():
            Invoice.objects.filter(client=self.client).update(
                first_touched_on=None, last_touched_on=None
            )
            slow = figures()
            transaction.set_rollback(True)
        assert fast == slow


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

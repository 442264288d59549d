"""Property test: whatever happens to orders and the ledger, exposure is the open
balance plus the orders admitted but not yet invoiced, and an admitted order never
took exposure over the limit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from raktas.credit.services import CreditRefused, exposure_of, refusals_for
from raktas.ledger.models import CreditNote, Invoice, Payment, PaymentReversal
from raktas.ledger.services import credit_note_create, payment_record
from raktas.orders.models import OPEN_EXPOSURE_STATUSES, Order, OrderStatus
from raktas.orders.services import (
    order_cancel,
    order_confirm,
    order_invoice,
    order_return,
    order_ship,
    order_submit,
)
from raktas.testing.credit import draft, set_limit
from raktas.testing.factories import ClientFactory
from raktas.testing.personas import World

DAY0 = dt.date(2026, 1, 1)


def total(qs, field) -> Decimal:
    return qs.aggregate(s=Sum(field))["s"] or Decimal("0")


class ExposureMachine(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.client = ClientFactory.create(
            owner=self.world.kam_a, price_column=self.world.column, credit_limit=Decimal("500")
        )
        set_limit(self.client, "500.00")
        self.day = DAY0

    def _tick(self) -> dt.date:
        self.day += dt.timedelta(days=1)
        return self.day

    def _orders(self, status: str) -> list[Order]:
        return list(Order.objects.filter(client=self.client, status=status).order_by("id"))

    @rule(units=st.integers(min_value=1, max_value=30))
    def submit_an_order(self, units):
        order = draft(self.world, self.client, units, by=self.world.kam_a)
        try:
            order_submit(by=self.world.kam_a, order=order)
        except CreditRefused as refused:
            # Refused only for a reason that holds: nothing changed by the refusal.
            still = refusals_for(exposure_of(self.client), order.gross_total)
            assert [r.code for r in still] == [r.code for r in refused.refusals]
            return
        assert exposure_of(self.client).exposure <= self.client.credit_limit

    @precondition(lambda self: self._orders(OrderStatus.SUBMITTED))
    @rule(data=st.data(), move=st.sampled_from(["confirm", "return", "cancel"]))
    def handle_submitted(self, data, move):
        order = data.draw(st.sampled_from(self._orders(OrderStatus.SUBMITTED)))
        desk = self.world.desk
        if move == "confirm":
            order_confirm(by=desk, order=order)
        elif move == "return":
            order_return(by=desk, order=order, comment="check the lines")
        else:
            order_cancel(by=desk, order=order)

    @precondition(lambda self: self._orders(OrderStatus.CONFIRMED))
    @rule(data=st.data())
    def ship(self, data):
        order_ship(by=self.world.desk, order=data.draw(st.sampled_from(self._orders("confirmed"))))

    @precondition(lambda self: self._orders(OrderStatus.SHIPPED))
    @rule(data=st.data())
    def invoice(self, data):
        order = data.draw(st.sampled_from(self._orders(OrderStatus.SHIPPED)))
        order_invoice(by=self.world.finance, order=order, issue_date=self._tick())

    @rule(amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2))
    def pay(self, amount):
        payment_record(
            by=self.world.finance, client=self.client, amount=amount, received_on=self._tick()
        )

    @rule(net=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2))
    def credit(self, net):
        credit_note_create(
            by=self.world.finance,
            client=self.client,
            net=net,
            vat_rate=Decimal(0),
            reason="price",
            issue_date=self._tick(),
        )

    @invariant()
    def exposure_is_open_balance_plus_open_orders(self):
        c = self.client
        balance = (
            total(Invoice.objects.filter(client=c), "gross_total")
            - total(Payment.objects.filter(client=c), "amount")
            - total(CreditNote.objects.filter(client=c), "gross_total")
            + total(PaymentReversal.objects.filter(client=c), "amount")
        )
        open_orders = total(
            Order.objects.filter(client=c, status__in=OPEN_EXPOSURE_STATUSES), "gross_total"
        )
        exposure = exposure_of(c)
        assert exposure.balance == balance
        assert exposure.open_orders == open_orders
        assert exposure.exposure == balance + open_orders
        assert exposure.headroom == max(c.credit_limit - exposure.exposure, Decimal("0"))


@pytest.mark.django_db
def test_exposure_is_open_balance_plus_open_orders_for_any_sequence(world):
    ExposureMachine.world = world
    machine = ExposureMachine.TestCase
    machine.settings = settings(
        max_examples=20,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()

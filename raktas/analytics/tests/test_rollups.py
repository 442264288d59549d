"""The rollups kept incrementally by the services equal a full recomputation."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from raktas.analytics import rollups
from raktas.analytics.models import ClientDay, ClientMonth, ProductMonth, ReasonMonth
from raktas.ledger.models import CreditReason, Invoice
from raktas.ledger.services import credit_note_create, invoice_create
from raktas.orders.models import Order, OrderStatus, RefusalReason
from raktas.orders.services import (
    order_add_line,
    order_cancel,
    order_confirm,
    order_create,
    order_invoice,
    order_refuse,
    order_ship,
    order_submit,
)
from raktas.testing.factories import ClientFactory, PriceFactory, ProductFactory
from raktas.testing.personas import World

BIG = Decimal("1000000000.00")
_SKUS = itertools.count()


def snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup row as a tuple of its keys and values; a row of zeros counts as none."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    for model in rollups.ROLLUPS:
        keys = [c.removesuffix("_id") for c in rollups.KEYS[model]]
        values = [c for c in rollups.value_columns(model)]
        rows = set()
        for row in model._default_manager.values_list(*keys, *values):
            if any(v != 0 for v in row[len(keys) :]):
                rows.add(tuple(row))
        out[model.__name__] = rows
    return out


def assert_rollups_match_a_rebuild() -> None:
    before = snapshot()
    rollups.rebuild()
    after = snapshot()
    for name in before:
        assert before[name] == after[name], (
            name,
            sorted(before[name] - after[name])[:5],
            sorted(after[name] - before[name])[:5],
        )


class Postings(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self.kam = w.persona("kam_a")
        self.desk = w.persona("desk")
        self.finance = w.persona("finance")
        self.clients = [
            ClientFactory.create(owner=w.kam_a, price_column=w.column, credit_limit=BIG)
            for _ in range(2)
        ]
        loose = ProductFactory.create(category=None, sku=f"NOCAT-{next(_SKUS)}")
        PriceFactory.create(product=loose, column=w.column, price=Decimal("7.5000"))
        self.products = [*w.products, loose]
        self.orders: list[Order] = []
        self.day = timezone.localdate()

    def _next_day(self, step: int) -> dt.date:
        # Invoices are dated forward so none is ever overdue (credit control would
        # refuse new orders), and they cross month ends.
        self.day += dt.timedelta(days=step)
        return self.day

    @rule(
        client=st.integers(0, 1),
        lines=st.lists(
            st.tuples(
                st.integers(0, 3),
                st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3),
                st.sampled_from([Decimal("0"), Decimal("5"), Decimal("12.5")]),
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def draft_and_submit(self, client, lines):
        order = order_create(by=self.kam, client=self.clients[client])
        for product, quantity, discount in lines:
            order_add_line(
                by=self.kam,
                order=order,
                product=self.products[product],
                quantity=quantity,
                discount_pct=discount,
            )
        order_submit(by=self.kam, order=order)
        self.orders.append(order)

    def _with(self, *statuses: str) -> list[Order]:
        return [o for o in self.orders if Order.objects.get(pk=o.pk).status in statuses]

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 1000), step=st.integers(0, 20))
    def deliver_and_invoice(self, pick, step):
        candidates = self._with(OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
        if not candidates:
            return
        order = Order.objects.get(pk=candidates[pick % len(candidates)].pk)
        if order.status == OrderStatus.SUBMITTED:
            order_confirm(by=self.desk, order=order)
        order_ship(by=self.desk, order=order)
        order_invoice(by=self.desk, order=order, issue_date=self._next_day(step))

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 1000), reason=st.sampled_from(RefusalReason.values))
    def refuse(self, pick, reason):
        candidates = self._with(OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
        if candidates:
            order = Order.objects.get(pk=candidates[pick % len(candidates)].pk)
            order_refuse(by=self.desk, order=order, reason=reason)

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 1000))
    def cancel(self, pick):
        candidates = self._with(OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
        if candidates:
            order = Order.objects.get(pk=candidates[pick % len(candidates)].pk)
            order_cancel(by=self.desk, order=order, comment="client asked")

    @rule(client=st.integers(0, 1))
    def cancel_a_draft_which_is_no_lost_order(self, client):
        order = order_create(by=self.kam, client=self.clients[client])
        order_cancel(by=self.kam, order=order)

    @rule(
        client=st.integers(0, 1),
        against_invoice=st.booleans(),
        share=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1"), places=2),
        reason=st.sampled_from(CreditReason.values),
        step=st.integers(0, 10),
    )
    def credit_note(self, client, against_invoice, share, reason, step):
        invoice = (
            Invoice.objects.filter(client=self.clients[client], open_amount__gt=1)
            .order_by("-id")
            .first()
        )
        if against_invoice and invoice is not None:
            net = max(
                Decimal("0.01"),
                (invoice.open_amount / Decimal("1.21") * share).quantize(Decimal("0.01"))
                - Decimal("0.01"),
            )
            cost = (invoice.cost_total * share).quantize(Decimal("0.01"))
            credit_note_create(
                by=self.finance,
                client=self.clients[client],
                net=net,
                vat_rate=Decimal("21"),
                reason=reason,
                issue_date=self._next_day(step),
                invoice=invoice,
                cost=cost,
            )
        else:
            credit_note_create(
                by=self.finance,
                client=self.clients[client],
                net=(Decimal("100") * share).quantize(Decimal("0.01")),
                vat_rate=Decimal("21"),
                reason=reason,
                issue_date=self._next_day(step),
            )

    @rule(client=st.integers(0, 1), with_product=st.booleans(), step=st.integers(0, 40))
    def invoice_without_order(self, client, with_product, step):
        invoice_create(
            by=self.finance,
            client=self.clients[client],
            issue_date=self._next_day(step),
            lines=[
                {
                    "description": "service",
                    "quantity": Decimal("2"),
                    "unit_price": Decimal("19.99"),
                    "vat_rate": Decimal("21"),
                    "product": self.products[0] if with_product else None,
                    "unit_cost": Decimal("4"),
                }
            ],
        )

    @invariant()
    def rollups_equal_a_full_recomputation(self):
        assert_rollups_match_a_rebuild()


@pytest.mark.django_db
def test_rollups_equal_a_full_recomputation_after_any_postings(world):
    Postings.world = world
    case = Postings.TestCase
    case.settings = settings(
        max_examples=12,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    case().runTest()


@pytest.mark.django_db
def test_an_invoice_adds_its_lines_to_client_product_and_day_rollups(world):
    kam, desk = world.persona("kam_a"), world.persona("desk")
    order = order_create(by=kam, client=world.client_a)
    order_add_line(by=kam, order=order, product=world.products[0], quantity=Decimal("3"))
    order_add_line(by=kam, order=order, product=world.products[1], quantity=Decimal("1"))
    order_submit(by=kam, order=order)
    order_confirm(by=desk, order=order)
    order_ship(by=desk, order=order)
    day = dt.date(2026, 12, 3)
    order_invoice(by=desk, order=order, issue_date=day)

    month = ClientMonth.objects.get(client=world.client_a, month=dt.date(2026, 12, 1))
    # 3 × 10 + 1 × 20 at the wholesale column; cost 6 a piece
    assert (month.invoiced_net, month.invoiced_cost, month.invoices, month.lines) == (
        Decimal("50.00"),
        Decimal("24.00"),
        1,
        2,
    )
    assert ProductMonth.objects.get(product=world.products[0]).quantity == Decimal("3")
    assert ClientDay.objects.get(client=world.client_a, day=day).net == Decimal("50.00")


@pytest.mark.django_db
def test_a_credit_note_against_an_invoice_is_spread_over_its_products(world):
    finance = world.persona("finance")
    invoice = invoice_create(
        by=finance,
        client=world.client_a,
        issue_date=dt.date(2026, 12, 1),
        lines=[
            {"description": "a", "quantity": 1, "unit_price": "30", "vat_rate": "21",
             "product": world.products[0]},
            {"description": "b", "quantity": 1, "unit_price": "10", "vat_rate": "21",
             "product": world.products[1]},
        ],
    )  # fmt: skip
    credit_note_create(
        by=finance,
        client=world.client_a,
        net=Decimal("10.00"),
        vat_rate=Decimal("21"),
        reason=CreditReason.RETURN,
        issue_date=dt.date(2026, 12, 5),
        invoice=invoice,
    )
    spread = dict(ProductMonth.objects.values_list("product_id", "returned_net"))
    assert spread == {world.products[0].pk: Decimal("7.50"), world.products[1].pk: Decimal("2.50")}
    month = ClientMonth.objects.get(client=world.client_a)
    assert (month.invoiced_net - month.credited_net, month.returned_net) == (
        Decimal("30.00"),
        Decimal("10.00"),
    )
    assert ReasonMonth.objects.get(kind="credit").reason == CreditReason.RETURN


def test_spread_adds_up_to_the_cent_and_follows_the_weights():
    parts = rollups.spread(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert sum(parts) == Decimal("10.00")
    assert sorted(parts) == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert rollups.spread(Decimal("5"), [Decimal("0"), Decimal("0")]) == [
        Decimal("5"),
        Decimal("0"),
    ]


@pytest.mark.django_db
def test_rebuild_command_restores_rollups_wiped_behind_its_back(world, capsys):
    finance = world.persona("finance")
    invoice_create(
        by=finance,
        client=world.client_b,
        issue_date=dt.date(2026, 12, 1),
        lines=[{"description": "x", "quantity": 2, "unit_price": "5", "vat_rate": "21"}],
    )
    expected = snapshot()
    ClientMonth.objects.all().delete()
    call_command("analytics-rebuild")
    assert snapshot() == expected
    assert "clientmonth" in capsys.readouterr().out

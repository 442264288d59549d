"""Pareto, ABC, XYZ and key-client candidates: the arithmetic and who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from raktas.analytics import abc
from raktas.analytics.selectors import (
    Filters,
    KeyClientRules,
    Period,
    abc_report,
    key_client_candidates,
)
from raktas.clients.models import Tier
from raktas.ledger.services import credit_note_create, invoice_create
from raktas.testing.factories import ClientFactory

MONTHS = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))


def test_the_item_that_crosses_80_percent_is_still_a():
    ranking = abc.abc(np.array([5.0, 50.0, 10.0, 30.0, 5.0, 0.0]))
    # Equal values keep their input order: the first 5 is B, the second starts at 95 %.
    assert list(ranking.classes) == ["B", "A", "B", "A", "C", "C"]
    assert ranking.cumulative[1] == pytest.approx(0.5)
    assert ranking.cumulative[3] == pytest.approx(0.8)


def test_one_client_with_most_revenue_is_a_and_thresholds_are_configurable():
    assert list(abc.abc(np.array([90.0, 10.0])).classes) == ["A", "B"]
    strict = abc.Thresholds(a=0.5, b=0.6)
    assert list(abc.abc(np.array([40.0, 30.0, 30.0]), strict).classes) == ["A", "A", "C"]
    with pytest.raises(ValueError):
        abc.Thresholds(a=0.9, b=0.8)


def test_xyz_uses_every_month_of_the_period_including_empty_ones():
    steady = [10.0, 10.0, 10.0, 10.0]
    lumpy = [40.0, 0.0, 0.0, 0.0]
    total = np.array([sum(steady), sum(lumpy), 0.0])
    squares = np.array([sum(v * v for v in steady), sum(v * v for v in lumpy), 0.0])
    cv = abc.coefficient_of_variation(total, squares, 4)
    assert cv[0] == pytest.approx(0.0)
    assert cv[1] == pytest.approx(np.sqrt(3))
    assert list(abc.xyz(cv)) == ["X", "Z", "Z"]


def test_pareto_curve_starts_at_zero_and_ends_at_everything():
    curve = abc.pareto_curve(np.array([1.0, 3.0, 6.0]))
    assert curve[0] == (0.0, 0.0)
    assert curve[-1] == (1.0, pytest.approx(1.0))
    assert curve[1] == (pytest.approx(1 / 3), pytest.approx(0.6))


def test_period_parses_months_and_refuses_backwards_ranges():
    period = Period.parse("2026-01", "2026-03")
    assert (period.start, period.end, period.months) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 1),
        3,
    )
    assert period.last_day == dt.date(2026, 3, 31)
    from raktas.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        Period.parse("2026-05", "2026-01")
    assert Period.trailing(12, on=dt.date(2026, 11, 28)).start == dt.date(2025, 12, 1)


def sell(world, client, amount: str, day=dt.date(2026, 2, 10), cost: str = "0", lines: int = 1):
    """An invoice of ``lines`` equal lines of ``amount`` net (21 % VAT) for client."""
    finance = world.persona("finance")
    return invoice_create(
        by=finance,
        client=client,
        issue_date=day,
        lines=[
            {
                "description": "goods",
                "quantity": 1,
                "unit_price": amount,
                "vat_rate": "21",
                "product": world.products[0],
                "unit_cost": cost,
            }
        ]
        * lines,
    )


@pytest.fixture
def book(world):
    sell(world, world.client_a, "600", cost="400")
    sell(world, world.client_a, "200", day=dt.date(2026, 3, 5), cost="100")
    sell(world, world.client_b, "1000", cost="900")
    sell(world, world.client_d, "200", cost="50")
    return world


def ids(report):
    return {item.id for item in report.items}


@pytest.mark.django_db
def test_each_role_ranks_only_the_clients_in_its_scope(book):
    w = book
    assert ids(abc_report(w.persona("kam_a"), period=MONTHS)) == {w.client_a.pk}
    # The deputy holds kam_a's book today, besides their own.
    assert ids(abc_report(w.persona("deputy"), period=MONTHS)) == {w.client_a.pk, w.client_d.pk}
    assert ids(abc_report(w.persona("head"), period=MONTHS)) == {w.client_a.pk, w.client_d.pk}
    director = abc_report(w.persona("director"), period=MONTHS)
    assert ids(director) == {w.client_a.pk, w.client_b.pk, w.client_d.pk}
    assert director.total_revenue == Decimal("2000.00")
    assert [i.id for i in director.items] == [w.client_b.pk, w.client_a.pk, w.client_d.pk]
    assert [i.abc for i in director.items] == ["A", "A", "B"]


@pytest.mark.django_db
def test_the_head_narrows_to_one_kam_but_not_beyond_the_team(book):
    w = book
    head = w.persona("head")
    assert ids(abc_report(head, period=MONTHS, filters=Filters(kam_id=w.deputy.pk))) == {
        w.client_d.pk
    }
    assert ids(abc_report(head, period=MONTHS, filters=Filters(kam_id=w.kam_b.pk))) == set()


@pytest.mark.django_db
def test_margin_is_hidden_from_finance_without_the_grant(book):
    w = book
    plain = abc_report(w.persona("finance"), period=MONTHS)
    assert plain.total_margin is None
    assert all(i.margin is None and i.abc_margin is None for i in plain.items)
    granted = abc_report(w.persona("finance_margin"), period=MONTHS)
    assert granted.total_margin == Decimal("550.00")
    by_id = {i.id: i for i in granted.items}
    assert by_id[w.client_a.pk].margin == Decimal("300.00")


@pytest.mark.django_db
def test_credit_notes_lower_a_clients_revenue_in_their_month(book):
    w = book
    credit_note_create(
        by=w.persona("finance"),
        client=w.client_b,
        net=Decimal("700"),
        vat_rate=Decimal("21"),
        reason="return",
        issue_date=dt.date(2026, 4, 1),
    )
    report = abc_report(w.persona("director"), period=MONTHS)
    assert report.items[0].id == w.client_a.pk
    assert report.total_revenue == Decimal("1300.00")
    march = abc_report(
        w.persona("director"), period=Period(dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    )
    assert march.total_revenue == Decimal("2000.00")


@pytest.mark.django_db
def test_product_abc_for_a_kam_counts_only_their_clients_sales(book):
    w = book
    mine = abc_report(w.persona("kam_a"), dimension="product", period=MONTHS)
    everyone = abc_report(w.persona("director"), dimension="product", period=MONTHS)
    assert mine.total_revenue == Decimal("800.00")
    assert everyone.total_revenue == Decimal("2000.00")
    assert mine.items[0].label.startswith("P-1")


@pytest.mark.django_db
def test_key_client_candidates_come_with_reasons(book):
    w = book
    extra = ClientFactory.create(owner=w.kam_b, price_column=w.column, tier=Tier.KEY)
    candidates = key_client_candidates(
        w.persona("director"), period=MONTHS, rules=KeyClientRules(revenue_share=0.3)
    )
    by_id = {c.client_id: c for c in candidates}
    assert "brings 50.0% of revenue in this view" in by_id[w.client_b.pk].reasons
    assert any("margin" in r for r in by_id[w.client_a.pk].reasons)
    assert by_id[extra.pk].reasons == ["tiered key but meets no key-client rule: review the tier"]
    assert w.client_d.pk not in by_id or by_id[w.client_d.pk].reasons
    kam_view = key_client_candidates(w.persona("kam_b"), period=MONTHS)
    assert {c.client_id for c in kam_view} <= {w.client_b.pk, extra.pk}

"""Churn alerts, next best offer within credit, returns and refusals, segment prospects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raktas.analytics import insights
from raktas.analytics.models import ClientMonth, ClientValue
from raktas.analytics.selectors import Period
from raktas.core.exceptions import ValidationFailed
from raktas.ledger.services import credit_note_create, invoice_create
from raktas.orders.services import order_add_line, order_create
from raktas.testing.factories import ClientFactory, SegmentFactory

TODAY = dt.date(2026, 11, 28)


def value(client, *, p_alive, weeks_since_last, gap, npv="100", repeat=5):
    return ClientValue.objects.create(
        client=client,
        computed_on=TODAY,
        repeat_purchases=repeat,
        weeks_since_first=52,
        weeks_since_last=weeks_since_last,
        p_alive=p_alive,
        expected_orders=3,
        expected_order_net=Decimal("100"),
        margin_rate=0.3,
        expected_margin=Decimal("90"),
        npv=Decimal(npv),
        typical_gap_days=gap,
    )


@pytest.mark.django_db
def test_churn_alerts_name_their_reason_and_stay_in_scope(world):
    value(world.client_a, p_alive=0.2, weeks_since_last=2, gap=14)
    value(world.client_b, p_alive=0.95, weeks_since_last=10, gap=14, npv="500")
    value(world.client_d, p_alive=0.9, weeks_since_last=1, gap=14)
    everyone = insights.churn_alerts(world.persona("director"), on=TODAY)
    by_id = {a.client_id: a for a in everyone}
    assert set(by_id) == {world.client_a.pk, world.client_b.pk}
    assert "P(alive) 20% is below 50%" in by_id[world.client_a.pk].reasons
    assert "no purchase for 70 days, 5.0× the usual 14-day rhythm" in (
        by_id[world.client_b.pk].reasons
    )
    assert everyone[0].client_id == world.client_b.pk  # largest NPV first
    mine = insights.churn_alerts(world.persona("kam_a"), on=TODAY)
    assert [a.client_id for a in mine] == [world.client_a.pk]
    hidden = insights.churn_alerts(world.persona("finance"), on=TODAY)
    assert all(a.npv is None and a.expected_margin is None for a in hidden)


def _sale(world, client, product, quantity="1", day=None):
    invoice_create(
        by=world.persona("finance"),
        client=client,
        issue_date=day or TODAY - dt.timedelta(days=20),
        lines=[
            {
                "description": product.sku,
                "quantity": quantity,
                "unit_price": "10",
                "vat_rate": "21",
                "product": product,
                "unit_cost": "6",
            }
        ],
    )


@pytest.mark.django_db
def test_next_best_offer_suggests_what_similar_clients_buy_and_flags_credit(world):
    segment = SegmentFactory.create(code="horeca")
    for client in (world.client_a, world.client_b, world.client_d):
        client.segment = segment
        client.save()
    p1, p2, p3 = world.products
    _sale(world, world.client_a, p1, "10")
    for peer in (world.client_b, world.client_d):
        _sale(world, peer, p1, "10")
        _sale(world, peer, p2, "30")
    _sale(world, world.client_b, p3, "2")
    kam = world.persona("kam_a")
    offer = insights.next_best_offer(kam, world.client_a)
    products = [s for s in offer.suggestions if s.kind == "product"]
    assert [s.id for s in products] == [p2.pk, p3.pk]  # p1 is bought already
    top = products[0]
    assert top.buyers_share == 1.0 and top.quantity == Decimal("30")
    assert top.unit_price == Decimal("20.0000")  # client_a's column price of P-2
    assert top.line_gross == Decimal("726.00")
    assert not top.exceeds_headroom  # limit 10,000, exposure 121

    world.client_a.credit_limit = Decimal("500.00")
    world.client_a.save()
    draft = order_create(by=kam, client=world.client_a)
    order_add_line(by=kam, order=draft, product=p1, quantity=Decimal("5"))
    offer = insights.next_best_offer(kam, world.client_a, order=draft)
    flags = {s.id: s.exceeds_headroom for s in offer.suggestions if s.kind == "product"}
    # headroom 500 − 121 = 379; the draft is 60.50 gross; 726 would pass it, 48.40 not
    assert offer.headroom == Decimal("379.00")
    assert flags == {p2.pk: True, p3.pk: False}


@pytest.mark.django_db
def test_returns_and_refusal_rates_by_client_kam_and_reason(world):
    finance = world.persona("finance")
    _sale(world, world.client_a, world.products[0], "10", day=dt.date(2026, 10, 5))
    _sale(world, world.client_b, world.products[0], "10", day=dt.date(2026, 10, 5))
    credit_note_create(
        by=finance,
        client=world.client_a,
        net=Decimal("25"),
        vat_rate=Decimal("21"),
        reason="return",
        issue_date=dt.date(2026, 10, 9),
    )
    period = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 1))
    director = world.persona("director")
    rows = {r.key: r for r in insights.returns_report(director, period=period)}
    assert rows[world.client_a.pk].return_rate == 0.25
    assert rows[world.client_b.pk].return_rate == 0.0
    kams = {r.label: r for r in insights.returns_report(director, group_by="kam", period=period)}
    assert kams["kam_a"].returned == Decimal("25.00")
    reasons = insights.returns_report(director, group_by="reason", period=period)
    assert reasons[0].label == "credit: return" and reasons[0].return_rate == 1.0
    mine = insights.returns_report(world.persona("kam_b"), period=period)
    assert [r.key for r in mine] == [world.client_b.pk]
    with pytest.raises(ValidationFailed):
        insights.returns_report(world.persona("kam_a"), group_by="product", period=period)
    by_product = insights.returns_report(director, group_by="product", period=period)
    assert by_product[0].returned == Decimal("0.00")  # a note against no invoice names none


@pytest.mark.django_db
def test_a_jump_in_the_return_rate_raises_an_alert(world):
    for month in range(4, 11):
        ClientMonth.objects.create(
            client=world.client_a,
            month=dt.date(2026, month, 1),
            invoiced_net=Decimal("1000"),
            invoices=10,
            returned_net=Decimal("200") if month == 10 else Decimal("10"),
        )
    alerts = insights.rate_jumps(world.persona("kam_a"), on=TODAY)
    assert [a.metric for a in alerts] == ["return_rate"]
    assert alerts[0].message.startswith("return rate 20.0% in 2026-10 against 1.0%")
    assert insights.rate_jumps(world.persona("kam_b"), on=TODAY) == []


@pytest.mark.django_db
def test_segment_prospects_compare_with_the_year_before(world):
    horeca = SegmentFactory.create(code="horeca", name="HoReCa")
    world.client_a.segment = horeca
    world.client_a.save()
    other = ClientFactory.create(owner=world.kam_a, price_column=world.column)
    _sale(world, world.client_a, world.products[0], "20", day=dt.date(2026, 6, 1))
    _sale(world, world.client_a, world.products[0], "10", day=dt.date(2025, 6, 1))
    _sale(world, other, world.products[0], "10", day=dt.date(2026, 6, 1))
    period = Period(dt.date(2025, 12, 1), dt.date(2026, 11, 1))
    rows = {r.segment: r for r in insights.segment_prospects(world.persona("kam_a"), period=period)}
    assert rows["HoReCa"].revenue == Decimal("200.00")
    assert rows["HoReCa"].growth == 1.0
    assert rows["HoReCa"].share == pytest.approx(2 / 3)
    assert rows["No segment"].growth is None
    assert rows["HoReCa"].proposal

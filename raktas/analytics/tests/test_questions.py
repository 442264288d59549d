"""Churn alerts, next best offer within credit, returns and refusals, segment prospects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from raktas.analytics import churn, offers, returns, segments
from raktas.analytics.models import ClientMonth, ClientValue
from raktas.analytics.selectors import Filters, Period
from raktas.clients.models import Client
from raktas.core.exceptions import ValidationFailed
from raktas.ledger.services import credit_note_create, invoice_create
from raktas.orders.services import order_add_line, order_create, order_refuse, order_submit
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
    everyone = churn.churn_alerts(world.persona("director"), on=TODAY)
    by_id = {a.client_id: a for a in everyone}
    assert set(by_id) == {world.client_a.pk, world.client_b.pk}
    assert "P(alive) 20% is below 50%" in by_id[world.client_a.pk].reasons
    assert "no purchase for 70 days, 5.0× the usual 14-day rhythm" in (
        by_id[world.client_b.pk].reasons
    )
    assert everyone[0].client_id == world.client_b.pk  # largest NPV first
    mine = churn.churn_alerts(world.persona("kam_a"), on=TODAY)
    assert [a.client_id for a in mine] == [world.client_a.pk]
    hidden = churn.churn_alerts(world.persona("finance"), on=TODAY)
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
    offer = offers.next_best_offer(kam, world.client_a)
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
    offer = offers.next_best_offer(kam, world.client_a, order=draft)
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
    rows = {r.key: r for r in returns.returns_report(director, period=period)}
    assert rows[world.client_a.pk].return_rate == 0.25
    assert rows[world.client_b.pk].return_rate == 0.0
    kams = {r.label: r for r in returns.returns_report(director, group_by="kam", period=period)}
    assert kams["kam_a"].returned == Decimal("25.00")
    reasons = returns.returns_report(director, group_by="reason", period=period)
    assert reasons[0].label == "Credit note: Goods returned" and reasons[0].return_rate == 1.0
    with translation.override("lt"):
        lt = returns.returns_report(director, group_by="reason", period=period)
        assert lt[0].label == "Kreditinė sąskaita: Grąžintos prekės"
    mine = returns.returns_report(world.persona("kam_b"), period=period)
    assert [r.key for r in mine] == [world.client_b.pk]
    with pytest.raises(ValidationFailed):
        returns.returns_report(world.persona("kam_a"), group_by="nonsense", period=period)
    by_product = returns.returns_report(director, group_by="product", period=period)
    assert by_product[0].returned == Decimal("0.00")  # a note against no invoice names none


def _invoice(world, client, day, *lines):
    return invoice_create(
        by=world.persona("finance"),
        client=client,
        issue_date=day,
        lines=[
            {
                "description": product.sku,
                "quantity": quantity,
                "unit_price": "10",
                "vat_rate": "21",
                "product": product,
                "unit_cost": "6",
            }
            for product, quantity in lines
        ],
    )


@pytest.mark.django_db
def test_returns_by_product_are_scoped_to_the_clients_in_view(world):
    """A KAM sees the products of their own clients' invoices, returns and refusals;
    the scoped computation over every client equals the company-wide product rollup."""
    p1, p2, p3 = world.products
    finance, kam_b = world.persona("finance"), world.persona("kam_b")
    # Refused first: credit control would hold an order of a client with overdue invoices.
    order = order_create(by=kam_b, client=world.client_b)
    order_add_line(by=kam_b, order=order, product=p3, quantity=Decimal("2"))
    order_submit(by=kam_b, order=order)
    order_refuse(by=world.persona("desk"), order=order, reason="price")
    invoice = _invoice(world, world.client_a, dt.date(2026, 10, 5), (p1, "10"), (p2, "30"))
    _invoice(world, world.client_b, dt.date(2026, 10, 6), (p1, "5"), (p3, "7"))
    credit_note_create(
        by=finance,
        client=world.client_a,
        net=Decimal("40.01"),
        vat_rate=Decimal("21"),
        reason="return",
        issue_date=dt.date(2026, 10, 9),
        invoice=invoice,
    )
    now = timezone.localdate()
    period = Period(dt.date(2026, 10, 1), max(now.replace(day=1), dt.date(2026, 10, 1)))

    mine = returns.returns_report(world.persona("kam_a"), group_by="product", period=period)
    rows = {r.key: r for r in mine}
    assert set(rows) == {p1.pk, p2.pk}  # client_b's p3 is not in kam_a's view
    # 40.01 spread over 100 + 300 of net: 10.00 and 30.01 (largest remainder)
    assert rows[p1.pk].returned + rows[p2.pk].returned == Decimal("40.01")
    assert rows[p2.pk].returned == Decimal("30.01") and rows[p2.pk].invoiced == Decimal("300")
    assert rows[p1.pk].invoiced == Decimal("100")  # not client_b's 50
    assert rows[p2.pk].return_rate == pytest.approx(30.01 / 300)

    theirs = {r.key: r for r in returns.returns_report(kam_b, group_by="product", period=period)}
    assert set(theirs) == {p1.pk, p3.pk}
    assert theirs[p3.pk].refused_orders == 1 and theirs[p3.pk].returned == 0
    assert theirs[p3.pk].refusal_rate == 0.5  # one refused line against one invoiced line

    # The director reads the rollup; the per-document path over all clients agrees.
    director = world.persona("director")
    company = returns.returns_report(director, group_by="product", period=period)
    narrowed = returns.returns_report(
        director,
        group_by="product",
        period=period,
        filters=Filters(segment_id=None, team_id=None, kam_id=world.kam_a.pk),
    )
    assert [r.key for r in narrowed] == [r.key for r in mine]
    every = returns._product_sums_in_view(Client.objects.all(), period)
    assert {r.key: (r.invoiced, r.returned, r.invoices, r.refused_orders) for r in company} == {
        pid: (v[0], v[1], v[2], v[3]) for pid, v in every.items()
    }


@pytest.mark.django_db
def test_a_clients_jump_raises_an_alert_for_its_kam_only(world):
    for month in range(4, 11):
        for client, returned in (
            (world.client_a, "300" if month == 10 else "0"),
            (world.client_b, "10"),
        ):
            ClientMonth.objects.create(
                client=client,
                month=dt.date(2026, month, 1),
                invoiced_net=Decimal("1000"),
                invoices=10,
                returned_net=Decimal(returned),
            )
    ClientMonth.objects.create(
        client=world.client_d,
        month=dt.date(2026, 10, 1),
        invoiced_net=Decimal("100"),
        invoices=1,
        refused_orders=3,
    )
    kam_a = world.persona("kam_a")
    alerts = returns.return_rate_alerts(kam_a, on=TODAY)
    # client_d (the deputy's) refused 3 of 4 but has no history to jump from, and is
    # not kam_a's anyway; client_b's rate is steady.
    assert [(a.client_id, a.metric) for a in alerts] == [
        (None, "return_rate"),  # kam_a's whole book
        (world.client_a.pk, "return_rate"),
    ]
    first = next(a for a in alerts if a.client_id == world.client_a.pk)
    assert first.message == (
        "UAB „Ąžuolas“: return rate 30.0% in 2026-10 against 0.0% over the six months before"
    )
    with translation.override("lt"):
        lt = returns.return_rate_alerts(kam_a, on=TODAY)
        assert next(a for a in lt if a.client_id == world.client_a.pk).message == (
            "UAB „Ąžuolas“: grąžinimų dalis 2026-10 – 30,0\u00a0%, per šešis ankstesnius mėnesius – 0,0\u00a0%"
        )
    assert returns.return_rate_alerts(world.persona("kam_b"), on=TODAY) == []
    assert returns.return_rate_alerts(world.persona("desk"), on=TODAY) == []
    everyone = returns.return_rate_alerts(world.persona("director"), on=TODAY)
    assert {a.client_id for a in everyone} == {None, world.client_a.pk}


@pytest.mark.django_db
def test_churn_risk_alerts_for_the_today_page(world):
    value(world.client_a, p_alive=0.2, weeks_since_last=2, gap=14)
    value(world.client_b, p_alive=0.1, weeks_since_last=2, gap=14)
    assert [a.client_id for a in churn.churn_risk_alerts(world.persona("kam_a"), on=TODAY)] == [
        world.client_a.pk
    ]
    assert churn.churn_risk_alerts(world.persona("desk"), on=TODAY) == []
    assert len(churn.churn_risk_alerts(world.persona("director"), on=TODAY)) == 2


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
    alerts = returns.rate_jumps(world.persona("kam_a"), on=TODAY)
    assert [a.metric for a in alerts] == ["return_rate"]
    assert alerts[0].message.startswith("return rate 20.0% in 2026-10 against 1.0%")
    assert alerts[0].client_id is None  # the whole book
    assert returns.rate_jumps(world.persona("kam_b"), on=TODAY) == []


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
    rows = {r.segment: r for r in segments.segment_prospects(world.persona("kam_a"), period=period)}
    assert rows["HoReCa"].revenue == Decimal("200.00")
    assert rows["HoReCa"].growth == 1.0
    assert rows["HoReCa"].share == pytest.approx(2 / 3)
    assert rows["No segment"].growth is None
    assert rows["HoReCa"].proposal


def test_segment_proposals_follow_growth_buyers_and_price_realisation():
    with translation.override("en"):
        say = segments._proposal
        assert say(None, None, 3, 0).startswith("New segment")
        assert say(0.2, 0.99, 5, 5).startswith("Growing at list prices")
        assert say(0.2, 0.80, 5, 5).startswith("Growing on discounts")
        assert say(-0.2, 0.99, 4, 5).startswith("Losing buyers")
        # A fifth less from the same buyers is not "stable" (the demo's HoReCa was).
        assert say(-0.2, 0.99, 5, 5).startswith("Shrinking with the same buyers")
        assert say(0.0, 0.80, 5, 5).startswith("Flat and discounted")
        assert say(0.05, 0.99, 5, 5).startswith("Stable")
    with translation.override("lt"):
        assert segments._proposal(-0.2, 0.99, 5, 5).startswith("Traukiasi")


def _churn_alerts_straightforward(user, on, threshold=0.5, factor=2.0):
    """The rule as first written: every ClientValue in view through Python."""
    from raktas.analytics.selectors import scoped_clients

    out = []
    rows = ClientValue.objects.filter(client__in=scoped_clients(user)).order_by("-npv", "client_id")
    for v in rows:
        since = round(v.weeks_since_last * 7) + (on - v.computed_on).days
        low = v.p_alive < threshold
        gap = v.typical_gap_days
        late = bool(gap) and v.repeat_purchases >= 2 and since > factor * gap
        if low or late:
            out.append((v.client_id, since, low, late))
    return out


@pytest.mark.django_db
def test_churn_alerts_filtered_in_the_database_match_the_rule_on_random_data(world):
    """The database prefilter (a bound one day wider) plus the exact test in Python
    gives the same alerts, order and counts as testing every client in Python,
    including silences on the boundary and figures computed on several days."""
    import random

    rng = random.Random(7)
    clients = [world.client_a, world.client_b, world.client_d]
    clients += [
        ClientFactory(
            owner=rng.choice([world.client_a.owner, world.client_b.owner, world.client_d.owner])
        )
        for _ in range(80)
    ]
    for client in clients:
        gap = rng.choice([None, 0.0, 7.0, 10.5, 14.0, 30.0, rng.uniform(1, 60)])
        # Silences near factor × gap, on either side of it.
        weeks = (2.0 * gap if gap else 8) / 7 + rng.choice(
            [-1, -0.5, -1 / 14, 0, 1 / 14, 0.5, 1]
        ) / 7
        ClientValue.objects.create(
            client=client,
            computed_on=TODAY - dt.timedelta(days=rng.choice([0, 0, 3])),
            repeat_purchases=rng.choice([0, 1, 2, 5]),
            weeks_since_last=max(weeks, 0),
            p_alive=rng.choice([0.1, 0.49, 0.5, 0.51, 0.9]),
            expected_orders=1,
            npv=Decimal(rng.randint(0, 50)),  # ties: ordered by client id
            typical_gap_days=gap,
        )
    for persona in ("director", "kam_a", "deputy", "head", "finance"):
        user = world.persona(persona)
        expected = _churn_alerts_straightforward(user, TODAY)
        alerts = churn.churn_alerts(user, on=TODAY)
        assert [(a.client_id, a.days_since_last) for a in alerts] == [e[:2] for e in expected]
        assert [len(a.reasons) for a in alerts] == [e[2] + e[3] for e in expected]
        first, count = churn.churn_risk_first(user, 5, on=TODAY)
        assert count == len(expected)
        assert [a.client_id for a in first] == [e[0] for e in expected[:5]]
        owners = dict.fromkeys(Client.objects.values_list("owner_id", flat=True), 0)
        for client_id, *_ in expected:
            owners[Client.objects.get(pk=client_id).owner_id] += 1
        by_owner = churn.churn_counts_by_owner(user, on=TODAY)
        assert by_owner == {k: n for k, n in owners.items() if n}
    assert len(_churn_alerts_straightforward(world.persona("director"), TODAY)) > 20

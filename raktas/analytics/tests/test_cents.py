"""Rollup money in whole cents: exact where floats are not, loud where units would mix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Sum

from raktas.analytics import rollups
from raktas.analytics.models import ClientMonth, ProductMonth
from raktas.analytics.selectors import Period, abc_report
from raktas.analytics.tests.test_abc import sell
from raktas.core.money import from_cents, to_cents
from raktas.testing.factories import ClientFactory, ProductFactory

MONTHS = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))
# 2**53 + 1 cents: the first whole number of cents a float64 cannot hold.
HUGE = Decimal("90071992547409.93")


def test_cents_convert_exactly_and_refuse_a_fraction_of_a_cent():
    assert to_cents(Decimal("0.07")) == 7  # 0.07 * 100 is 7.000000000000001 in floats
    assert to_cents(HUGE) == 2**53 + 1
    assert to_cents(Decimal("-12.30")) == -1230
    assert from_cents(2**53 + 1) == HUGE
    assert str(from_cents(0)) == "0.00"
    assert from_cents(Decimal("-5")) == Decimal("-0.05")
    with pytest.raises(ValueError, match="whole number of cents"):
        to_cents(Decimal("0.005"))


@pytest.mark.django_db
def test_abc_totals_are_exact_with_amounts_floats_cannot_hold(world):
    # 15 significant digits: as much as SQLite's float-backed decimals keep exactly in
    # the documents; ten such lines add up past 2**53 cents.
    big = Decimal("9999999999999.99")
    sell(world, world.client_a, str(big), cost="0.07", lines=10)
    for _ in range(3):
        sell(world, world.client_b, "0.10", cost="0.07", day=dt.date(2026, 3, 2))
    sell(world, world.client_d, "0.21", cost="0.01")
    expected = 10 * big + Decimal("0.30") + Decimal("0.21")
    assert Decimal(float(expected * 100)) != expected * 100  # beyond 2**53 cents
    report = abc_report(world.persona("director"), period=MONTHS)
    assert report.total_revenue == expected
    revenue = {item.id: item.revenue for item in report.items}
    assert revenue == {
        world.client_a.pk: 10 * big,
        world.client_b.pk: Decimal("0.30"),
        world.client_d.pk: Decimal("0.21"),
    }
    margins = {item.id: item.margin for item in report.items}
    assert margins[world.client_b.pk] == Decimal("0.09")
    assert report.total_margin == expected - Decimal("0.70") - Decimal("0.21") - Decimal("0.01")
    products = abc_report(world.persona("director"), dimension="product", period=MONTHS)
    assert products.total_revenue == expected
    assert [item.revenue for item in products.items] == [expected]
    # The rollups hold the cents; the ORM reads Decimals, summed exactly.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT invoiced_net_cents FROM analytics_clientmonth WHERE client_id = %s",
            [world.client_a.pk],
        )
        assert cursor.fetchall() == [(to_cents(10 * big),)]
    assert ClientMonth.objects.aggregate(t=Sum("invoiced_net"))["t"] == expected
    row = ClientMonth.objects.get(client=world.client_b)
    assert (row.invoiced_net, row.invoiced_cost) == (Decimal("0.30"), Decimal("0.21"))


@pytest.mark.django_db
def test_cents_fields_keep_their_unit_in_expressions_or_refuse_to_mix(world):
    sell(world, world.client_a, "10.05", cost="4.02")
    rev = F("invoiced_net") - F("invoiced_cost")
    assert ClientMonth.objects.aggregate(m=Sum(rev))["m"] == Decimal("6.03")
    assert ClientMonth.objects.filter(invoiced_net__gt=Decimal("10.04")).count() == 1
    assert ClientMonth.objects.filter(invoiced_net__gt=Decimal("10.05")).count() == 0
    with pytest.raises(FieldError):  # cents × cents is not money: say what you mean
        ClientMonth.objects.aggregate(s=Sum(F("invoiced_net") * F("invoiced_net")))
    with pytest.raises(FieldError):  # cents + a count would silently mix units
        ClientMonth.objects.aggregate(s=Sum(F("invoiced_net") + F("invoices")))


@pytest.mark.django_db
def test_a_rollup_write_refuses_a_fraction_of_a_cent(world):
    batch = rollups.Batch()
    batch.add(ProductMonth, (world.products[0].pk, dt.date(2026, 1, 1)), net=Decimal("0.001"))
    with pytest.raises(ValueError, match="whole number of cents"):
        batch.write()


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_existing_rollups_to_cents_and_back():
    client = ClientFactory.create()
    product = ProductFactory.create()
    # SQLite kept the old decimals as floats, which hold no more than 2**53 cents.
    big = HUGE if connection.vendor == "postgresql" else Decimal("1234567890123.45")
    call_command("migrate", "analytics", "0002", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO analytics_clientmonth (client_id, month, invoiced_net, "
                "invoiced_cost, quantity, invoices, lines, credited_net, credited_cost, "
                "returned_net, credit_notes, refused_orders, refused_net, cancelled_orders, "
                "cancelled_net) VALUES (%s, %s, %s, %s, 3, 2, 3, %s, 0, 0, 1, 0, 0, 0, %s)",
                [
                    client.pk,
                    dt.date(2026, 1, 1),
                    big,
                    Decimal("0.07"),
                    Decimal("-0.29"),
                    Decimal("12.30"),
                ],
            )
            cursor.execute(
                "INSERT INTO analytics_productmonth (product_id, month, net, cost, quantity, "
                "lines, credited_net, credited_cost, returned_net, refused_lines, refused_net, "
                "refused_quantity) VALUES (%s, %s, %s, %s, 1, 1, 0, 0, 0, 0, 0, 0)",
                [product.pk, dt.date(2026, 1, 1), Decimal("1234567.89"), Decimal("0.01")],
            )
    finally:
        call_command("migrate", "analytics", verbosity=0)
    row = ClientMonth.objects.get(client=client)
    assert row.invoiced_net == big
    assert (row.invoiced_cost, row.credited_net, row.cancelled_net) == (
        Decimal("0.07"),
        Decimal("-0.29"),
        Decimal("12.30"),
    )
    assert (row.invoices, row.credit_notes) == (2, 1)
    p = ProductMonth.objects.get(product=product)
    assert (p.net, p.cost) == (Decimal("1234567.89"), Decimal("0.01"))
    call_command("migrate", "analytics", "0002", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT net, cost FROM analytics_productmonth WHERE product_id = %s", [product.pk]
            )
            net, cost = cursor.fetchone()
        assert (Decimal(str(net)), Decimal(str(cost))) == (Decimal("1234567.89"), Decimal("0.01"))
    finally:
        call_command("migrate", "analytics", verbosity=0)


def test_float_sums_count_as_exact_only_below_2_to_the_53_cents():
    from raktas.analytics.selectors import _float_sums_are_exact

    def columns(*rows):
        return list(zip(*rows, strict=True))

    # 24 months of 2**48 cents: Σ|x| = 24 · 2**48 < 2**53.
    month = float(2**48)
    row = (1, 24 * month, 24 * month, 24 * month**2, 24 * month**2)
    assert _float_sums_are_exact(columns(row), 24)
    # 24 months of 2**49 cents could reach 24 · 2**49 > 2**53: refused.
    month = float(2**49)
    small = (2, 1.0, 0.0, 1.0, 0.0)
    assert not _float_sums_are_exact(columns(small, (1, 24 * month, 0.0, 24 * month**2, 0.0)), 24)
    # The cost (margin = revenue - cost) is checked too.
    assert not _float_sums_are_exact(columns(small, (1, 0.0, 24 * month, 0.0, 24 * month**2)), 24)
    assert _float_sums_are_exact(columns(small), 24)
    assert _float_sums_are_exact([], 24)


@pytest.mark.django_db
def test_sums_of_everyday_amounts_are_exact_to_the_cent(world):
    # Amounts whose euro values are not floats (0.1 + 0.2 != 0.3); in cents they are.
    for day in (dt.date(2026, 1, 5), dt.date(2026, 2, 5), dt.date(2026, 4, 5)):
        sell(world, world.client_a, "0.10", cost="0.07", day=day, lines=7)
        sell(world, world.client_b, "0.20", cost="0.03", day=day, lines=3)
    report = abc_report(world.persona("director"), period=MONTHS)
    assert report.total_revenue == Decimal("3.90")
    revenue = {item.id: (item.revenue, item.margin) for item in report.items}
    assert revenue == {
        world.client_a.pk: (Decimal("2.10"), Decimal("0.63")),
        world.client_b.pk: (Decimal("1.80"), Decimal("1.53")),
    }
    assert report.total_margin == Decimal("2.16")


@pytest.mark.django_db
def test_sums_past_2_to_the_53_cents_are_still_exact(world):
    # Rollup rows straight in: SQLite's float-backed documents could not hold these,
    # the cents columns can. The running sum passes 2**53 cents and ends odd, which a
    # float sum would round (PostgreSQL sums floats only where that cannot happen).
    half = Decimal("50000000000000.01")
    for month, amount in ((1, half), (2, half), (3, Decimal("0.01"))):
        ClientMonth.objects.create(
            client=world.client_a, month=dt.date(2026, month, 1), invoiced_net=amount
        )
    ClientMonth.objects.create(
        client=world.client_b, month=dt.date(2026, 1, 1), invoiced_net=Decimal("0.07")
    )
    report = abc_report(world.persona("director"), period=MONTHS)
    expected = 2 * half + Decimal("0.01")
    assert to_cents(expected) % 2 == 1 and to_cents(expected) > 2**53
    assert {item.id: item.revenue for item in report.items} == {
        world.client_a.pk: expected,
        world.client_b.pk: Decimal("0.07"),
    }
    assert report.total_revenue == expected + Decimal("0.07")
    assert report.total_margin == expected + Decimal("0.07")

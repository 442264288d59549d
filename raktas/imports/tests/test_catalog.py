"""Products by SKU and prices by (column, SKU, valid_from): the director's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raktas.audit.models import AuditEntry
from raktas.catalog.models import Category, Price, Product
from raktas.catalog.selectors import price_for
from raktas.imports.tests.helpers import errors_of, run, write_csv, write_xlsx

PRODUCTS = ["sku", "name", "category", "unit", "cost", "vat_rate", "active"]
PRICES = ["column", "sku", "price", "valid_from", "valid_to"]


@pytest.mark.django_db
def test_products_upsert_by_sku_and_create_missing_categories(world, tmp_path):
    data = [
        ["K-1", "Kava „Rytas“", "kava", "vnt", "3,15", "21", "taip"],
        ["K-2", "Чай", "", "", "", "9", "ne"],
    ]
    path = write_csv(tmp_path / "p.csv", PRODUCTS, data, delimiter=";")
    assert run(world.director, "products", path).created == 2
    assert Category.objects.get(code="kava").name == "kava"
    k2 = Product.objects.get(sku="K-2")
    assert (k2.name, k2.unit, k2.cost, k2.vat_rate, k2.active) == (
        "Чай",
        "pcs",
        Decimal("0"),
        Decimal("9"),
        False,
    )
    data[0][4] = "3,20"
    again = run(world.director, "products", write_csv(tmp_path / "p2.csv", PRODUCTS, data))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert AuditEntry.objects.get(entity="catalog.product").after == {"cost": "3.2000"}


@pytest.mark.django_db
def test_only_the_director_imports_the_catalogue(world, tmp_path):
    path = write_csv(tmp_path / "p.csv", PRODUCTS, [["K-1", "Kava", "", "", "", "", ""]])
    for name in ("kam_a", "head", "finance", "desk"):
        assert run(world.persona(name), "products", path).status == "failed"
    assert not Product.objects.filter(sku="K-1").exists()


@pytest.mark.django_db
def test_a_new_price_closes_the_open_one_and_a_reimport_changes_nothing(world, tmp_path):
    p1 = world.products[0]  # WHOLESALE 10 from 2020-01-01, open-ended
    data = [
        ["WHOLESALE", "P-1", "11,50", "2024-01-01", ""],
        ["MAIN/RETAIL", "P-1", "14", "01.01.2024", ""],
    ]
    path = write_csv(tmp_path / "prices.csv", PRICES, data)
    report = run(world.director, "prices", path)
    assert (report.status, report.created, report.updated) == ("committed", 2, 2)
    old = Price.objects.get(product=p1, column=world.column, valid_from=dt.date(2020, 1, 1))
    assert old.valid_to == dt.date(2023, 12, 31)
    assert price_for(p1.pk, world.column.pk, dt.date(2023, 12, 31)) == Decimal("10")
    assert price_for(p1.pk, world.column.pk, dt.date(2024, 6, 1)) == Decimal("11.5")
    closing = AuditEntry.objects.get(entity="catalog.price", entity_id=str(old.pk))
    assert closing.before == {"valid_to": None} and closing.after == {"valid_to": "2023-12-31"}
    again = run(world.director, "prices", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.django_db
def test_an_earlier_price_imported_later_ends_where_the_next_begins(world, tmp_path):
    data = [
        ["WHOLESALE", "P-2", "25", "2025-01-01", ""],
        ["WHOLESALE", "P-2", "22", "2024-01-01", ""],
    ]
    path = write_xlsx(tmp_path / "prices.xlsx", PRICES, data)
    assert run(world.director, "prices", path).status == "committed"
    got = list(
        Price.objects.filter(product=world.products[1], column=world.column)
        .order_by("valid_from")
        .values_list("price", "valid_to")
    )
    assert got == [
        (Decimal("20"), dt.date(2023, 12, 31)),
        (Decimal("22"), dt.date(2024, 12, 31)),
        (Decimal("25"), None),
    ]


@pytest.mark.django_db
def test_bad_price_rows_name_their_reason(world, tmp_path):
    data = [
        ["NOPE", "P-1", "1", "2024-01-01", ""],
        ["WHOLESALE", "NOPE", "1", "2024-01-01", ""],
        ["WHOLESALE", "P-1", "-1", "2024-01-01", ""],
        ["WHOLESALE", "P-1", "1", "2024-01-01", "2023-01-01"],
    ]
    report = run(world.director, "prices", write_csv(tmp_path / "p.csv", PRICES, data))
    assert errors_of(report) == [
        (2, "column", "unknown price-list column"),
        (3, "sku", "unknown product"),
        (4, "price", "must be at least 0"),
        (5, "valid_to", "is before valid_from"),
    ]

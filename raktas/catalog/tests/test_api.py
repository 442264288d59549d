"""The catalogue API: products, price lists, prices — and who sees unit cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raktas.audit.models import AuditEntry
from raktas.catalog.models import Price
from raktas.catalog.selectors import price_for
from raktas.testing.api import Case, as_persona, check_case, expect
from raktas.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db

# Every business role reads the catalogue; the administrator holds none.
READ = expect(200, admin=404)

CASES = [
    Case("GET", "/api/v1/products", expect(200)),
    Case("GET", "/api/v1/products/{product}", READ),
    Case(
        "POST",
        "/api/v1/products",
        expect(403, director=201),
        body={"sku": "NEW-1", "name": "Naujas", "cost": "3.5000", "vat_rate": "21"},
    ),
    Case(
        "PATCH",
        "/api/v1/products/{product}",
        expect(403, director=200, admin=404),
        body={"name": "Prekė 1 (nauja)"},
    ),
    Case("GET", "/api/v1/price-lists", expect(200)),
    Case("GET", "/api/v1/price-lists/{price_list}", READ),
    Case("GET", "/api/v1/prices", expect(200), params={"column": "{column}"}),
    Case(
        "POST",
        "/api/v1/prices",
        expect(403, director=201, admin=404),
        body={
            "product_id": "{product}",
            "column_id": "{column}",
            "price": "11.5000",
            "valid_from": "2026-12-01",
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


def test_the_administrator_sees_no_catalogue(world):
    assert as_persona(world, "admin").get("products").json()["items"] == []
    assert as_persona(world, "admin").get("price-lists").json()["items"] == []


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("desk", False),
        ("finance", False),
        ("finance_margin", True),
        ("director", True),
        ("kam_a", True),
        ("head", True),
    ],
)
def test_unit_cost_is_present_only_for_those_who_may_see_margin(world, persona, shown):
    product = world.products[0]
    api = as_persona(world, persona)
    one = api.get(f"products/{product.pk}").json()
    listed = api.get("products").json()["items"][0]
    for body in (one, listed):
        assert ("cost" in body) is shown
        if shown:
            assert body["cost"] == "6.0000"
    # Absent — not null, not zero — and nowhere else in the response either.
    if not shown:
        assert "6.0000" not in api.get(f"products/{product.pk}").content.decode()


def test_products_search_filter_and_order(world):
    ProductFactory.create(sku="ZZ-1", name="Obuolių sultys", active=False)
    api = as_persona(world, "kam_a")
    assert [p["sku"] for p in api.get("products").json()["items"]] == ["P-1", "P-2", "P-3", "ZZ-1"]
    assert [p["sku"] for p in api.get("products", q="sult").json()["items"]] == ["ZZ-1"]
    assert [p["sku"] for p in api.get("products", active="false").json()["items"]] == ["ZZ-1"]
    category = world.products[1].category_id
    assert [p["sku"] for p in api.get("products", category=category).json()["items"]] == ["P-2"]


def test_the_director_creates_and_changes_a_product(world):
    api = as_persona(world, "director")
    created = api.post(
        "products",
        {"sku": "NEW-9", "name": "Medus", "unit": "kg", "cost": "4.1000", "vat_rate": "9"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["cost"] == "4.1000"
    assert created.json()["vat_rate"] == "9.00"
    changed = api.patch(f"products/{created.json()['id']}", {"active": False})
    assert changed.json()["active"] is False
    assert AuditEntry.objects.filter(entity="catalog.product", action="update").exists()


def test_duplicate_sku_is_refused_on_its_field(world):
    response = as_persona(world, "director").post("products", {"sku": "P-1", "name": "Dvynė"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "sku"


def test_price_lists_come_with_their_columns_in_order(world):
    body = as_persona(world, "desk").get("price-lists").json()
    assert body["count"] == 1
    assert [c["code"] for c in body["items"][0]["columns"]] == ["RETAIL", "WHOLESALE"]


def test_prices_filter_by_column_product_and_day(world):
    api = as_persona(world, "kam_a")
    product = world.products[1]
    body = api.get("prices", column=world.column.pk, product=product.pk).json()
    assert [(p["price"], p["column"]["code"]) for p in body["items"]] == [("20.0000", "WHOLESALE")]
    assert api.get("prices", valid_on="2019-12-31").json()["count"] == 0
    assert api.get("prices", valid_on="2026-11-28").json()["count"] == 6


def test_setting_a_price_closes_the_earlier_one_and_is_audited(world):
    product = world.products[0]
    response = as_persona(world, "director").post(
        "prices",
        {
            "product_id": product.pk,
            "column_id": world.column.pk,
            "price": "12.3400",
            "valid_from": "2026-12-01",
        },
    )
    assert response.status_code == 201
    assert response.json()["price"] == "12.3400"
    assert price_for(product.pk, world.column.pk, dt.date(2026, 12, 1)) == Decimal("12.3400")
    assert price_for(product.pk, world.column.pk, dt.date(2026, 11, 30)) == Decimal("10.0000")
    earlier = Price.objects.get(
        product=product, column=world.column, valid_from=dt.date(2020, 1, 1)
    )
    assert earlier.valid_to == dt.date(2026, 11, 30)
    assert AuditEntry.objects.filter(entity="catalog.price").count() == 2


def test_a_price_for_an_unknown_column_names_the_field(world):
    response = as_persona(world, "director").post(
        "prices",
        {
            "product_id": world.products[0].pk,
            "column_id": 99999,
            "price": "1",
            "valid_from": "2026-12-01",
        },
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "column_id"


def test_a_negative_price_is_refused(world):
    response = as_persona(world, "director").post(
        "prices",
        {
            "product_id": world.products[0].pk,
            "column_id": world.column.pk,
            "price": "-1",
            "valid_from": "2026-12-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "price"

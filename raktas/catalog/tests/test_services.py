import datetime as dt
from decimal import Decimal

import pytest

from raktas.catalog.models import Price
from raktas.catalog.selectors import price_for
from raktas.catalog.services import price_set, product_create
from raktas.core.exceptions import PermissionDenied, ValidationFailed


def test_a_new_price_closes_the_open_one_the_day_before(world):
    product, column = world.products[0], world.column
    price_set(
        by=world.director,
        product=product,
        column=column,
        price=Decimal("11"),
        valid_from=dt.date(2026, 6, 1),
    )
    old = Price.objects.get(product=product, column=column, valid_from=dt.date(2020, 1, 1))
    assert old.valid_to == dt.date(2026, 5, 31)
    assert price_for(product.pk, column.pk, dt.date(2026, 5, 31)) == Decimal("10")
    assert price_for(product.pk, column.pk, dt.date(2026, 6, 1)) == Decimal("11")


def test_a_price_inserted_before_a_later_one_ends_where_the_later_starts(world):
    product, column = world.products[0], world.column
    price_set(
        by=world.director,
        product=product,
        column=column,
        price=Decimal("13"),
        valid_from=dt.date(2026, 9, 1),
    )
    row = price_set(
        by=world.director,
        product=product,
        column=column,
        price=Decimal("12"),
        valid_from=dt.date(2026, 6, 1),
    )
    assert row.valid_to == dt.date(2026, 8, 31)
    assert price_for(product.pk, column.pk, dt.date(2026, 7, 1)) == Decimal("12")
    assert price_for(product.pk, column.pk, dt.date(2026, 10, 1)) == Decimal("13")


def test_only_the_director_changes_the_catalogue(world):
    with pytest.raises(PermissionDenied):
        price_set(
            by=world.kam_a,
            product=world.products[0],
            column=world.column,
            price=Decimal("1"),
            valid_from=dt.date(2026, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        product_create(by=world.head, sku="X", name="X")


def test_a_negative_price_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        price_set(
            by=world.director,
            product=world.products[0],
            column=world.column,
            price=Decimal("-1"),
            valid_from=dt.date(2026, 1, 1),
        )
    assert err.value.field == "price"


def test_product_sku_is_unique(world):
    with pytest.raises(ValidationFailed) as err:
        product_create(by=world.director, sku="P-1", name="Again")
    assert err.value.field == "sku"

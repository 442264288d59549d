"""Reads of the catalogue. Products and prices are visible to every business role;
cost is hidden by the API/page layer for those who may not see margin
(``raktas.org.access.sees_margin``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet

from raktas.catalog.models import Price, PriceColumn, PriceList, Product
from raktas.core.exceptions import NotFound
from raktas.org.models import BUSINESS_ROLES, User


def products_visible_to(user: User) -> QuerySet[Product]:
    if not user.roles & BUSINESS_ROLES:
        return Product.objects.none()
    return Product.objects.select_related("category")


def get_product_for(user: User, pk: int) -> Product:
    product = products_visible_to(user).filter(pk=pk).first()
    if product is None:
        raise NotFound("Product not found.")
    return product


def price_lists_visible_to(user: User) -> QuerySet[PriceList]:
    if not user.roles & BUSINESS_ROLES:
        return PriceList.objects.none()
    return PriceList.objects.prefetch_related("columns")


def price_columns_visible_to(user: User) -> QuerySet[PriceColumn]:
    if not user.roles & BUSINESS_ROLES:
        return PriceColumn.objects.none()
    return PriceColumn.objects.select_related("price_list")


def prices_visible_to(user: User) -> QuerySet[Price]:
    if not user.roles & BUSINESS_ROLES:
        return Price.objects.none()
    return Price.objects.select_related("product", "column")


def valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def price_for(product_id: int, column_id: int, day: dt.date) -> Decimal | None:
    """The product's price in the column on ``day`` — the latest price that started by then."""
    return (
        Price.objects.filter(valid_on(day), product_id=product_id, column_id=column_id)
        .order_by("-valid_from")
        .values_list("price", flat=True)
        .first()
    )

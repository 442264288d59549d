"""Changes to products and prices (the commercial director's). Audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from raktas.audit.services import record, snapshot
from raktas.catalog.models import Price, PriceColumn, Product
from raktas.core.exceptions import ValidationFailed
from raktas.core.services import assign, validate
from raktas.org.access import Action, require
from raktas.org.models import User

PRODUCT_FIELDS = ("sku", "name", "category", "unit", "cost", "vat_rate", "active")
PRICE_FIELDS = ("product", "column", "price", "valid_from", "valid_to")


@transaction.atomic
def product_create(*, by: User, **data: Any) -> Product:
    require(by, Action.CATALOG_CHANGE)
    product = Product()
    assign(product, data, PRODUCT_FIELDS)
    validate(product)
    product.save()
    record(actor=by, action="create", obj=product, after=snapshot(product, PRODUCT_FIELDS))
    return product


@transaction.atomic
def product_update(*, by: User, product: Product, **data: Any) -> Product:
    require(by, Action.CATALOG_CHANGE)
    before = snapshot(product, PRODUCT_FIELDS)
    assign(product, data, PRODUCT_FIELDS)
    validate(product)
    product.save()
    record(
        actor=by,
        action="update",
        obj=product,
        before=before,
        after=snapshot(product, PRODUCT_FIELDS),
    )
    return product


@transaction.atomic
def price_set(
    *,
    by: User,
    product: Product,
    column: PriceColumn,
    price: Decimal,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> Price:
    """Set the price of a product in a column from a date.

    An open-ended earlier price is closed the day before, so exactly one price is in
    force on any day; a price starting on the same day is replaced.
    """
    require(by, Action.CATALOG_CHANGE)
    if price < 0:
        raise ValidationFailed("price: must not be negative", field="price")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed("valid_to: must not be before valid_from", field="valid_to")
    existing = Price.objects.select_for_update().filter(product=product, column=column)
    later = existing.filter(valid_from__gt=valid_from).order_by("valid_from").first()
    if valid_to is None and later is not None:
        valid_to = later.valid_from - dt.timedelta(days=1)
    still_open = Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    for earlier in existing.filter(still_open, valid_from__lt=valid_from):
        closed_before = snapshot(earlier, PRICE_FIELDS)
        earlier.valid_to = valid_from - dt.timedelta(days=1)
        earlier.save(update_fields=["valid_to"])
        record(
            actor=by,
            action="update",
            obj=earlier,
            before=closed_before,
            after=snapshot(earlier, PRICE_FIELDS),
        )
    row = existing.filter(valid_from=valid_from).first()
    before: dict[str, Any] | None = snapshot(row, PRICE_FIELDS) if row else None
    if row is None:
        row = Price(product=product, column=column, valid_from=valid_from)
    row.price = price
    row.valid_to = valid_to
    validate(row, exclude=["product", "column"])
    row.save()
    record(
        actor=by,
        action="update" if before else "create",
        obj=row,
        before=before,
        after=snapshot(row, PRICE_FIELDS),
    )
    return row

"""Input and output schemas of the catalogue API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from ninja import Field, Schema

from raktas.api.schemas import In, Out, Percent, UnitPrice


class CategoryRef(Out):
    id: int
    code: str
    name: str


class ProductRef(Out):
    id: int
    sku: str
    name: str


class ProductOut(Out):
    margin_fields: ClassVar[frozenset[str]] = frozenset({"cost"})

    id: int
    sku: str
    name: str
    category: CategoryRef | None
    unit: str
    vat_rate: Percent
    active: bool
    cost: UnitPrice | None = Field(
        None, description="Unit cost; present only for users who may see cost and margin"
    )


class ProductFilters(Schema):
    q: str | None = Field(None, description="Search in SKU and name")
    category: int | None = Field(None, description="Category id")
    active: bool | None = None


class ProductCreateIn(In):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    category_id: int | None = None
    unit: str = "pcs"
    cost: Decimal = Field(Decimal("0"), ge=0, max_digits=18, decimal_places=4)
    vat_rate: Decimal = Field(Decimal("21"), ge=0, le=100, max_digits=5, decimal_places=2)
    active: bool = True


class ProductPatchIn(In):
    sku: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    category_id: int | None = None
    unit: str | None = None
    cost: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    vat_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    active: bool | None = None


class PriceColumnOut(Out):
    id: int
    code: str
    name: str
    position: int


class PriceListOut(Out):
    id: int
    code: str
    name: str
    currency: str
    columns: list[PriceColumnOut]

    @staticmethod
    def resolve_columns(obj: object) -> list[object]:
        # Uses the prefetched columns (price_lists_visible_to prefetches them).
        return list(obj.columns.all())  # type: ignore[attr-defined]


class ColumnRef(Out):
    id: int
    code: str
    name: str
    price_list: str

    @staticmethod
    def resolve_price_list(obj: object) -> str:
        return obj.price_list.code  # type: ignore[attr-defined]


class PriceOut(Out):
    id: int
    product: ProductRef
    column: ColumnRef
    price: UnitPrice
    valid_from: dt.date
    valid_to: dt.date | None


class PriceFilters(Schema):
    column: int | None = Field(None, description="Price column id")
    product: int | None = Field(None, description="Product id")
    valid_on: dt.date | None = Field(None, description="Only prices in force on this day")


class PriceSetIn(In):
    product_id: int
    column_id: int
    price: Decimal = Field(..., ge=0, max_digits=18, decimal_places=4)
    valid_from: dt.date
    valid_to: dt.date | None = None

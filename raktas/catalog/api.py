"""Products, price lists with their columns, and prices."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.errors import blame, renamed_fields
from raktas.api.pagination import Page, PageParams, paginate
from raktas.catalog.models import Category, Price, PriceList, Product
from raktas.catalog.schemas import (
    PriceFilters,
    PriceListOut,
    PriceOut,
    PriceSetIn,
    ProductCreateIn,
    ProductFilters,
    ProductOut,
    ProductPatchIn,
)
from raktas.catalog.selectors import (
    get_product_for,
    price_columns_visible_to,
    price_lists_visible_to,
    prices_visible_to,
    products_visible_to,
    valid_on,
)
from raktas.catalog.services import price_set, product_create, product_update
from raktas.core.exceptions import NotFound, ValidationFailed
from raktas.core.search import matches, search_term

router = Router()


def _product_data(payload: dict[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    if "category_id" in data:
        category_id = data.pop("category_id")
        if category_id is not None and not Category.objects.filter(pk=category_id).exists():
            raise ValidationFailed("category_id: no such category", field="category_id")
        data["category"] = category_id
    return data


@router.get("/products", response=Page[ProductOut], summary="List products")
def list_products(
    request: HttpRequest, filters: Query[ProductFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs: QuerySet[Product] = products_visible_to(current_user(request))
    if filters.q:
        term = filters.q.strip()
        # The name without regard to case or diacritics (raktas.core.search).
        qs = qs.filter(Q(sku__icontains=term) | matches(search_term(term)))
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return paginate(qs.order_by("sku", "id"), page)


@router.get("/products/{product_id}", response=ProductOut, summary="One product")
def get_product(request: HttpRequest, product_id: int) -> Product:
    return get_product_for(current_user(request), product_id)


@router.post("/products", response={201: ProductOut}, summary="Create a product (director)")
def create_product(request: HttpRequest, payload: ProductCreateIn) -> Status:
    user = current_user(request)
    data = _product_data(payload.model_dump(exclude_unset=True))
    with renamed_fields(category="category_id"):
        product = product_create(by=user, **data)
    return Status(201, get_product_for(user, product.pk))


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product (director)")
def update_product(request: HttpRequest, product_id: int, payload: ProductPatchIn) -> Product:
    user = current_user(request)
    product = get_product_for(user, product_id)
    data = _product_data(payload.model_dump(exclude_unset=True))
    with renamed_fields(category="category_id"):
        product_update(by=user, product=product, **data)
    return get_product_for(user, product_id)


@router.get("/price-lists", response=Page[PriceListOut], summary="Price lists with their columns")
def list_price_lists(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = price_lists_visible_to(current_user(request)).order_by("code", "id")
    return paginate(qs, page)


@router.get("/price-lists/{price_list_id}", response=PriceListOut, summary="One price list")
def get_price_list(request: HttpRequest, price_list_id: int) -> PriceList:
    price_list = price_lists_visible_to(current_user(request)).filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound("Price list not found.")
    return price_list


@router.get("/prices", response=Page[PriceOut], summary="Prices by column and product")
def list_prices(
    request: HttpRequest, filters: Query[PriceFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs: QuerySet[Price] = prices_visible_to(current_user(request)).select_related(
        "column__price_list"
    )
    if filters.column is not None:
        qs = qs.filter(column_id=filters.column)
    if filters.product is not None:
        qs = qs.filter(product_id=filters.product)
    if filters.valid_on is not None:
        qs = qs.filter(valid_on(filters.valid_on))
    return paginate(qs.order_by("column_id", "product__sku", "-valid_from", "id"), page)


@router.post(
    "/prices",
    response={201: PriceOut},
    summary="Set a product's price in a column from a date (director)",
)
def set_price(request: HttpRequest, payload: PriceSetIn) -> Status:
    user = current_user(request)
    with blame("product_id"):
        product = get_product_for(user, payload.product_id)
    column = price_columns_visible_to(user).filter(pk=payload.column_id).first()
    if column is None:
        raise NotFound("Price column not found.", field="column_id")
    with renamed_fields(product="product_id", column="column_id"):
        price = price_set(
            by=user,
            product=product,
            column=column,
            price=payload.price,
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
        )
    return Status(
        201, prices_visible_to(user).select_related("column__price_list").get(pk=price.pk)
    )

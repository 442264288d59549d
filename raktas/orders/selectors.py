"""Every read of orders, already limited to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from raktas.catalog.models import Price, Product
from raktas.catalog.selectors import products_visible_to, valid_on
from raktas.core.exceptions import NotFound
from raktas.core.search import matches, search_term
from raktas.orders.models import Order, OrderLine, OrderStatus
from raktas.org.access import Action, require, scope_for
from raktas.org.models import User


def orders_visible_to(user: User) -> QuerySet[Order]:
    """KAM/head: orders of the clients in their book. Desk: orders submitted to it.
    Director, finance: all."""
    scope = scope_for(user)
    if scope.all_clients:
        return Order.objects.all()
    condition = Q(client__owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition |= Q(submitted_at__isnull=False) & ~Q(status=OrderStatus.DRAFT)
    return Order.objects.filter(condition)


def get_order_for(user: User, pk: int, *, action: Action | None = None) -> Order:
    """One order (404 when invisible); with ``action``, 403 unless the user may do it."""
    order = (
        orders_visible_to(user)
        .select_related("client", "kam", "price_column")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound("Order not found.")
    if action is not None:
        require_on_order(user, order, action)
    return order


def require_on_order(user: User, order: Order, action: Action) -> None:
    if action == Action.ORDER_WRITE:
        require(user, action, owner_id=order.client.owner_id)
    else:
        require(user, action)


def order_lines_visible_to(user: User) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__in=orders_visible_to(user))


def desk_queue(user: User) -> QuerySet[Order]:
    """Submitted orders waiting for the order desk, oldest first."""
    require(user, Action.ORDER_HANDLE)
    return (
        orders_visible_to(user)
        .filter(status=OrderStatus.SUBMITTED)
        .select_related("client", "kam")
        .order_by("submitted_at", "id")
    )


# --- Order entry: the product picker --------------------------------------------------


@dataclass
class ProductHit:
    product: Product
    price: Decimal | None


def product_search(user: User, order: Order, text: str, limit: int = 10) -> list[ProductHit]:
    """Active products whose SKU starts with, or whose name contains, ``text``, with
    the price in the order's column on the order date."""
    text = text.strip()
    if not text:
        return []
    qs = (
        products_visible_to(user)
        .filter(active=True)
        .filter(Q(sku__istartswith=text) | matches(search_term(text)))
        .order_by("sku")[:limit]
    )
    products = list(qs)
    prices: dict[int, Decimal] = {}
    for row in (
        Price.objects.filter(
            valid_on(order.order_date),
            column_id=order.price_column_id,
            product_id__in=[p.pk for p in products],
        )
        .order_by("product_id", "-valid_from")
        .values("product_id", "price")
    ):
        prices.setdefault(row["product_id"], row["price"])
    return [ProductHit(product=p, price=prices.get(p.pk)) for p in products]

"""Orders: drafts and their lines, the moves through the order desk, and the desk queue.

Visibility is ``get_order_for`` (404); whether the caller may make a move is the
service's ``require`` (403). The KAM of a new order comes from the caller, never
from the request.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.errors import blame, renamed_fields
from raktas.api.pagination import Page, PageParams, paginate
from raktas.catalog.selectors import get_product_for
from raktas.clients.selectors import get_client_for
from raktas.core.exceptions import NotFound
from raktas.ledger.schemas import InvoiceDetailOut
from raktas.ledger.selectors import get_invoice_for
from raktas.orders.models import Order, OrderLine
from raktas.orders.schemas import (
    CommentIn,
    InvoiceIn,
    OrderCreateIn,
    OrderDetailOut,
    OrderFilters,
    OrderLineIn,
    OrderLinePatchIn,
    OrderOut,
    RefuseIn,
    ReturnIn,
)
from raktas.orders.selectors import desk_queue, get_order_for, orders_visible_to
from raktas.orders.services import (
    order_add_line,
    order_cancel,
    order_change_line,
    order_confirm,
    order_create,
    order_invoice,
    order_refuse,
    order_remove_line,
    order_return,
    order_ship,
    order_submit,
)

router = Router()

_ORDER_RELATED = ("client", "kam", "price_column")


def _list(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related(*_ORDER_RELATED)


def _add_line(request: HttpRequest, order: Order, line: OrderLineIn, field: str) -> OrderLine:
    user = current_user(request)
    with blame(f"{field}product_id"):
        product = get_product_for(user, line.product_id)
    with renamed_fields(
        product=f"{field}product_id",
        quantity=f"{field}quantity",
        discount_pct=f"{field}discount_pct",
    ):
        return order_add_line(
            by=user,
            order=order,
            product=product,
            quantity=line.quantity,
            discount_pct=line.discount_pct,
        )


def _detail(request: HttpRequest, order_id: int) -> Order:
    return get_order_for(current_user(request), order_id)


@router.get("/orders", response=Page[OrderOut], summary="List the orders you may see")
def list_orders(
    request: HttpRequest, filters: Query[OrderFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = _list(orders_visible_to(current_user(request)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.kam is not None:
        qs = qs.filter(kam_id=filters.kam)
    if filters.date_from:
        qs = qs.filter(order_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(order_date__lte=filters.date_to)
    return paginate(qs.order_by("-created_at", "-id"), page)


@router.get(
    "/order-desk/queue",
    response=Page[OrderOut],
    summary="Submitted orders waiting for the order desk, oldest first",
)
def order_desk_queue(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = desk_queue(current_user(request)).select_related(*_ORDER_RELATED)
    return paginate(qs, page)


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="One order with its lines")
def get_order(request: HttpRequest, order_id: int) -> Order:
    return _detail(request, order_id)


@router.post("/orders", response={201: OrderDetailOut}, summary="Create a draft order")
def create_order(request: HttpRequest, payload: OrderCreateIn) -> Status:
    user = current_user(request)
    with blame("client_id"):
        client = get_client_for(user, payload.client_id)
    data = payload.model_dump(exclude_unset=True, exclude={"client_id", "lines"})
    # The draft and its lines stand or fall together: a bad third line leaves no order.
    with transaction.atomic():
        with renamed_fields(client="client_id"):
            order = order_create(by=user, client=client, **data)
        for index, line in enumerate(payload.lines):
            _add_line(request, order, line, f"lines.{index}.")
    return Status(201, _detail(request, order.pk))


@router.post(
    "/orders/{order_id}/lines",
    response={201: OrderDetailOut},
    summary="Add a line at the client's column price (answers the whole order)",
)
def add_line(request: HttpRequest, order_id: int, payload: OrderLineIn) -> Status:
    order = _detail(request, order_id)
    _add_line(request, order, payload, "")
    return Status(201, _detail(request, order_id))


def _line(request: HttpRequest, order_id: int, line_id: int) -> OrderLine:
    order = _detail(request, order_id)
    line = order.lines.select_related("order__client").filter(pk=line_id).first()
    if line is None:
        raise NotFound("Order line not found.")
    return line


@router.patch(
    "/orders/{order_id}/lines/{line_id}",
    response=OrderDetailOut,
    summary="Change a line's quantity or discount",
)
def change_line(
    request: HttpRequest, order_id: int, line_id: int, payload: OrderLinePatchIn
) -> Order:
    line = _line(request, order_id, line_id)
    order_change_line(by=current_user(request), line=line, **payload.model_dump(exclude_unset=True))
    return _detail(request, order_id)


@router.delete(
    "/orders/{order_id}/lines/{line_id}", response=OrderDetailOut, summary="Remove a line"
)
def remove_line(request: HttpRequest, order_id: int, line_id: int) -> Order:
    line = _line(request, order_id, line_id)
    order_remove_line(by=current_user(request), line=line)
    return _detail(request, order_id)


@router.post(
    "/orders/{order_id}/submit", response=OrderDetailOut, summary="Hand a draft to the order desk"
)
def submit(request: HttpRequest, order_id: int) -> Order:
    return order_submit(by=current_user(request), order=_detail(request, order_id))


@router.post("/orders/{order_id}/confirm", response=OrderDetailOut, summary="Confirm (order desk)")
def confirm(request: HttpRequest, order_id: int, payload: CommentIn | None = None) -> Order:
    comment = payload.comment if payload else ""
    return order_confirm(
        by=current_user(request), order=_detail(request, order_id), comment=comment
    )


@router.post(
    "/orders/{order_id}/return",
    response=OrderDetailOut,
    summary="Send a submitted order back to the KAM as a draft, saying why (order desk)",
)
def return_to_kam(request: HttpRequest, order_id: int, payload: ReturnIn) -> Order:
    # The answer is the order as the service left it: once back in draft the desk no
    # longer sees it, so it cannot be fetched again through the desk's scope.
    return order_return(
        by=current_user(request), order=_detail(request, order_id), comment=payload.comment
    )


@router.post(
    "/orders/{order_id}/ship", response=OrderDetailOut, summary="Mark shipped (order desk)"
)
def ship(request: HttpRequest, order_id: int) -> Order:
    return order_ship(by=current_user(request), order=_detail(request, order_id))


@router.post(
    "/orders/{order_id}/invoice",
    response={201: InvoiceDetailOut},
    summary="Invoice a shipped order (order desk, finance)",
)
def invoice(request: HttpRequest, order_id: int, payload: InvoiceIn | None = None) -> Status:

    user = current_user(request)
    issued = order_invoice(
        by=user,
        order=_detail(request, order_id),
        issue_date=payload.issue_date if payload else None,
    )
    return Status(201, get_invoice_for(user, issued.pk))


@router.post("/orders/{order_id}/cancel", response=OrderDetailOut, summary="Cancel before shipping")
def cancel(request: HttpRequest, order_id: int, payload: CommentIn | None = None) -> Order:
    comment = payload.comment if payload else ""
    return order_cancel(by=current_user(request), order=_detail(request, order_id), comment=comment)


@router.post(
    "/orders/{order_id}/refuse",
    response=OrderDetailOut,
    summary="Record the client's refusal before shipping, with a reason code",
)
def refuse(request: HttpRequest, order_id: int, payload: RefuseIn) -> Order:
    return order_refuse(
        by=current_user(request),
        order=_detail(request, order_id),
        reason=payload.reason,
        comment=payload.comment,
    )

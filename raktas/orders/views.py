"""Order pages: the orders list, an order (keyboard line entry, submit, cancel), and
the order desk's queue with confirm and return. Each view reads through the scoped
selectors and changes state only through ``raktas.orders.services``, on POST only.

``NotFound`` and ``PermissionDenied`` propagate to the shell's middleware (404/403
pages); other domain errors are shown next to the field they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from raktas.catalog.selectors import get_product_for
from raktas.clients.selectors import get_client_for
from raktas.core.errors import error_dict, field_of, message_for
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied
from raktas.core.formatting import order_ref
from raktas.core.money import parse_decimal
from raktas.core.pages import page_number
from raktas.orders import services as order_services
from raktas.orders.models import Order, OrderLine, OrderStatus
from raktas.orders.selectors import (
    desk_queue,
    get_order_for,
    order_lines_visible_to,
    orders_visible_to,
    product_search,
)
from raktas.org.access import (
    Action,
    handles_orders,
    may_order_for,
    sees_analytics,
    sees_book,
    sees_margin,
    signed_in_user,
)
from raktas.org.models import User


@login_required
@require_POST
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = get_client_for(user, pk)
    reference = (request.POST.get("client_reference") or "").strip()[:64]
    try:
        order = order_services.order_create(by=user, client=client, client_reference=reference)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, message_for(error))
        return redirect("book:client", pk=client.pk)
    return redirect("orders:order", pk=order.pk)


# --- Orders -----------------------------------------------------------------------------------


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not sees_book(user):
        raise PermissionDenied()
    qs = orders_visible_to(user).select_related("client", "kam")
    status = request.GET.get("status") or ""
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(kam=user)
    paginator = Paginator(qs.order_by("-created_at", "-id"), 50)
    page = paginator.get_page(page_number(request))
    return render(
        request,
        "orders/orders.html",
        {"page": page, "status": status, "statuses": OrderStatus.choices, "mine": mine},
    )


def _order_context(request: HttpRequest, order: Order, **extra: Any) -> dict[str, Any]:
    user = signed_in_user(request)
    writer = may_order_for(user, order.client)
    can_edit = order.is_editable and writer
    ctx: dict[str, Any] = {
        "order": order,
        "lines": list(order.lines.select_related("product").order_by("line_no")),
        "can_edit": can_edit,
        "can_handle": order.status == OrderStatus.SUBMITTED and handles_orders(user),
        "can_cancel": writer and order.status == OrderStatus.DRAFT,
        "sees_margin": sees_margin(user),
        "analytics": sees_analytics(user),
        "errors": {},
        "values": {},
        "line_errors": {},
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order_for(signed_in_user(request), pk)
    return render(request, "orders/order.html", _order_context(request, order))


def _lines_response(
    request: HttpRequest, order: Order, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """After a line change: the lines section for htmx, else back to the order page."""
    order.refresh_from_db()
    ctx = _order_context(request, order, **extra)
    if getattr(request, "htmx", None):
        return render(request, "orders/_order_lines.html", ctx, status=status)
    if status >= 400:
        return render(request, "orders/order.html", ctx, status=status)
    return redirect("orders:order", pk=order.pk)


@login_required
@require_POST
def order_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=Action.ORDER_WRITE)
    values = {
        "product": request.POST.get("product", ""),
        "product_label": request.POST.get("product_label", ""),
        "quantity": request.POST.get("quantity", ""),
        "discount_pct": request.POST.get("discount_pct", ""),
    }
    try:
        try:
            product = get_product_for(user, int(values["product"]))
        except (ValueError, NotFound):
            raise DomainError("product: choose a product", field="product") from None
        quantity = parse_decimal(values["quantity"] or "", field="quantity")
        discount = parse_decimal(values["discount_pct"] or "0", field="discount_pct")
        order_services.order_add_line(
            by=user, order=order, product=product, quantity=quantity, discount_pct=discount
        )
    except PermissionDenied:
        raise
    except DomainError as error:
        return _lines_response(request, order, status=422, errors=error_dict(error), values=values)
    return _lines_response(request, order, added=True)


def _line_for(user: User, order_pk: int, line_pk: int) -> OrderLine:
    line = (
        order_lines_visible_to(user)
        .select_related("order__client", "product")
        .filter(pk=line_pk, order_id=order_pk)
        .first()
    )
    if line is None:
        raise NotFound("Order line not found.")
    return line


@login_required
@require_POST
def order_line_change(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=Action.ORDER_WRITE)
    line = _line_for(user, pk, line_pk)
    try:
        quantity: Decimal | None = None
        discount: Decimal | None = None
        if request.POST.get("quantity", "") != "":
            quantity = parse_decimal(request.POST["quantity"], field="quantity")
        if request.POST.get("discount_pct", "") != "":
            discount = parse_decimal(request.POST["discount_pct"], field="discount_pct")
        order_services.order_change_line(
            by=user, line=line, quantity=quantity, discount_pct=discount
        )
    except PermissionDenied:
        raise
    except DomainError as error:
        return _lines_response(
            request,
            order,
            status=422,
            line_errors={line.pk: {field_of(error): message_for(error)}},
        )
    return _lines_response(request, order)


@login_required
@require_POST
def order_line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=Action.ORDER_WRITE)
    line = _line_for(user, pk, line_pk)
    try:
        order_services.order_remove_line(by=user, line=line)
    except PermissionDenied:
        raise
    except DomainError as error:
        return _lines_response(request, order, status=422, errors=error_dict(error))
    return _lines_response(request, order)


@login_required
@require_GET
def order_products(request: HttpRequest, pk: int) -> HttpResponse:
    """The options of the product combobox: SKU prefix or name match, with prices."""
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=Action.ORDER_WRITE)
    text = request.GET.get("product_label") or request.GET.get("q") or ""
    hits = product_search(user, order, text)
    return render(
        request, "orders/_product_options.html", {"hits": hits, "order": order, "text": text}
    )


def _transition(
    request: HttpRequest,
    pk: int,
    action: Action,
    run: Any,
    success: str,
    *,
    next_url: str | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=action)
    try:
        run(user, order)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        order.refresh_from_db()
        ctx = _order_context(request, order, errors=error_dict(error), values=request.POST)
        return render(request, "orders/order.html", ctx, status=422)
    messages.success(request, success % {"number": order_ref(order)})
    return redirect(next_url or reverse("orders:order", kwargs={"pk": order.pk}))


@login_required
@require_POST
def order_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        Action.ORDER_WRITE,
        lambda user, order: order_services.order_submit(by=user, order=order),
        _("Order %(number)s was submitted to the order desk."),
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        Action.ORDER_WRITE,
        lambda user, order: order_services.order_cancel(by=user, order=order),
        _("Order %(number)s was cancelled."),
    )


@login_required
@require_POST
def order_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    comment = (request.POST.get("comment") or "").strip()
    return _transition(
        request,
        pk,
        Action.ORDER_HANDLE,
        lambda user, order: order_services.order_confirm(by=user, order=order, comment=comment),
        _("Order %(number)s was confirmed."),
        next_url=reverse("orders:desk"),
    )


@login_required
@require_POST
def order_return(request: HttpRequest, pk: int) -> HttpResponse:
    comment = request.POST.get("comment") or ""
    return _transition(
        request,
        pk,
        Action.ORDER_HANDLE,
        lambda user, order: order_services.order_return(by=user, order=order, comment=comment),
        _("Order %(number)s was returned to the key account manager."),
        next_url=reverse("orders:desk"),
    )


# --- Order desk ---------------------------------------------------------------------------


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    queue = desk_queue(user).annotate(line_count=Count("lines"))
    paginator = Paginator(queue, 50)
    return render(
        request,
        "orders/desk.html",
        {"page": paginator.get_page(page_number(request)), "now": timezone.now()},
    )

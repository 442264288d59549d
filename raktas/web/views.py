"""The workbench pages. Each view reads through a scoped selector (``raktas.web.queries``
builds on them) and changes state only through a service, on POST only.

``NotFound`` and ``PermissionDenied`` from selectors and services propagate to
``DomainErrorPageMiddleware``, which renders the 404/403 pages; other domain errors
are shown next to the field they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from raktas.audit.services import access_record
from raktas.catalog.selectors import get_product_for
from raktas.clients.models import ClientStatus, Tier
from raktas.clients.selectors import get_client_for
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied
from raktas.core.money import ZERO, parse_decimal
from raktas.orders import services as order_services
from raktas.orders.models import Order, OrderLine, OrderStatus
from raktas.orders.selectors import (
    desk_queue,
    get_order_for,
    order_lines_visible_to,
    orders_visible_to,
)
from raktas.org.access import (
    Action,
    has_right,
    holds_client_owner,
    scope_for,
    sees_margin,
    signed_in_user,
)
from raktas.org.models import Role, User
from raktas.web import formatting, queries
from raktas.web.charts import bar_chart
from raktas.web.errors import field_of, message_for
from raktas.web.exports import client_workbook
from raktas.web.formatting import order_ref


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def _error_dict(error: DomainError) -> dict[str, str]:
    return {field_of(error): message_for(error)}


# --- landing ----------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts on the page of its day. Heads of sales and the director start on
    Today too: override requests and tier proposals wait there for their decision.
    Finance starts on the bank queue (the finance page)."""
    user = signed_in_user(request)
    if user.has_role(Role.KAM):
        return redirect("web:today")
    if user.has_role(Role.ORDER_DESK):
        return redirect("web:desk")
    if user.has_role(Role.HEAD_OF_SALES, Role.DIRECTOR):
        return redirect("web:today")
    if user.has_role(Role.FINANCE):
        return redirect("banking:queue")  # bank entries to place, overrides waiting
    return render(request, "web/no_business.html")


# --- Today --------------------------------------------------------------------------------


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """What needs the user now: their book's orders, debts and alerts (KAM, deputy, head
    of sales for the team) and the decisions waiting for a head of sales or director."""
    user = signed_in_user(request)
    if not user.has_role(Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR):
        raise PermissionDenied()
    return render(request, "web/today.html", queries.today_for(user))


# --- My clients -------------------------------------------------------------------------


@dataclass
class _RowView:
    """One row of the client table, formatted once in Python: a page of 50 rows
    through template lookups and filters costs more than the queries behind it."""

    url: str
    name: str
    sub: str
    segment: str
    tier: str
    tier_label: str
    status: str
    status_label: str
    owner: str
    account: bool
    balance: str
    overdue: str
    last_order: str
    revenue: str


def _present(rows: list[queries.ClientRow]) -> list[_RowView]:
    lang = translation.get_language()
    tiers = {k: str(v) for k, v in Tier.choices}
    statuses = {k: str(v) for k, v in ClientStatus.choices}
    base = reverse("web:clients")
    out = []
    for row in rows:
        c = row.client
        cur = c.currency
        out.append(
            _RowView(
                url=f"{base}{c.pk}/",
                name=c.legal_name,
                sub=" · ".join(x for x in (c.registration_code, c.city) if x),
                segment=c.segment.name if c.segment else "–",
                tier=c.tier,
                tier_label=tiers.get(c.tier, c.tier),
                status=c.status,
                status_label=statuses.get(c.status, c.status),
                owner=c.owner.get_full_name() or c.owner.get_username(),
                account=row.account,
                balance=formatting.money(row.balance, cur, lang=lang),
                overdue=formatting.money(row.overdue, cur, lang=lang) if row.overdue else "",
                last_order=formatting.day(row.last_order, lang=lang) or "–",
                revenue=formatting.money(row.revenue, cur, lang=lang),
            )
        )
    return out


@dataclass
class _Column:
    key: str
    label: str
    numeric: bool = False
    sortable: bool = False
    next_sort: str = ""


def _client_list_context(request: HttpRequest) -> dict[str, Any]:
    user = signed_in_user(request)
    scope = scope_for(user)
    if scope.sees_nothing:
        raise PermissionDenied()
    filters = queries.ClientFilters.from_params(request.GET)
    page = queries.client_page(user, filters, _page_number(request))
    choices = queries.filter_choices(user)
    show_owner = bool(choices["owners"])
    sort_key = page.sort.lstrip("-")
    columns = [
        _Column("name", _("Client")),
        _Column("segment", _("Segment")),
        _Column("tier", _("Tier")),
        _Column("status", _("Status")),
        *([_Column("owner", _("KAM"))] if show_owner else []),
        _Column("balance", _("Balance"), numeric=True),
        _Column("overdue", _("Overdue"), numeric=True),
        _Column("last_order", _("Last order")),
        _Column("revenue", _("Revenue, 12 months"), numeric=True),
    ]
    for col in columns:
        col.sortable = page.sortable.get(col.key, False)
        # Amounts and dates read best largest/latest first; names A to Z.
        desc_first = col.numeric or col.key == "last_order"
        if desc_first:
            col.next_sort = col.key if page.sort == "-" + col.key else "-" + col.key
        else:
            col.next_sort = "-" + col.key if page.sort == col.key else col.key
    return {
        "rows": _present(page.rows),
        "columns": columns,
        "filters": filters,
        "page": page,
        "choices": choices,
        "show_owner": show_owner,
        "sees_accounts": queries.sees_accounts(scope),
        "sort_key": sort_key,
        "sort_desc": page.sort.startswith("-"),
        "computed_limit": queries.COMPUTED_SORT_MAX_ROWS,
    }


@login_required
@require_GET
def clients(request: HttpRequest) -> HttpResponse:
    ctx = _client_list_context(request)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "client-table":
        return render(request, "web/_client_table.html", ctx)
    return render(request, "web/clients.html", ctx)


@login_required
@require_GET
def clients_export(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if scope_for(user).sees_nothing:
        raise PermissionDenied()
    filters = queries.ClientFilters.from_params(request.GET)
    data = client_workbook(user, filters)
    access_record(
        request,
        what="clients.export",
        rows=queries.filtered_clients(user, filters).count(),
        user=user,
    )
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="raktas-clients-{stamp}.xlsx"'
    return response


# --- Client 360 ------------------------------------------------------------------------------


def _sees_analytics(user: User) -> bool:
    """Whether the key-client analytics fragments (raktas.analytics) are for this user."""
    return user.has_role(Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR, Role.FINANCE)


def _can_order_for(user: User, client: Any) -> bool:
    return (
        has_right(user, Action.ORDER_WRITE)
        and holds_client_owner(user, client.owner_id)
        and client.status != ClientStatus.BLOCKED
    )


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = get_client_for(user, pk)
    ctx = queries.client_360(user, client)
    ctx["chart"] = bar_chart(ctx["months"], client.currency)
    ctx["chart_total"] = sum((m.revenue for m in ctx["months"][-12:]), ZERO)
    ctx["can_order"] = _can_order_for(user, client)
    ctx["sees_margin"] = sees_margin(user)
    ctx["analytics"] = _sees_analytics(user)
    return render(request, "web/client_detail.html", ctx)


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
        return redirect("web:client", pk=client.pk)
    return redirect("web:order", pk=order.pk)


# --- Orders -----------------------------------------------------------------------------------


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if scope_for(user).sees_nothing:
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
    page = paginator.get_page(_page_number(request))
    return render(
        request,
        "web/orders.html",
        {"page": page, "status": status, "statuses": OrderStatus.choices, "mine": mine},
    )


def _order_context(request: HttpRequest, order: Order, **extra: Any) -> dict[str, Any]:
    user = signed_in_user(request)
    writer = has_right(user, Action.ORDER_WRITE) and holds_client_owner(user, order.client.owner_id)
    can_edit = order.is_editable and writer
    ctx: dict[str, Any] = {
        "order": order,
        "lines": list(order.lines.select_related("product").order_by("line_no")),
        "can_edit": can_edit,
        "can_handle": order.status == OrderStatus.SUBMITTED
        and has_right(user, Action.ORDER_HANDLE),
        "can_cancel": writer and order.status == OrderStatus.DRAFT,
        "sees_margin": sees_margin(user),
        "analytics": _sees_analytics(user),
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
    return render(request, "web/order.html", _order_context(request, order))


def _lines_response(
    request: HttpRequest, order: Order, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """After a line change: the lines section for htmx, else back to the order page."""
    order.refresh_from_db()
    ctx = _order_context(request, order, **extra)
    if getattr(request, "htmx", None):
        return render(request, "web/_order_lines.html", ctx, status=status)
    if status >= 400:
        return render(request, "web/order.html", ctx, status=status)
    return redirect("web:order", pk=order.pk)


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
        return _lines_response(request, order, status=422, errors=_error_dict(error), values=values)
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
        return _lines_response(request, order, status=422, errors=_error_dict(error))
    return _lines_response(request, order)


@login_required
@require_GET
def order_products(request: HttpRequest, pk: int) -> HttpResponse:
    """The options of the product combobox: SKU prefix or name match, with prices."""
    user = signed_in_user(request)
    order = get_order_for(user, pk, action=Action.ORDER_WRITE)
    text = request.GET.get("product_label") or request.GET.get("q") or ""
    hits = queries.product_search(user, order, text)
    return render(
        request, "web/_product_options.html", {"hits": hits, "order": order, "text": text}
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
        ctx = _order_context(request, order, errors=_error_dict(error), values=request.POST)
        return render(request, "web/order.html", ctx, status=422)
    messages.success(request, success % {"number": order_ref(order)})
    return redirect(next_url or reverse("web:order", kwargs={"pk": order.pk}))


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
        next_url=reverse("web:desk"),
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
        next_url=reverse("web:desk"),
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
        "web/desk.html",
        {"page": paginator.get_page(_page_number(request)), "now": timezone.now()},
    )


# --- Team -----------------------------------------------------------------------------------


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.has_role(Role.HEAD_OF_SALES, Role.DIRECTOR):
        raise PermissionDenied()
    return render(request, "web/team.html", {"teams": queries.team_stats(user)})

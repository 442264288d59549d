"""The book's pages: Today, My clients (search, sort, filter, XLSX export), Client 360
and Team. Each view reads through ``raktas.book.selectors`` (built on the scoped
selectors) and asks ``raktas.org.access`` what the user may see.

``NotFound`` and ``PermissionDenied`` propagate to the shell's middleware (404/403
pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from raktas.audit.services import access_record
from raktas.book import selectors
from raktas.book.exports import client_workbook
from raktas.clients.models import ClientStatus, Tier
from raktas.clients.selectors import get_client_for
from raktas.core import formatting
from raktas.core.charts import bar_chart
from raktas.core.exceptions import PermissionDenied
from raktas.core.money import ZERO
from raktas.core.pages import page_number, xlsx_response
from raktas.org.access import (
    leads_team,
    may_order_for,
    sees_accounts,
    sees_analytics,
    sees_book,
    sees_margin,
    signed_in_user,
    works_today,
)

# --- Today --------------------------------------------------------------------------------


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """What needs the user now: their book's orders, debts and alerts (KAM, deputy, head
    of sales for the team) and the decisions waiting for a head of sales or director."""
    user = signed_in_user(request)
    if not works_today(user):
        raise PermissionDenied()
    return render(request, "book/today.html", selectors.today_for(user))


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


def _present(rows: list[selectors.ClientRow]) -> list[_RowView]:
    lang = translation.get_language()
    tiers = {k: str(v) for k, v in Tier.choices}
    statuses = {k: str(v) for k, v in ClientStatus.choices}
    base = reverse("book:clients")
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
    if not sees_book(user):
        raise PermissionDenied()
    filters = selectors.ClientFilters.from_params(request.GET)
    page = selectors.client_page(user, filters, page_number(request))
    choices = selectors.filter_choices(user)
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
        "sees_accounts": sees_accounts(user),
        "sort_key": sort_key,
        "sort_desc": page.sort.startswith("-"),
        "computed_limit": selectors.COMPUTED_SORT_MAX_ROWS,
    }


@login_required
@require_GET
def clients(request: HttpRequest) -> HttpResponse:
    ctx = _client_list_context(request)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "client-table":
        return render(request, "book/_client_table.html", ctx)
    return render(request, "book/clients.html", ctx)


@login_required
@require_GET
def clients_export(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not sees_book(user):
        raise PermissionDenied()
    filters = selectors.ClientFilters.from_params(request.GET)
    data = client_workbook(user, filters)
    access_record(
        request,
        what="clients.export",
        rows=selectors.filtered_clients(user, filters).count(),
        user=user,
    )
    return xlsx_response(data, "clients")


# --- Client 360 ------------------------------------------------------------------------------


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = get_client_for(user, pk)
    ctx = selectors.client_360(user, client)
    ctx["chart"] = bar_chart(ctx["months"], client.currency)
    ctx["chart_total"] = sum((m.revenue for m in ctx["months"][-12:]), ZERO)
    ctx["can_order"] = may_order_for(user, client) and client.status != ClientStatus.BLOCKED
    ctx["sees_margin"] = sees_margin(user)
    ctx["analytics"] = sees_analytics(user)
    return render(request, "book/client_detail.html", ctx)


# --- Team -----------------------------------------------------------------------------------


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not leads_team(user):
        raise PermissionDenied()
    return render(request, "book/team.html", {"teams": selectors.team_stats(user)})

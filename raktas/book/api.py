"""The client list of the API (``GET /api/v1/clients``): the same list as the My clients
page — the same filters, the same search, the same account figures — so the page, its
export and the API never disagree. The other client endpoints are ``raktas.clients``'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.book.selectors import ClientFilters, account_figures, filtered_clients
from raktas.clients.models import Client
from raktas.clients.schemas import ClientFilters as ClientFiltersIn
from raktas.clients.schemas import ClientListOut

router = Router(tags=["clients"])

_CLIENT_RELATED = ("owner", "segment", "price_column__price_list")


@router.get("/clients", response=Page[ClientListOut], summary="List the clients you may see")
def list_clients(
    request: HttpRequest, filters: Query[ClientFiltersIn], page: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    wanted = ClientFilters(
        q=(filters.q or "").strip(),
        segment=filters.segment,
        tier=filters.tier or "",
        status=filters.status or "",
        owner=filters.owner,
    )
    qs = filtered_clients(user, wanted).select_related(*_CLIENT_RELATED)

    def add_balances(rows: list[Client]) -> list[Client]:
        # Balances for this page only, and only where the caller sees the account (not
        # the order desk): one grouped query per ledger table over at most `limit`
        # clients, never a subquery per client of the book.
        accounts = account_figures(user, rows)
        for client in rows:
            account = accounts.get(client.pk)
            client.balance = account.balance if account else None  # type: ignore[attr-defined]
            client.overdue = account.overdue if account else None  # type: ignore[attr-defined]
        return rows

    return paginate(qs.order_by("legal_name", "id"), page, page_hook=add_balances, ids_first=True)

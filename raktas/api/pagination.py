"""limit/offset pagination with one response shape:

    {"items": [...], "count": N, "limit": L, "offset": O}

``limit`` defaults to ``settings.API_PAGE_SIZE`` and is capped at
``settings.API_MAX_PAGE_SIZE`` (the response says which limit was applied). Every
list must come in a total order — callers end their ``order_by`` with ``id`` — so
that walking the pages neither repeats nor skips a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Field, Schema


class PageParams(Schema):
    limit: int | None = Field(
        None,
        ge=1,
        le=2**62,
        description="Page size (default API_PAGE_SIZE, capped at API_MAX_PAGE_SIZE)",
    )
    # Bounded so offset + limit stays a 64-bit integer the database can take.
    offset: int = Field(0, ge=0, le=2**62, description="Rows to skip")


class Page[T](Schema):
    items: list[T]
    count: int
    limit: int
    offset: int


# The rows of the list pages this request served; raktas.api.urls reads it after the
# view and writes an access-log row when it is more than ACCESS_LOG_LIST_ROWS.
rows_read: ContextVar[int | None] = ContextVar("rows_read", default=None)


def note_rows_read(rows: int) -> None:
    """Count ``rows`` towards this request's list read (for the access log)."""
    so_far = rows_read.get()
    if so_far is not None:
        rows_read.set(so_far + rows)


def effective_limit(limit: int | None) -> int:
    return min(limit or settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)


def paginate[M: Model](
    qs: QuerySet[M],
    params: PageParams,
    *,
    page_hook: Callable[[list[M]], Sequence[Any]] | None = None,
    ids_first: bool = False,
) -> dict[str, Any]:
    """One page of ``qs``. ``page_hook`` may enrich the rows of this page only (e.g. with
    balances), so expensive per-row work never runs over the whole result.

    ``ids_first`` picks the page's ids with a lean query and then loads only those
    rows with their joins: when the order cannot come from an index (a KAM's book
    spans several owners), the database sorts small (name, id) pairs instead of
    whole joined rows."""
    if not qs.ordered:
        raise ValueError("paginate() needs an ordered queryset (end the order with id)")
    limit = effective_limit(params.limit)
    offset = params.offset
    if ids_first:
        ids = list(qs.values_list("pk", flat=True)[offset : offset + limit])
        # Unordered: the database need not sort again; the page order is the ids'.
        by_id = {row.pk: row for row in qs.filter(pk__in=ids).order_by()}
        rows = [by_id[pk] for pk in ids if pk in by_id]
    else:
        rows = list(qs[offset : offset + limit])
    note_rows_read(len(rows))
    items: Sequence[Any] = page_hook(rows) if page_hook and rows else rows
    # On the first page a short page is the whole result: no COUNT query needed.
    count = offset + len(rows) if offset == 0 and len(rows) < limit else qs.count()
    return {"items": items, "count": count, "limit": limit, "offset": offset}

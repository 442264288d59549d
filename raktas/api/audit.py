"""The audit log and the read and export log: read-only, for the commercial director.
There is no write endpoint; the tables themselves refuse UPDATE and DELETE (see
raktas.audit.guards). Served by the API's own router: the audit app sits below
everything that writes to it, so it cannot know who asks (``raktas.org.selectors``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.api.schemas import Out
from raktas.audit.models import AuditEntry
from raktas.core.exceptions import NotFound
from raktas.org.selectors import (
    access_alerts_for,
    access_entries_for,
    audit_entries_for,
    filter_access,
)


class AuditEntryOut(Out):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_username: str
    action: str
    entity: str = Field(..., description="app_label.model, e.g. clients.client")
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


class AuditFilters(Schema):
    entity: str | None = Field(None, description="e.g. clients.client")
    entity_id: str | None = None
    actor: int | None = Field(None, description="Actor's user id")
    action: str | None = None
    since: dt.datetime | None = Field(None, description="At or after")
    until: dt.datetime | None = Field(None, description="Before")


class AccessEntryOut(Out):
    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    what: str = Field(..., description="clients.export, statement.pdf, api.list …")
    path: str
    filters: dict[str, Any]
    rows: int
    address: str


class AccessFilters(Schema):
    user: str | None = Field(None, description="Username")
    what: str | None = Field(None, description="e.g. clients.export, api.list")
    since: dt.date | None = Field(None, description="On or after this day")
    until: dt.date | None = Field(None, description="On or before this day")
    min_rows: int | None = Field(
        None, ge=0, le=2_147_483_647, description="At least this many rows"
    )


class AccessAlertOut(Out):
    id: int
    at: dt.datetime
    day: dt.date
    user_id: int | None
    username: str
    rows_today: int
    usual: Decimal = Field(..., description="The user's median day of the window, in rows")
    entry_id: int


router = Router(tags=["audit"])


@router.get("/audit", response=Page[AuditEntryOut], summary="The audit log, newest first")
def list_audit(
    request: HttpRequest, filters: Query[AuditFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = audit_entries_for(current_user(request))
    if filters.entity:
        qs = qs.filter(entity=filters.entity)
    if filters.entity_id:
        qs = qs.filter(entity_id=filters.entity_id)
    if filters.actor is not None:
        qs = qs.filter(actor_id=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    return paginate(qs.order_by("-at", "-id"), page)


@router.get("/audit/{entry_id}", response=AuditEntryOut, summary="One audit entry")
def get_audit_entry(request: HttpRequest, entry_id: int) -> AuditEntry:
    entry = audit_entries_for(current_user(request)).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("Audit entry not found.")
    return entry


@router.get(
    "/access-log",
    response=Page[AccessEntryOut],
    summary="The read and export log (duty 2.21), newest first: the director",
)
def list_access_log(
    request: HttpRequest, filters: Query[AccessFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = filter_access(access_entries_for(current_user(request)), **filters.dict())
    return paginate(qs, page)


@router.get(
    "/access-log/alerts",
    response=Page[AccessAlertOut],
    summary="Users who read far more rows than usual (one per user and day): the director",
)
def list_access_alerts(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate(access_alerts_for(current_user(request)).order_by("-at", "-id"), page)

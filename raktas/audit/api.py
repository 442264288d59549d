"""The audit log: read-only, for the commercial director. There is no write endpoint;
the table itself refuses UPDATE and DELETE (see raktas.audit.models)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.audit.models import AuditEntry
from raktas.audit.schemas import (
    AccessAlertOut,
    AccessEntryOut,
    AccessFilters,
    AuditEntryOut,
    AuditFilters,
)
from raktas.audit.selectors import (
    access_alerts_for,
    access_entries_for,
    audit_entries_for,
    filter_access,
)
from raktas.core.exceptions import NotFound

router = Router()


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

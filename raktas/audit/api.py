"""The audit log: read-only, for the commercial director. There is no write endpoint;
the table itself refuses UPDATE and DELETE (see raktas.audit.models)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.audit.models import AuditEntry
from raktas.audit.schemas import AuditEntryOut, AuditFilters
from raktas.audit.selectors import audit_entries_for
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

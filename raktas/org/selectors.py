"""Reads of the organisation's own records: the audit trail and the read and export
log, for those who may read them (``org.access.reads_audit``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from raktas.audit.models import AccessAlert, AccessEntry, AuditEntry
from raktas.core.exceptions import PermissionDenied
from raktas.org.access import reads_audit
from raktas.org.models import User


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """The audit log, for those allowed to read it (the commercial director)."""
    if not reads_audit(user):
        raise PermissionDenied("Only the commercial director reads the audit log.")
    return AuditEntry.objects.all()


def _require_access_log_reader(user: User) -> None:
    if not reads_audit(user):
        raise PermissionDenied("Only the commercial director reads the access log.")


def access_entries_for(user: User) -> QuerySet[AccessEntry]:
    """The read and export log, for the commercial director (like the audit log)."""
    _require_access_log_reader(user)
    return AccessEntry.objects.all()


def access_alerts_for(user: User) -> QuerySet[AccessAlert]:
    """Unusual reads (``raktas.audit.services.unusual_reads``), for the director."""
    _require_access_log_reader(user)
    return AccessAlert.objects.all()


def filter_access(
    qs: QuerySet[AccessEntry],
    *,
    user: str | None = None,
    what: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_rows: int | None = None,
) -> QuerySet[AccessEntry]:
    """The access log's filters, one place for the page and the API. Days are business
    days (the configured time zone)."""
    if user:
        qs = qs.filter(username=user)
    if what:
        qs = qs.filter(what=what)
    if since:
        qs = qs.filter(at__gte=_start_of(since))
    if until:
        qs = qs.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    if min_rows:
        qs = qs.filter(rows__gte=min_rows)
    return qs.order_by("-at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

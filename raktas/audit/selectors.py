from __future__ import annotations

from django.db.models import QuerySet

from raktas.audit.models import AuditEntry
from raktas.core.exceptions import PermissionDenied
from raktas.org.access import Action, has_right
from raktas.org.models import User


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """The audit log, for those allowed to read it (the commercial director)."""
    if not has_right(user, Action.AUDIT_READ):
        raise PermissionDenied("Only the commercial director reads the audit log.")
    return AuditEntry.objects.all()

"""Reads of bank entries: the work of finance and the commercial director only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from raktas.banking.models import BankEntry, BankEntryStatus, BankStatement
from raktas.core.exceptions import NotFound, PermissionDenied
from raktas.credit.models import OverrideStatus
from raktas.credit.selectors import holds_visible_to, overrides_to_decide, overrides_visible_to
from raktas.org.access import does_bank_work
from raktas.org.models import User


def bank_entries_visible_to(user: User) -> QuerySet[BankEntry]:
    """All entries for finance and the director; 403 for everyone else (the queue holds
    payers' names and accounts of every client, so it is not split by book)."""
    if not does_bank_work(user):
        raise PermissionDenied("Bank entries are for finance.", code="forbidden")
    return BankEntry.objects.select_related("client", "payment", "statement")


def get_bank_entry_for(user: User, pk: int) -> BankEntry:
    """One entry; 404 for a user who may not see bank entries, so ids tell nothing."""
    if not does_bank_work(user):
        raise NotFound("Bank entry not found.")
    entry = bank_entries_visible_to(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("Bank entry not found.")
    return entry


def bank_statements_visible_to(user: User) -> QuerySet[BankStatement]:
    if not does_bank_work(user):
        raise PermissionDenied("Bank statements are for finance.", code="forbidden")
    return BankStatement.objects.all()


def finance_day(user: User) -> dict[str, Any]:
    """What else waits for finance, for the bank page (finance's start page): pending
    override requests (those the user may decide marked), active credit holds."""

    pending = list(
        overrides_visible_to(user)
        .filter(status=OverrideStatus.PENDING)
        .select_related("order", "client", "requested_by", "decided_by")
        .order_by("requested_at", "id")[:50]
    )
    mine = set(overrides_to_decide(user).values_list("pk", flat=True))
    for override in pending:
        override.may_decide = override.pk in mine  # type: ignore[attr-defined]
    return {
        "overrides_pending": pending,
        "holds_active": holds_visible_to(user).filter(lifted_at__isnull=True).count(),
    }


def bank_entries_waiting(user: User) -> int | None:
    """How many entries wait in the queue; None for a user who does no bank work."""
    if not does_bank_work(user):
        return None
    return BankEntry.objects.filter(status=BankEntryStatus.UNMATCHED).count()

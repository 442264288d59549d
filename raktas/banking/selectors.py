"""Reads of bank entries: the work of finance and the commercial director only."""

from __future__ import annotations

from django.db.models import QuerySet

from raktas.banking.models import BankEntry, BankStatement
from raktas.core.exceptions import NotFound, PermissionDenied
from raktas.org.access import Action, has_right
from raktas.org.models import User


def may_do_bank_work(user: User) -> bool:
    return has_right(user, Action.LEDGER_WRITE)


def bank_entries_visible_to(user: User) -> QuerySet[BankEntry]:
    """All entries for finance and the director; 403 for everyone else (the queue holds
    payers' names and accounts of every client, so it is not split by book)."""
    if not may_do_bank_work(user):
        raise PermissionDenied("Bank entries are for finance.", code="forbidden")
    return BankEntry.objects.select_related("client", "payment", "statement")


def get_bank_entry_for(user: User, pk: int) -> BankEntry:
    """One entry; 404 for a user who may not see bank entries, so ids tell nothing."""
    if not may_do_bank_work(user):
        raise NotFound("Bank entry not found.")
    entry = bank_entries_visible_to(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("Bank entry not found.")
    return entry


def bank_statements_visible_to(user: User) -> QuerySet[BankStatement]:
    if not may_do_bank_work(user):
        raise PermissionDenied("Bank statements are for finance.", code="forbidden")
    return BankStatement.objects.all()

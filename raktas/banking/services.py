"""Import camt files, turn matched credits into ledger payments, and let finance resolve
the rest. Every change is audited; payments go through ``raktas.ledger.services``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from raktas.audit.services import record, snapshot
from raktas.banking.camt import CamtMessage, CamtTransaction, parse
from raktas.banking.matching import Matcher, allocation_plan
from raktas.banking.models import BankEntry, BankEntryStatus, BankStatement, MatchRule
from raktas.clients.models import Client
from raktas.core.exceptions import IllegalTransition, ValidationFailed
from raktas.ledger.models import Invoice
from raktas.ledger.services import payment_record
from raktas.org.access import Action, require
from raktas.org.models import User


def idempotency_parts(tx: CamtTransaction) -> str:
    """What makes a bank transaction unique.

    The bank's own reference (AcctSvcrRef) is unique per account, so with it the key is
    account + reference: the same payment reported first in a camt.054 notification and
    again in the evening camt.053 statement is one entry. Without it: account +
    statement id + NtryRef (or the entry's position in the statement).
    """
    if tx.acct_svcr_ref:
        return f"{tx.account_iban}|ref|{tx.acct_svcr_ref}"
    local = tx.entry_ref or f"#{tx.index}"
    if tx.entry_ref and tx.index.count(".") > 1:
        local += f"#{tx.index.rsplit('.', 1)[1]}"
    return f"{tx.account_iban}|stmt|{tx.statement_id}|{local}"


def entry_key(parts: str) -> str:
    return hashlib.sha256(parts.encode()).hexdigest()


@dataclass
class ImportResult:
    statement: BankStatement
    created: list[BankEntry] = field(default_factory=list)
    duplicates: int = 0
    skipped: int = 0

    @property
    def matched(self) -> list[BankEntry]:
        return [e for e in self.created if e.status == BankEntryStatus.MATCHED]

    @property
    def unmatched(self) -> list[BankEntry]:
        return [e for e in self.created if e.status == BankEntryStatus.UNMATCHED]

    def summary(self) -> str:
        s = self.statement
        return (
            f"{s.kind}.{s.version} {s.statement_id or s.message_id}: {s.entries} credit "
            f"entries, {len(self.matched)} matched, {len(self.unmatched)} waiting for finance, "
            f"{self.duplicates} already imported, {self.skipped} skipped (debits, pending, "
            "reversals)"
        )


def _payment_reference(tx: CamtTransaction) -> str:
    return " ".join(p for p in [*tx.references, tx.remittance, tx.end_to_end_id] if p)[:140]


@transaction.atomic
def bank_import(*, by: User, data: bytes, file_name: str = "") -> ImportResult:
    """Import a camt.053 statement or camt.054 notification.

    One transaction: a malformed file (``CamtError``, a ValidationFailed with code
    ``bad_camt``) or any failure imports nothing. Entries already imported (same
    idempotency key) are counted and skipped, so importing a file twice changes nothing.
    """
    require(by, Action.LEDGER_WRITE)
    message: CamtMessage = parse(data)
    statement = BankStatement.objects.create(
        kind=message.kind,
        version=message.version,
        message_id=message.message_id[:64],
        statement_id=",".join(message.statement_ids)[:64],
        account_iban=message.account_iban,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        imported_by=by,
    )
    result = ImportResult(statement=statement)
    matcher = Matcher()
    for tx in message.transactions:
        if not tx.credit or not tx.booked or tx.reversal:
            result.skipped += 1
            continue
        parts = idempotency_parts(tx)
        key = entry_key(parts)
        # Locks nothing to lock yet: the unique key makes a concurrent second import of
        # the same entry fail its insert and roll back whole, rather than pay twice.
        if BankEntry.objects.filter(key=key).exists():
            result.duplicates += 1
            continue
        entry = BankEntry.objects.create(
            statement=statement,
            key=key,
            key_source=parts[:255],
            account_iban=tx.account_iban,
            booking_date=tx.booking_date,
            value_date=tx.value_date,
            amount=tx.amount,
            currency=tx.currency,
            debtor_name=tx.debtor_name,
            debtor_iban=tx.debtor_iban,
            debtor_id=tx.debtor_id,
            reference=(tx.references[0] if tx.references else "")[:35],
            remittance=tx.remittance,
            end_to_end_id=tx.end_to_end_id[:35],
            acct_svcr_ref=tx.acct_svcr_ref[:35],
        )
        found = matcher.match(
            amount=tx.amount,
            currency=tx.currency,
            references=tx.references,
            remittance=tx.remittance,
            debtor_name=tx.debtor_name,
            debtor_iban=tx.debtor_iban,
            debtor_id=tx.debtor_id,
        )
        if found.rule and found.client is not None:
            payment = payment_record(
                by=by,
                client=found.client,
                amount=tx.amount,
                received_on=tx.booking_date,
                reference=_payment_reference(tx),
                currency=tx.currency,
                allocate=allocation_plan(found.invoices, tx.amount),
                external_id=f"bank:{key[:59]}",
            )
            entry.status = BankEntryStatus.MATCHED
            entry.match_rule = found.rule
            entry.client = found.client
            entry.payment = payment
        else:
            entry.note = found.why[:255]
            entry.suggestions = found.suggestions
        entry.save()
        result.created.append(entry)
    statement.entries = len(result.created) + result.duplicates
    statement.created = len(result.created)
    statement.duplicates = result.duplicates
    statement.matched = len(result.matched)
    statement.skipped = result.skipped
    statement.save()
    record(
        actor=by,
        action="import",
        obj=statement,
        after=snapshot(
            statement,
            ("kind", "statement_id", "account_iban", "file_sha256", "created", "matched"),
        ),
        note=file_name,
    )
    return result


def _lock_unmatched(entry: BankEntry) -> BankEntry:
    locked = BankEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != BankEntryStatus.UNMATCHED:
        raise IllegalTransition(
            f"This bank entry is already {locked.get_status_display().lower()}.",
            code="entry_not_waiting",
        )
    return locked


@transaction.atomic
def bank_entry_resolve(
    *,
    by: User,
    entry: BankEntry,
    client: Client,
    invoices: Sequence[tuple[Invoice, Decimal]] | str = "oldest",
    note: str = "",
) -> BankEntry:
    """Finance assigns a waiting entry to a client (and invoices): the payment is
    recorded on the booking date and allocated as given (``"oldest"``, ``"none"`` or
    explicit invoice/amount pairs of that client)."""
    require(by, Action.LEDGER_WRITE)
    entry = _lock_unmatched(entry)
    if client.currency != entry.currency:
        raise ValidationFailed(
            f"client: {client.legal_name} settles in {client.currency}, the payment is "
            f"in {entry.currency}",
            field="client",
        )
    payment = payment_record(
        by=by,
        client=client,
        amount=entry.amount,
        received_on=entry.booking_date,
        reference=(entry.reference + " " + entry.remittance).strip()[:140],
        currency=entry.currency,
        allocate=invoices,
        external_id=f"bank:{entry.key[:59]}",
    )
    entry.status = BankEntryStatus.RESOLVED
    entry.match_rule = MatchRule.MANUAL
    entry.client = client
    entry.payment = payment
    entry.resolved_by = by
    entry.resolved_at = timezone.now()
    entry.note = (note or entry.note)[:255]
    entry.save()
    record(
        actor=by,
        action="resolve",
        obj=entry,
        after={"client": client.pk, "payment": payment.pk, "amount": str(entry.amount)},
        note=note,
    )
    return entry


@transaction.atomic
def bank_entry_ignore(*, by: User, entry: BankEntry, note: str) -> BankEntry:
    """Finance marks a waiting entry as no client payment (a refund, a transfer of our
    own): it leaves the queue and books nothing."""
    require(by, Action.LEDGER_WRITE)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("note: say why the entry is ignored", field="note")
    entry = _lock_unmatched(entry)
    entry.status = BankEntryStatus.IGNORED
    entry.resolved_by = by
    entry.resolved_at = timezone.now()
    entry.note = note[:255]
    entry.save()
    record(actor=by, action="ignore", obj=entry, after={"status": entry.status}, note=note)
    return entry

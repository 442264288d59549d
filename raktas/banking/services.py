"""Import camt files, turn matched credits into ledger payments, and let finance resolve
the rest. Every change is audited; payments go through ``raktas.ledger.services``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from raktas.audit.services import record, snapshot
from raktas.banking.camt import CamtMessage, CamtTransaction, parse
from raktas.banking.matching import Matcher, allocation_plan
from raktas.banking.models import BankEntry, BankEntryStatus, BankStatement, MatchRule
from raktas.clients.models import Client
from raktas.core.exceptions import IllegalTransition, ValidationFailed
from raktas.ledger.models import Invoice, PaymentReversal
from raktas.ledger.services import payment_record, payment_reverse
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
    def credits(self) -> list[BankEntry]:
        return [e for e in self.created if not e.is_reversal]

    @property
    def reversals(self) -> list[BankEntry]:
        return [e for e in self.created if e.is_reversal]

    @property
    def matched(self) -> list[BankEntry]:
        return [e for e in self.credits if e.status == BankEntryStatus.MATCHED]

    @property
    def unmatched(self) -> list[BankEntry]:
        return [e for e in self.credits if e.status == BankEntryStatus.UNMATCHED]

    def summary(self) -> str:
        s = self.statement
        text = (
            f"{s.kind}.{s.version} {s.statement_id or s.message_id}: {s.entries} credit "
            f"entries, {len(self.matched)} matched, {len(self.unmatched)} waiting for finance, "
            f"{self.duplicates} already imported, {self.skipped} skipped (debits, pending)"
        )
        if self.reversals:
            applied = sum(1 for e in self.reversals if e.status == BankEntryStatus.MATCHED)
            text += (
                f"; {len(self.reversals)} reversals of earlier credits, {applied} reversed "
                f"in the ledger, {len(self.reversals) - applied} waiting for finance"
            )
        return text


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
        # ISO 20022: a DBIT with RvslInd=true takes back an earlier credit (a CRDT with
        # it undoes one of our debits, which the receivables never imported).
        takes_back_credit = tx.reversal and not tx.credit
        if not tx.booked or not (tx.credit or takes_back_credit) or (tx.credit and tx.reversal):
            result.skipped += 1
            continue
        parts = idempotency_parts(tx)
        if takes_back_credit:
            # Its own key: a bank may repeat the original's AcctSvcrRef on the reversal.
            parts = f"rvsl|{parts}"
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
            is_reversal=takes_back_credit,
            return_reason=tx.return_reason[:140],
        )
        if takes_back_credit:
            _reversal_apply(by=by, entry=entry, tx=tx)
            result.created.append(entry)
            continue
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
    statement.entries = len(result.credits) + result.duplicates
    statement.created = len(result.credits)
    statement.duplicates = result.duplicates
    statement.matched = len(result.matched)
    statement.skipped = result.skipped
    statement.reversals = len(result.reversals)
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


# --- reversals ----------------------------------------------------------------------


def _reversible_credits(entry: BankEntry) -> QuerySet[BankEntry]:
    """Credits the reversal ``entry`` could take back: same account, currency and
    amount, booked no later than it, not reversed already, not a reversal themselves."""
    return BankEntry.objects.filter(
        is_reversal=False,
        account_iban=entry.account_iban,
        currency=entry.currency,
        amount=entry.amount,
        booking_date__lte=entry.booking_date,
        reversed_by__isnull=True,
    ).exclude(status=BankEntryStatus.IGNORED)


def _meaningful(value: str) -> str:
    return "" if value.strip().upper() in ("", "NOTPROVIDED", "NONREF") else value.strip()


def find_reversed_credit(
    entry: BankEntry, tx: CamtTransaction
) -> tuple[BankEntry | None, str, list[BankEntry]]:
    """The credit a reversal takes back: ``(credit, rule, candidates)``.

    Among the credits of the same account, currency and amount, the first of these
    that picks exactly one: the bank's reference (the reversal's TxDtls/Refs/AcctSvcrRef,
    or its own, equal to the credit's), the end-to-end id, the structured creditor
    reference, the payer's account and payment text. Several or none: ``(None, why,
    the candidates)`` and the reversal waits for finance.
    """
    candidates = _reversible_credits(entry)
    bank_refs = {r for r in (tx.tx_acct_svcr_ref, tx.acct_svcr_ref) if _meaningful(r)}
    tests: list[tuple[str, Q | None]] = [
        (MatchRule.BANK_REFERENCE, Q(acct_svcr_ref__in=bank_refs) if bank_refs else None),
        (
            MatchRule.END_TO_END,
            Q(end_to_end_id=tx.end_to_end_id) if _meaningful(tx.end_to_end_id) else None,
        ),
        (MatchRule.REFERENCE, Q(reference=entry.reference) if entry.reference else None),
        (
            MatchRule.REMITTANCE,
            Q(remittance=entry.remittance, debtor_iban=entry.debtor_iban)
            if entry.remittance and entry.debtor_iban
            else None,
        ),
    ]
    for rule, test in tests:
        if test is None:
            continue
        found = list(candidates.filter(test)[:2])
        if len(found) == 1:
            return found[0], rule, []
        if len(found) > 1:
            return None, f"several earlier credits fit ({rule})", list(candidates[:5])
    return None, "no earlier credit with its references", list(candidates[:5])


def _take_back(*, by: User, reversal: BankEntry, credit: BankEntry, reason: str) -> str:
    """Undo ``credit`` for ``reversal``: reverse its payment in the ledger (booked on the
    reversal's day), or take it off the queue when it was still waiting. Returns a note."""
    credit = BankEntry.objects.select_for_update().get(pk=credit.pk)
    reversal.reverses = credit
    if credit.payment_id is not None:
        if PaymentReversal.objects.filter(payment_id=credit.payment_id).exists():
            return f"payment #{credit.payment_id} was reversed in the ledger already"
        payment_reverse(
            by=by,
            payment=credit.payment,  # type: ignore[arg-type]
            reversed_on=reversal.booking_date,
            reason=reason,
        )
        reversal.client_id = credit.client_id
        return f"payment #{credit.payment_id} reversed"
    if credit.status == BankEntryStatus.UNMATCHED:
        credit.status = BankEntryStatus.IGNORED
        credit.resolved_by = by
        credit.resolved_at = timezone.now()
        credit.note = f"Reversed by the bank on {reversal.booking_date}"[:255]
        credit.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
        return "the credit was still waiting; it left the queue"
    return "the credit had booked no payment"


def _reversal_reason(entry: BankEntry) -> str:
    ref = entry.acct_svcr_ref or entry.end_to_end_id or f"entry {entry.pk}"
    why = f": {entry.return_reason}" if entry.return_reason else ""
    return f"Bank reversal {ref} of {entry.booking_date}{why}"[:255]


def _reversal_apply(*, by: User, entry: BankEntry, tx: CamtTransaction) -> None:
    credit, rule, candidates = find_reversed_credit(entry, tx)
    if credit is None:
        entry.note = f"Reversal: {rule}"[:255]
        entry.suggestions = [_credit_suggestion(c) for c in candidates]
        entry.save()
        return
    note = _take_back(by=by, reversal=entry, credit=credit, reason=_reversal_reason(entry))
    entry.status = BankEntryStatus.MATCHED
    entry.match_rule = rule
    entry.client_id = credit.client_id
    entry.note = f"Takes back the credit of {credit.booking_date}: {note}"[:255]
    entry.save()
    record(
        actor=by,
        action="reverse",
        obj=entry,
        after={"credit": credit.pk, "payment": credit.payment_id, "rule": rule},
        note=entry.note,
    )


def _credit_suggestion(credit: BankEntry) -> dict[str, object]:
    return {
        "entry_id": credit.pk,
        "booking_date": credit.booking_date.isoformat(),
        "amount": str(credit.amount),
        "debtor_name": credit.debtor_name,
        "client_id": credit.client_id,
        "payment_id": credit.payment_id,
        "reason": "same amount on this account",
    }


@transaction.atomic
def bank_reversal_resolve(
    *, by: User, entry: BankEntry, credit: BankEntry, note: str = ""
) -> BankEntry:
    """Finance says which credit a waiting reversal takes back: its payment is reversed
    in the ledger on the reversal's booking day (or the waiting credit leaves the queue)."""
    require(by, Action.LEDGER_WRITE)
    entry = _lock_unmatched(entry)
    if not entry.is_reversal:
        raise ValidationFailed("This entry is a credit, not a reversal.", field="entry")
    if not _reversible_credits(entry).filter(pk=credit.pk).exists():
        raise ValidationFailed(
            "credit_id: not a credit this reversal can take back (same account, currency "
            "and amount, booked no later, not reversed already)",
            field="credit_id",
        )
    done = _take_back(by=by, reversal=entry, credit=credit, reason=_reversal_reason(entry))
    entry.status = BankEntryStatus.RESOLVED
    entry.match_rule = MatchRule.MANUAL
    entry.client_id = BankEntry.objects.get(pk=credit.pk).client_id
    entry.resolved_by = by
    entry.resolved_at = timezone.now()
    entry.note = (note or f"Takes back the credit of {credit.booking_date}: {done}")[:255]
    entry.save()
    record(
        actor=by,
        action="resolve",
        obj=entry,
        after={"credit": credit.pk, "payment": credit.payment_id},
        note=note,
    )
    return entry


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
    if entry.is_reversal:
        raise ValidationFailed(
            "This entry is a reversal: say which credit it takes back.", field="entry"
        )
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

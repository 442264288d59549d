"""The finance page for bank payments: upload a camt file, and work the queue of
entries that matched nothing (assign to a client and invoice, or ignore)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from raktas.banking.models import BankEntryStatus
from raktas.banking.selectors import bank_entries_visible_to, finance_day, get_bank_entry_for
from raktas.banking.services import (
    ImportResult,
    bank_entry_ignore,
    bank_entry_resolve,
    bank_import,
    bank_reversal_resolve,
)
from raktas.clients.selectors import get_client_for
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied, ValidationFailed
from raktas.ledger.selectors import get_invoice_for
from raktas.org.access import signed_in_user


def import_message(result: ImportResult) -> str:
    """The import's summary for the page, in the user's language."""
    s = result.statement
    text = _(
        "%(kind)s %(statement)s: %(credits)s credit entries, %(matched)s matched, "
        "%(waiting)s waiting for finance, %(duplicates)s already imported, "
        "%(skipped)s skipped (debits, pending)."
    ) % {
        "kind": s.kind,
        "statement": s.statement_id or s.message_id,
        "credits": s.entries,
        "matched": len(result.matched),
        "waiting": len(result.unmatched),
        "duplicates": result.duplicates,
        "skipped": result.skipped,
    }
    if result.reversals:
        applied = sum(1 for e in result.reversals if e.status == BankEntryStatus.MATCHED)
        text += " " + _(
            "%(n)s reversals of earlier credits: %(applied)s reversed in the ledger, "
            "%(waiting)s waiting for finance."
        ) % {
            "n": len(result.reversals),
            "applied": applied,
            "waiting": len(result.reversals) - applied,
        }
    return text


@login_required
@require_GET
def bank_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    entries = bank_entries_visible_to(user)  # 403 for everyone but finance
    waiting = entries.filter(status=BankEntryStatus.UNMATCHED).order_by("booking_date", "id")
    recent = entries.exclude(status=BankEntryStatus.UNMATCHED).order_by("-created_at", "-id")[:20]
    return render(
        request,
        "banking/queue.html",
        {"waiting": waiting, "recent": recent, **finance_day(user)},
    )


@login_required
@require_POST
def bank_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a camt.053 or camt.054 file."))
        return redirect(reverse("banking:queue"))
    try:
        result = bank_import(
            by=signed_in_user(request), data=upload.read(), file_name=upload.name or ""
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        # The parser's reason (naming the entry and element) stays as it is: English.
        messages.error(
            request,
            _("%(file)s: nothing imported: %(reason)s")
            % {"file": upload.name, "reason": exc.message},
        )
    else:
        messages.success(request, import_message(result))
    return redirect(reverse("banking:queue"))


@login_required
@require_POST
def bank_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_bank_entry_for(user, pk)
    try:
        raw_client = request.POST.get("client_id", "")
        raw_invoice = request.POST.get("invoice_id", "")
        if raw_invoice.isdigit():
            invoice = get_invoice_for(user, int(raw_invoice))
            client = invoice.client
            allocate: object = [(invoice, min(entry.amount, invoice.open_amount))]
            if invoice.open_amount <= Decimal(0):
                raise ValidationFailed(f"{invoice.number} is already settled", field="invoice_id")
        elif raw_client.isdigit():
            client = get_client_for(user, int(raw_client))
            allocate = "oldest"
        else:
            raise ValidationFailed("Choose an invoice or give a client id.", field="client_id")
        bank_entry_resolve(
            by=user,
            entry=entry,
            client=client,
            invoices=allocate,  # type: ignore[arg-type]
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(amount)s %(currency)s assigned to %(client)s.")
            % {"amount": entry.amount, "currency": entry.currency, "client": client},
        )
    return redirect(reverse("banking:queue"))


@login_required
@require_POST
def bank_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_bank_entry_for(user, pk)
    try:
        raw = request.POST.get("credit_id", "")
        if not raw.isdigit():
            raise ValidationFailed("Choose the credit this reversal takes back.", field="credit_id")
        credit = get_bank_entry_for(user, int(raw))
        bank_reversal_resolve(
            by=user, entry=entry, credit=credit, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(amount)s %(currency)s: the credit of %(day)s is taken back.")
            % {"amount": entry.amount, "currency": entry.currency, "day": credit.booking_date},
        )
    return redirect(reverse("banking:queue"))


@login_required
@require_POST
def bank_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_bank_entry_for(user, pk)
    try:
        bank_entry_ignore(by=user, entry=entry, note=request.POST.get("note", ""))
    except DomainError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(amount)s %(currency)s taken off the queue.")
            % {"amount": entry.amount, "currency": entry.currency},
        )
    return redirect(reverse("banking:queue"))

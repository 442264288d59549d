"""Bank statement upload and the finance queue of unmatched entries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from raktas.api.auth import current_user
from raktas.api.errors import blame
from raktas.api.pagination import Page, PageParams, paginate
from raktas.banking.schemas import (
    BankEntryOut,
    EntryFilters,
    IgnoreIn,
    ImportOut,
    ResolveIn,
    ReverseIn,
)
from raktas.banking.selectors import bank_entries_visible_to, get_bank_entry_for
from raktas.banking.services import (
    bank_entry_ignore,
    bank_entry_resolve,
    bank_import,
    bank_reversal_resolve,
)
from raktas.clients.selectors import get_client_for
from raktas.core.exceptions import ValidationFailed
from raktas.ledger.selectors import get_invoice_for

router = Router()


@router.post(
    "/bank/imports",
    response={201: ImportOut},
    summary="Upload a camt.053 statement or camt.054 notification (finance, director)",
)
def upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    data = file.read()
    result = bank_import(by=current_user(request), data=data, file_name=file.name or "")
    return Status(
        201,
        {"statement": result.statement, "summary": result.summary(), "entries": result.created},
    )


@router.get(
    "/bank/entries",
    response=Page[BankEntryOut],
    summary="Bank entries, e.g. the finance queue (?status=unmatched)",
)
def list_entries(
    request: HttpRequest, filters: Query[EntryFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = bank_entries_visible_to(current_user(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-booking_date", "-id"), page)


@router.get("/bank/entries/{entry_id}", response=BankEntryOut, summary="One bank entry")
def get_entry(request: HttpRequest, entry_id: int) -> Any:
    return get_bank_entry_for(current_user(request), entry_id)


@router.post(
    "/bank/entries/{entry_id}/resolve",
    response=BankEntryOut,
    summary="Assign a waiting entry to a client and invoices: records the payment",
)
def resolve(request: HttpRequest, entry_id: int, body: ResolveIn) -> Any:
    user = current_user(request)
    entry = get_bank_entry_for(user, entry_id)
    with blame("client_id"):
        client = get_client_for(user, body.client_id)
    allocate: Any = body.allocate
    if isinstance(allocate, list):
        pairs = []
        for i, item in enumerate(allocate):
            with blame(f"allocate.{i}.invoice_id"):
                invoice = get_invoice_for(user, item.invoice_id)
            if invoice.client_id != client.pk:
                raise ValidationFailed(
                    f"allocate.{i}.invoice_id: belongs to another client",
                    field=f"allocate.{i}.invoice_id",
                )
            pairs.append((invoice, item.amount))
        allocate = pairs
    return bank_entry_resolve(
        by=user, entry=entry, client=client, invoices=allocate, note=body.note
    )


@router.post(
    "/bank/entries/{entry_id}/reverse",
    response=BankEntryOut,
    summary="Say which earlier credit a waiting reversal takes back: its payment is reversed",
)
def reverse(request: HttpRequest, entry_id: int, body: ReverseIn) -> Any:
    user = current_user(request)
    entry = get_bank_entry_for(user, entry_id)
    with blame("credit_id"):
        credit = get_bank_entry_for(user, body.credit_id)
    return bank_reversal_resolve(by=user, entry=entry, credit=credit, note=body.note)


@router.post(
    "/bank/entries/{entry_id}/ignore",
    response=BankEntryOut,
    summary="Take a waiting entry off the queue as no client payment (with a reason)",
)
def ignore(request: HttpRequest, entry_id: int, body: IgnoreIn) -> Any:
    user = current_user(request)
    return bank_entry_ignore(by=user, entry=get_bank_entry_for(user, entry_id), note=body.note)

"""Invoices, payments with their allocation, credit notes and client balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.errors import blame, renamed_fields
from raktas.api.pagination import Page, PageParams, paginate
from raktas.clients.models import Client
from raktas.clients.selectors import account_clients_visible_to, client_search, get_client_for
from raktas.core.exceptions import NotFound
from raktas.ledger.models import CreditNote, Invoice, Payment
from raktas.ledger.schemas import (
    AllocateChoice,
    AllocateIn,
    BalanceFilters,
    BalanceOut,
    BalanceRowOut,
    CreditNoteCreateIn,
    CreditNoteFilters,
    CreditNoteOut,
    InvoiceDetailOut,
    InvoiceFilters,
    InvoiceOut,
    PaymentCreateIn,
    PaymentDetailOut,
    PaymentFilters,
    PaymentOut,
)
from raktas.ledger.selectors import (
    credit_notes_visible_to,
    get_balance_for,
    get_invoice_for,
    get_payment_for,
    invoices_visible_to,
    payments_visible_to,
    with_balances,
)
from raktas.ledger.services import credit_note_create, payment_allocate, payment_record
from raktas.org.access import account_q, today
from raktas.org.models import User

router = Router()


# --- invoices ---------------------------------------------------------------------


@router.get("/invoices", response=Page[InvoiceOut], summary="List the invoices you may see")
def list_invoices(
    request: HttpRequest, filters: Query[InvoiceFilters], page: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    qs: QuerySet[Invoice] = invoices_visible_to(user).select_related("client")
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.overdue is not None or filters.open is not None:
        # Picking invoices out by what is owed is reading the account: only among the
        # clients whose account the caller sees (none for the order desk).
        qs = qs.filter(account_q(user, prefix="client__"))
    overdue = Q(open_amount__gt=0, due_date__lt=today())
    if filters.overdue is True:
        qs = qs.filter(overdue)
    elif filters.overdue is False:
        qs = qs.exclude(overdue)
    if filters.open is True:
        qs = qs.filter(open_amount__gt=0)
    elif filters.open is False:
        qs = qs.filter(open_amount=0)
    if filters.date_from:
        qs = qs.filter(issue_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(issue_date__lte=filters.date_to)
    return paginate(qs.order_by("-issue_date", "-id"), page)


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut, summary="One invoice with lines")
def get_invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    return get_invoice_for(current_user(request), invoice_id)


# --- payments ---------------------------------------------------------------------


def _allocation_pairs(
    user: User, allocate: AllocateChoice, field: str
) -> str | list[tuple[Invoice, Decimal]]:
    """ "oldest"/"none" as they are; explicit allocations with each invoice fetched through
    the caller's scope (an invoice they may not see is a 404 naming the entry)."""
    if isinstance(allocate, str):
        return allocate
    pairs = []
    for index, entry in enumerate(allocate):
        with blame(f"{field}.{index}.invoice_id"):
            pairs.append((get_invoice_for(user, entry.invoice_id), entry.amount))
    return pairs


def _allocation_fields(field: str, allocate: AllocateChoice) -> dict[str, str]:
    # With one explicit entry a service error about "invoice"/"amount" is about it.
    if isinstance(allocate, list) and len(allocate) == 1:
        return {"invoice": f"{field}.0.invoice_id", "amount": f"{field}.0.amount"}
    return {"invoice": field}


@router.get("/payments", response=Page[PaymentOut], summary="List the payments you may see")
def list_payments(
    request: HttpRequest, filters: Query[PaymentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs: QuerySet[Payment] = payments_visible_to(current_user(request)).select_related(
        "client", "recorded_by"
    )
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.date_from:
        qs = qs.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(received_on__lte=filters.date_to)
    if filters.unallocated is True:
        qs = qs.filter(allocated_amount__lt=F("amount"))
    elif filters.unallocated is False:
        qs = qs.filter(allocated_amount=F("amount"))
    return paginate(qs.order_by("-received_on", "-id"), page)


def _payment(user: User, payment_id: int) -> Payment:
    return get_payment_for(user, payment_id)


@router.get("/payments/{payment_id}", response=PaymentDetailOut, summary="One payment")
def get_payment(request: HttpRequest, payment_id: int) -> Payment:
    return _payment(current_user(request), payment_id)


@router.post(
    "/payments",
    response={201: PaymentDetailOut},
    summary="Record a payment and allocate it (finance, director)",
)
def create_payment(request: HttpRequest, payload: PaymentCreateIn) -> Status:
    user = current_user(request)
    with blame("client_id"):
        client = get_client_for(user, payload.client_id)
    allocate = _allocation_pairs(user, payload.allocate, "allocate")
    with renamed_fields(client="client_id", **_allocation_fields("allocate", payload.allocate)):
        payment = payment_record(
            by=user,
            client=client,
            amount=payload.amount,
            received_on=payload.received_on,
            reference=payload.reference,
            currency=payload.currency,
            allocate=allocate,
            external_id=payload.external_id,
        )
    return Status(201, _payment(user, payment.pk))


@router.post(
    "/payments/{payment_id}/allocate",
    response=PaymentDetailOut,
    summary="Allocate the rest of a payment to invoices (finance, director)",
)
def allocate_payment(request: HttpRequest, payment_id: int, payload: AllocateIn) -> Payment:
    user = current_user(request)
    payment = _payment(user, payment_id)
    allocate = _allocation_pairs(user, payload.allocate, "allocate")
    with renamed_fields(**_allocation_fields("allocate", payload.allocate)):
        payment_allocate(by=user, payment=payment, allocate=allocate)
    return _payment(user, payment_id)


# --- credit notes -----------------------------------------------------------------


def _credit_notes(user: User) -> QuerySet[CreditNote]:
    return credit_notes_visible_to(user).select_related("client", "invoice")


@router.get(
    "/credit-notes", response=Page[CreditNoteOut], summary="List the credit notes you may see"
)
def list_credit_notes(
    request: HttpRequest, filters: Query[CreditNoteFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = _credit_notes(current_user(request))
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.invoice is not None:
        qs = qs.filter(invoice_id=filters.invoice)
    if filters.date_from:
        qs = qs.filter(issue_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(issue_date__lte=filters.date_to)
    return paginate(qs.order_by("-issue_date", "-id"), page)


@router.get("/credit-notes/{credit_note_id}", response=CreditNoteOut, summary="One credit note")
def get_credit_note(request: HttpRequest, credit_note_id: int) -> CreditNote:
    note = _credit_notes(current_user(request)).filter(pk=credit_note_id).first()
    if note is None:
        raise NotFound("Credit note not found.")
    return note


@router.post(
    "/credit-notes",
    response={201: CreditNoteOut},
    summary="Issue a credit note (finance, director)",
)
def create_credit_note(request: HttpRequest, payload: CreditNoteCreateIn) -> Status:
    user = current_user(request)
    with blame("client_id"):
        client = get_client_for(user, payload.client_id)
    invoice = None
    if payload.invoice_id is not None:
        with blame("invoice_id"):
            invoice = get_invoice_for(user, payload.invoice_id)
    with renamed_fields(client="client_id", invoice="invoice_id"):
        note = credit_note_create(
            by=user,
            client=client,
            net=payload.net,
            vat_rate=payload.vat_rate,
            reason=payload.reason,
            issue_date=payload.issue_date,
            invoice=invoice,
            note=payload.note,
            cost=payload.cost,
            external_id=payload.external_id,
        )
    return Status(201, _credit_notes(user).get(pk=note.pk))


# --- balances ---------------------------------------------------------------------


@router.get(
    "/clients/{client_id}/balance",
    response=BalanceOut,
    summary="A client's account: invoiced − paid − credited, open and overdue",
)
def client_balance(request: HttpRequest, client_id: int) -> dict[str, Any]:
    user = current_user(request)
    sums = get_balance_for(user, client_id)
    client = Client.objects.only("pk", "legal_name", "currency").get(pk=client_id)
    return {"client": client, "currency": client.currency, "as_of": today(), **sums}


@router.get(
    "/balances",
    response=Page[BalanceRowOut],
    summary="Balances of the clients whose account you see",
)
def list_balances(
    request: HttpRequest, filters: Query[BalanceFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = account_clients_visible_to(current_user(request)).select_related("owner")
    if filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner)
    if filters.q:
        qs = client_search(qs, filters.q)  # the one client search
    if filters.overdue is not None:
        # Filtering on the overdue sum needs it for every candidate row.
        # (as keyword dicts: the type checker cannot see with_balances' annotations)
        qs = with_balances(qs)
        qs = qs.filter(**({"overdue__gt": 0} if filters.overdue else {"overdue": 0}))
        return paginate(qs.order_by("legal_name", "id"), page)

    def add_balances(rows: list[Client]) -> list[Client]:
        return list(
            with_balances(Client.objects.filter(pk__in=[c.pk for c in rows]))
            .select_related("owner")
            .order_by("legal_name", "id")
        )

    return paginate(qs.order_by("legal_name", "id"), page, page_hook=add_balances)

"""Every read of the ledger, already limited to what the user may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from raktas.clients.models import Client
from raktas.core.exceptions import NotFound
from raktas.core.money import ZERO
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal
from raktas.org.access import scope_for, today
from raktas.org.models import User


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Invoices of the clients the user sees. The order desk sees the invoices of the
    orders it handled, not the rest of the client's account."""
    scope = scope_for(user)
    if scope.all_clients:
        return Invoice.objects.all()
    condition = Q(client__owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition |= Q(order__submitted_at__isnull=False)
    return Invoice.objects.filter(condition)


def get_invoice_for(user: User, pk: int) -> Invoice:
    invoice = invoices_visible_to(user).select_related("client").filter(pk=pk).first()
    if invoice is None:
        raise NotFound("Invoice not found.")
    return invoice


def _book_only(user: User, model: type[Payment] | type[CreditNote]) -> QuerySet:
    """Payments and credit notes: the account side, not shown to the order desk."""
    scope = scope_for(user)
    if scope.all_clients:
        return model.objects.all()
    return model.objects.filter(client__owner_id__in=scope.kam_ids)


def payments_visible_to(user: User) -> QuerySet[Payment]:
    return _book_only(user, Payment)


def get_payment_for(user: User, pk: int) -> Payment:
    payment = payments_visible_to(user).select_related("client").filter(pk=pk).first()
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def credit_notes_visible_to(user: User) -> QuerySet[CreditNote]:
    return _book_only(user, CreditNote)


def allocations_visible_to(user: User) -> QuerySet[Allocation]:
    return Allocation.objects.filter(payment__in=payments_visible_to(user))


def client_balance(client: Client, *, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """The client's account: invoiced, paid, credited, balance, open and overdue (gross)."""
    day = as_of or today()

    def total(qs: QuerySet, field: str) -> Decimal:
        return qs.aggregate(s=Sum(field))["s"] or ZERO

    invoiced = total(Invoice.objects.filter(client=client), "gross_total")
    paid = total(Payment.objects.filter(client=client), "amount")
    credited = total(CreditNote.objects.filter(client=client), "gross_total")
    # A reversed (bounced) payment is owed again: the reversal is a debit.
    reversed_ = total(PaymentReversal.objects.filter(client=client), "amount")
    open_invoices = Invoice.objects.filter(client=client, open_amount__gt=0)
    return {
        "invoiced": invoiced,
        "paid": paid,
        "credited": credited,
        "reversed": reversed_,
        "balance": invoiced - paid - credited + reversed_,
        "open_invoices": total(open_invoices, "open_amount"),
        "overdue": total(open_invoices.filter(due_date__lt=day), "open_amount"),
        "unallocated_payments": total(Payment.objects.filter(client=client), "amount")
        - total(Payment.objects.filter(client=client), "allocated_amount"),
    }


def account_clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients whose account (balance, payments, credit notes) the user may see:
    their book, or all for the director and finance. Not the order desk."""
    scope = scope_for(user)
    if scope.all_clients:
        return Client.objects.all()
    return Client.objects.filter(owner_id__in=scope.kam_ids)


def get_balance_for(user: User, client_pk: int) -> dict[str, Decimal]:
    """The balance of one client; 404 if the user may not see the client's account."""
    client = account_clients_visible_to(user).filter(pk=client_pk).first()
    if client is None:
        raise NotFound("Client not found.")
    return client_balance(client)

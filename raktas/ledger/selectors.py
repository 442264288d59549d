"""Every read of the ledger, already limited to what the user may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from raktas.clients.models import Client
from raktas.core.exceptions import NotFound
from raktas.core.money import ZERO
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment
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
    """The client's account: invoiced, paid, credited, balance, open and overdue (gross).

    Balance and overdue come from the account's one definition
    (``raktas.clients.selectors.account_totals``, the same terms the client lists use)."""
    from raktas.clients.selectors import Account, account_totals

    day = as_of or today()
    account = account_totals([client.pk], as_of=day).get(client.pk, Account())
    open_invoices = Invoice.objects.filter(client=client, open_amount__gt=0).aggregate(
        s=Sum("open_amount")
    )["s"]
    payments = Payment.objects.filter(client=client).aggregate(
        amount=Sum("amount"), allocated=Sum("allocated_amount")
    )
    return {
        "invoiced": account.invoiced,
        "paid": account.paid,
        "credited": account.credited,
        # A reversed (bounced) payment is owed again: the reversal is a debit.
        "reversed": account.reversed,
        "balance": account.balance,
        "open_invoices": open_invoices or ZERO,
        "overdue": account.overdue,
        "unallocated_payments": (payments["amount"] or ZERO) - (payments["allocated"] or ZERO),
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

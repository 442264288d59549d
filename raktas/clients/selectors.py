"""Every read of clients and contacts, already limited to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from raktas.clients.models import Client, Contact
from raktas.core.exceptions import NotFound, PermissionDenied
from raktas.core.money import ZERO
from raktas.org.access import Action, require, scope_for, today
from raktas.org.models import User

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients ``user`` may see today (see ``raktas.org.access`` for the rules)."""
    from raktas.orders.models import Order, OrderStatus

    scope = scope_for(user)
    if scope.all_clients:
        return Client.objects.all()
    condition: Any = Q(owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition = condition | Exists(
            Order.objects.filter(client=OuterRef("pk"), submitted_at__isnull=False).exclude(
                status=OrderStatus.DRAFT
            )
        )
    return Client.objects.filter(condition)


def get_client_for(user: User, pk: int, *, write: bool = False) -> Client:
    """One client: 404 when the user may not see it, 403 when they may see but not change it."""
    client = (
        clients_visible_to(user)
        .select_related("owner", "segment", "price_column")
        .filter(pk=pk)
        .first()
    )
    if client is None:
        raise NotFound("Client not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=client.owner_id)
    return client


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=clients_visible_to(user))


def get_contact_for(user: User, pk: int, *, write: bool = False) -> Contact:
    contact = contacts_visible_to(user).select_related("client").filter(pk=pk).first()
    if contact is None:
        raise NotFound("Contact not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=contact.client.owner_id)
    return contact


def _sum_by_client(model_qs: QuerySet, field: str) -> Coalesce:
    sub = (
        model_qs.filter(client_id=OuterRef("pk"))
        .order_by()
        .values("client_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(sub, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def with_balances(qs: QuerySet[Client], *, as_of: dt.date | None = None) -> QuerySet[Client]:
    """Annotate ``invoiced``, ``paid``, ``credited``, ``balance`` (gross) and ``overdue``.

    balance = invoices − payments − credit notes + payment reversals, always;
    ``overdue`` is the open amount of invoices past their due date.
    """
    from raktas.ledger.models import CreditNote, Invoice, Payment, PaymentReversal

    day = as_of or today()
    return qs.annotate(
        invoiced=_sum_by_client(Invoice.objects.all(), "gross_total"),
        paid=_sum_by_client(Payment.objects.all(), "amount"),
        credited=_sum_by_client(CreditNote.objects.all(), "gross_total"),
        reversed=_sum_by_client(PaymentReversal.objects.all(), "amount"),
        overdue=_sum_by_client(
            Invoice.objects.filter(due_date__lt=day, open_amount__gt=0), "open_amount"
        ),
    ).annotate(balance=F("invoiced") - F("paid") - F("credited") + F("reversed"))


def ensure_can_change_credit(user: User, client: Client) -> None:
    require(user, Action.CLIENT_CREDIT)
    if not clients_visible_to(user).filter(pk=client.pk).exists():
        raise PermissionDenied()

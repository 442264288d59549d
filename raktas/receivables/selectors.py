"""Reads of receivables, limited to the accounts the user may see.

The scope comes from ``raktas.clients.selectors.account_clients_visible_to``: a KAM
sees the aging of their own (and delegated) clients, the head of sales their team's,
finance and the director everyone's; the order desk sees no accounts at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import QuerySet

from raktas.clients.models import Client
from raktas.clients.selectors import account_clients_visible_to
from raktas.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from raktas.ledger.models import Invoice
from raktas.org.access import scope_for, sees_accounts
from raktas.org.models import User
from raktas.receivables.aging import (
    LATE_WINDOW_DAYS,
    AgingReport,
    OpenInvoice,
    aging_report,
    open_invoices_as_of,
)


def receivable_clients_for(
    user: User,
    *,
    client_id: int | None = None,
    kam_id: int | None = None,
    team_id: int | None = None,
) -> QuerySet[Client]:
    """The clients whose receivables ``user`` may see, narrowed by the filters.

    403 for a role that sees no accounts (order desk, administrator); 404 when the
    named client is not visible.
    """
    if not sees_accounts(user):
        raise PermissionDenied("Your role does not see client accounts.", code="forbidden")
    clients = account_clients_visible_to(user)
    if client_id is not None:
        clients = clients.filter(pk=client_id)
        if not clients.exists():
            raise NotFound("Client not found.")
    if kam_id is not None:
        clients = clients.filter(owner_id=kam_id)
    if team_id is not None:
        clients = clients.filter(owner__team_id=team_id)
    return clients


def aging_for(
    user: User,
    *,
    as_of: dt.date,
    edges: Sequence[int] | None = None,
    dso_days: int | None = None,
    client_id: int | None = None,
    kam_id: int | None = None,
    team_id: int | None = None,
) -> AgingReport:
    """Aging as of ``as_of`` of the clients ``user`` may see."""
    if dso_days is not None and not (1 <= dso_days <= LATE_WINDOW_DAYS):
        raise ValidationFailed(f"dso_days: between 1 and {LATE_WINDOW_DAYS}", field="dso_days")
    clients: QuerySet[Client] | None = receivable_clients_for(
        user, client_id=client_id, kam_id=kam_id, team_id=team_id
    )
    if scope_for(user).all_clients and client_id is None and kam_id is None and team_id is None:
        # Everyone's aging: no client filter at all. "client_id IN (all clients)" would
        # only cost the query its plan.
        clients = None
    return aging_report(clients=clients, as_of=as_of, edges=edges, dso_days=dso_days)


def aging_invoices_for(
    user: User,
    *,
    as_of: dt.date,
    edges: Sequence[int] | None = None,
    bucket: str | None = None,
    client_id: int | None = None,
    kam_id: int | None = None,
    team_id: int | None = None,
) -> list[OpenInvoice]:
    """The invoices behind an aging figure (drill-down), scoped like the report."""
    clients = receivable_clients_for(user, client_id=client_id, kam_id=kam_id, team_id=team_id)
    invoices = Invoice.objects.filter(client__in=clients)
    return open_invoices_as_of(invoices=invoices, as_of=as_of, edges=edges, bucket=bucket)

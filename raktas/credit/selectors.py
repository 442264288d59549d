"""Every read of credit control, limited to what the user may see.

Credit data is part of the client's account: whoever sees the account (the book's
KAMs, deputy and head, finance, the director; ``account_clients_visible_to``) sees
it; the order desk and the administrator do not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from raktas.clients.models import Client
from raktas.core.exceptions import NotFound
from raktas.credit.models import CreditHold, CreditScore, OverrideRequest, OverrideStatus
from raktas.ledger.selectors import account_clients_visible_to
from raktas.org.models import Role, User


def get_credit_client_for(user: User, pk: int) -> Client:
    """A client whose account (and so credit) the user may see; 404 otherwise."""
    client = account_clients_visible_to(user).select_related("owner").filter(pk=pk).first()
    if client is None:
        raise NotFound("Client not found.")
    return client


def overrides_visible_to(user: User) -> QuerySet[OverrideRequest]:
    return OverrideRequest.objects.filter(client__in=account_clients_visible_to(user))


def overrides_to_decide(user: User) -> QuerySet[OverrideRequest]:
    """Pending requests ``user`` may approve or reject: all for the director; for a
    head of sales those of their teams' clients that they did not make themselves."""
    pending = overrides_visible_to(user).filter(status=OverrideStatus.PENDING)
    if user.has_role(Role.DIRECTOR):
        return pending
    if user.has_role(Role.HEAD_OF_SALES):
        return pending.filter(client__owner__team__head=user).exclude(requested_by=user)
    return pending.none()


def get_override_for(user: User, pk: int) -> OverrideRequest:
    override = (
        overrides_visible_to(user)
        .select_related("order", "client__owner__team", "requested_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if override is None:
        raise NotFound("Override request not found.")
    return override


def holds_visible_to(user: User) -> QuerySet[CreditHold]:
    return CreditHold.objects.filter(client__in=account_clients_visible_to(user))


def get_hold_for(user: User, pk: int) -> CreditHold:
    hold = holds_visible_to(user).select_related("client").filter(pk=pk).first()
    if hold is None:
        raise NotFound("Credit hold not found.")
    return hold


def active_holds(client: Client) -> QuerySet[CreditHold]:
    return CreditHold.objects.filter(client=client, lifted_at__isnull=True).order_by("set_at")


def scores_visible_to(user: User) -> QuerySet[CreditScore]:
    return CreditScore.objects.filter(client__in=account_clients_visible_to(user))


def low_grades_visible_to(user: User) -> QuerySet[CreditScore]:
    """Clients graded D or E, worst first (for the Today and finance pages)."""
    return (
        scores_visible_to(user)
        .filter(Q(grade="D") | Q(grade="E"))
        .select_related("client")
        .order_by("score", "client_id")
    )

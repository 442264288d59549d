"""Every read of credit control, limited to what the user may see.

Credit data is part of the client's account: whoever sees the account (the book's
KAMs, deputy and head, finance, the director; ``account_clients_visible_to``) sees
it; the order desk and the administrator do not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from raktas.clients.models import Client
from raktas.clients.selectors import account_clients_visible_to
from raktas.core.exceptions import NotFound
from raktas.credit.models import CreditHold, CreditScore, OverrideRequest, OverrideStatus
from raktas.org.access import decides_for_q
from raktas.org.models import Role, User


def overrides_visible_to(user: User) -> QuerySet[OverrideRequest]:
    return OverrideRequest.objects.filter(client__in=account_clients_visible_to(user))


def overrides_to_decide(user: User) -> QuerySet[OverrideRequest]:
    """Pending requests ``user`` may approve or reject (``may_decide_override``): those
    of the clients they decide for (``decides_for``), not made by themselves unless
    they are the director."""
    pending = overrides_visible_to(user).filter(
        decides_for_q(user, prefix="client__"), status=OverrideStatus.PENDING
    )
    if user.has_role(Role.DIRECTOR):
        return pending
    return pending.exclude(requested_by=user)


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

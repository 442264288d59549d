"""Who may see and change what — decided here and nowhere else.

Every selector (``clients_visible_to``, ``orders_visible_to`` …) starts from the
``Scope`` computed here, and every service asks ``require`` before it writes. The
rules (DESIGN.md, "Who uses it"):

* KAM: own clients and the clients of colleagues who delegated to them *today*.
* Head of sales: the clients owned by the KAMs of the teams they head.
* Commercial director and finance: all clients.
* Order desk: orders submitted to it and the clients on those orders.
* Administrator: users and settings only — no business data unless also given a
  business role.

Cost and margin are hidden from the order desk, and from finance unless granted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from raktas.core.exceptions import PermissionDenied
from raktas.org.models import Delegation, Role, Team, User


@dataclass(frozen=True)
class Scope:
    """What one user may see, as of one day."""

    all_clients: bool
    # Owners whose clients the user sees (own, delegated, team).
    kam_ids: frozenset[int]
    # Owners whose clients the user may also change. Subset of kam_ids.
    writable_kam_ids: frozenset[int]
    # Order desk: sees submitted orders and their clients.
    desk: bool
    sees_margin: bool

    @property
    def sees_nothing(self) -> bool:
        return not (self.all_clients or self.kam_ids or self.desk)


def today() -> dt.date:
    return timezone.localdate()


def delegators_of(user: User, on: dt.date) -> set[int]:
    """KAMs whose clients ``user`` deputises for on ``on``."""
    return set(
        Delegation.objects.filter(
            deputy=user, starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True
        ).values_list("kam_id", flat=True)
    )


def compute_scope(user: User, on: dt.date | None = None) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(False, frozenset(), frozenset(), False, False)
    on = on or today()
    roles = user.roles
    all_clients = bool(roles & {Role.DIRECTOR, Role.FINANCE})
    kam_ids: set[int] = set()
    writable: set[int] = set()
    if Role.KAM in roles:
        own = {user.pk} | delegators_of(user, on)
        kam_ids |= own
        writable |= own
    if Role.HEAD_OF_SALES in roles:
        team_kams = set(
            User.objects.filter(Q(team__head=user) | Q(pk=user.pk)).values_list("pk", flat=True)
        )
        kam_ids |= team_kams
        writable |= team_kams
    sees_margin = bool(roles & {Role.DIRECTOR, Role.HEAD_OF_SALES, Role.KAM}) or (
        Role.FINANCE in roles and user.margin_access
    )
    return Scope(
        all_clients=all_clients,
        kam_ids=frozenset(kam_ids),
        writable_kam_ids=frozenset(writable),
        desk=Role.ORDER_DESK in roles,
        sees_margin=sees_margin,
    )


def scope_for(user: User) -> Scope:
    """The user's scope for today, cached on the user object for one request."""
    cached: Scope | None = getattr(user, "_raktas_scope", None)
    if cached is None:
        cached = compute_scope(user)
        user._raktas_scope = cached  # type: ignore[attr-defined]
    return cached


class Action(StrEnum):
    CLIENT_CREATE = "client.create"
    CLIENT_CHANGE = "client.change"
    CLIENT_CREDIT = "client.credit"  # credit limit and payment terms
    CLIENT_REASSIGN = "client.reassign"  # change the owner KAM
    CATALOG_CHANGE = "catalog.change"
    ORDER_WRITE = "order.write"  # create, edit lines, submit, cancel a draft
    ORDER_HANDLE = "order.handle"  # confirm, return, ship, refuse (order desk)
    ORDER_INVOICE = "order.invoice"
    LEDGER_WRITE = "ledger.write"  # payments, allocations, credit notes
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"


# Role-level rights. Client-level rights (whose client) are checked on top by
# ``can_change_client``.
_ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.CLIENT_CREATE: frozenset({Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR}),
    Action.CLIENT_CHANGE: frozenset({Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR}),
    Action.CLIENT_CREDIT: frozenset({Role.FINANCE, Role.DIRECTOR}),
    Action.CLIENT_REASSIGN: frozenset({Role.HEAD_OF_SALES, Role.DIRECTOR}),
    Action.CATALOG_CHANGE: frozenset({Role.DIRECTOR}),
    Action.ORDER_WRITE: frozenset({Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR}),
    Action.ORDER_HANDLE: frozenset({Role.ORDER_DESK, Role.DIRECTOR}),
    Action.ORDER_INVOICE: frozenset({Role.ORDER_DESK, Role.FINANCE, Role.DIRECTOR}),
    Action.LEDGER_WRITE: frozenset({Role.FINANCE, Role.DIRECTOR}),
    Action.AUDIT_READ: frozenset({Role.DIRECTOR}),
    Action.USERS_MANAGE: frozenset({Role.ADMIN}),
}

# Actions that act on one client's book: the role alone is not enough, the user
# must also hold that client (own, delegated, team; the director holds all).
_CLIENT_BOUND = frozenset({Action.CLIENT_CHANGE, Action.ORDER_WRITE, Action.CLIENT_REASSIGN})


def has_right(user: User, action: Action) -> bool:
    return bool(user.roles & _ACTION_ROLES[action])


def holds_client_owner(user: User, owner_id: int) -> bool:
    if user.has_role(Role.DIRECTOR):
        return True
    return owner_id in scope_for(user).writable_kam_ids


def require(user: User, action: Action, *, owner_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may do ``action``.

    For client-bound actions pass the client's ``owner_id``. The caller has already
    fetched the object through a visibility selector, so a refusal here is a 403
    (seen but not changeable), never a leak.
    """
    if not has_right(user, action):
        raise PermissionDenied(f"Your role may not do this ({action}).", code="forbidden")
    if action in _CLIENT_BOUND:
        if owner_id is None:
            raise ValueError(f"{action} needs the client's owner_id")
        if not holds_client_owner(user, owner_id):
            raise PermissionDenied("This client is not in your book.", code="not_your_client")


# --- Access concepts ------------------------------------------------------------------
#
# One function per concept. Pages, the API, exports, template tags and the navigation
# ask these; no other module tests roles to decide who sees, works on or decides what.
# (What a role may *change* is ``require``/``has_right`` above.)


def sees_margin(user: User) -> bool:
    """Cost and margin: the KAMs, heads of sales and the director; finance only when
    granted (``User.margin_access``); never the order desk."""
    return scope_for(user).sees_margin


def sees_book(user: User) -> bool:
    """Whether the user sees any clients at all (the client and order lists): a book
    (own, delegated, team), all clients, or the order desk's. Not the administrator
    without a business role."""
    return not scope_for(user).sees_nothing


def sees_accounts(user: User) -> bool:
    """Whether the user sees clients' *accounts* — balance, open and overdue amounts,
    payments, credit notes, credit and collection — of any client: the holders of a
    book (KAM, deputy, head of sales) and those who see all (director, finance). The
    order desk sees the invoices of the orders it handled, not what anyone owes."""
    scope = scope_for(user)
    return scope.all_clients or bool(scope.kam_ids)


def sees_account(user: User, client: Any) -> bool:
    """Whether the user sees this (visible) client's account; see ``sees_accounts``.
    Decided from the scope, without a query: ``client`` needs only ``owner_id``."""
    scope = scope_for(user)
    return scope.all_clients or client.owner_id in scope.kam_ids


def account_q(user: User, *, prefix: str = "") -> Q:
    """The rows (clients, or rows with a client under ``prefix``, e.g. ``"client__"``)
    whose client's account the user sees: ``sees_account`` as a query condition."""
    scope = scope_for(user)
    if scope.all_clients:
        return Q()
    if not scope.kam_ids:
        return Q(pk__in=[])
    return Q(**{f"{prefix}owner_id__in": scope.kam_ids})


def decides_for(user: User, client: Any) -> bool:
    """Whether the user decides for this client's book (credit overrides, tier
    proposals, unusual discounts): the head of sales of the team of the client's owner,
    or the commercial director. ``client`` needs ``owner`` with its ``team``."""
    if user.has_role(Role.DIRECTOR):
        return True
    if not user.has_role(Role.HEAD_OF_SALES) or client.owner_id is None:
        return False
    team = client.owner.team
    return team is not None and team.head_id == user.pk


def decides_for_q(user: User, *, prefix: str = "") -> Q:
    """``decides_for`` as a query condition on clients (or rows under ``prefix``)."""
    if user.has_role(Role.DIRECTOR):
        return Q()
    if not user.has_role(Role.HEAD_OF_SALES):
        return Q(pk__in=[])
    return Q(**{f"{prefix}owner__team__head": user})


def works_debt(user: User, client: Any) -> bool:
    """Record promises to pay and close collection tasks of this client: its book's
    holders (owner, deputy, head, director) and finance."""
    return user.has_role(Role.FINANCE) or holds_client_owner(user, client.owner_id)


def changes_credit(user: User) -> bool:
    """Set credit limits and payment terms, set and lift credit holds: finance and the
    director."""
    return has_right(user, Action.CLIENT_CREDIT)


def does_bank_work(user: User) -> bool:
    """Import bank files and place their entries (which show payers of every client):
    finance and the director."""
    return has_right(user, Action.LEDGER_WRITE)


def sees_analytics(user: User) -> bool:
    """Key-client analytics (Pareto, ABC/XYZ, value, churn, suggestions), each figure
    within the user's scope: KAMs, heads of sales, the director and finance. Not the
    order desk, whose scope is orders, nor the administrator."""
    return user.has_role(Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR, Role.FINANCE)


def works_today(user: User) -> bool:
    """The Today page: a book's orders, debts and alerts, and the decisions waiting for
    a head of sales or the director."""
    return user.has_role(Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR)


def leads_team(user: User) -> bool:
    """The Team page: the heads of sales (their teams) and the director (every team)."""
    return user.has_role(Role.HEAD_OF_SALES, Role.DIRECTOR)


def led_teams(user: User) -> QuerySet[Team]:
    """The teams whose KAMs the user leads: every team for the director, the teams they
    head for a head of sales, none for anyone else."""
    if user.has_role(Role.DIRECTOR):
        return Team.objects.all()
    if user.has_role(Role.HEAD_OF_SALES):
        return Team.objects.filter(head=user)
    return Team.objects.none()


def leads_every_team(user: User) -> bool:
    """The director leads every team, and the KAMs who belong to none."""
    return user.has_role(Role.DIRECTOR)


def takes_orders(user: User) -> bool:
    """Create and edit draft orders (for clients in the user's book)."""
    return has_right(user, Action.ORDER_WRITE)


def may_order_for(user: User, client: Any) -> bool:
    """Start an order for this client: the right, and the client in the user's book."""
    return takes_orders(user) and holds_client_owner(user, client.owner_id)


def handles_orders(user: User) -> bool:
    """The order desk's work: the queue, confirm, return, ship, refuse."""
    return has_right(user, Action.ORDER_HANDLE)


def may_own_clients(user: User) -> bool:
    """Whether a user can hold a book of clients: a KAM or a head of sales."""
    return user.has_role(Role.KAM, Role.HEAD_OF_SALES)


def sets_company_rules(user: User) -> bool:
    """The company's commercial rules (dunning levels, and the rules that later
    capabilities add): the commercial director."""
    return user.has_role(Role.DIRECTOR)


def reads_audit(user: User) -> bool:
    """The audit log: the commercial director."""
    return has_right(user, Action.AUDIT_READ)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that ``login_required`` has let through, typed as ours."""
    user = request.user
    assert isinstance(user, User)  # login_required guarantees it
    return user

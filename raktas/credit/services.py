"""Credit control: the exposure rule that admits or refuses an order, override
requests and their decisions, and credit holds.

The rule (docs/credit.md): an order is admitted when, counting it,

* the client is not blocked and has no active credit hold (stop shipments, legal);
* no debt is overdue past ``CREDIT_OVERDUE_GRACE_DAYS``;
* exposure + the order's gross ≤ the credit limit, where exposure = open balance
  (invoices − payments − credit notes, gross) + the gross of orders submitted,
  confirmed or shipped but not yet invoiced. A limit of 0 grants no credit.

A refusal raises ``CreditRefused`` and opens an ``OverrideRequest``; the head of sales
of the client's team or the commercial director decides it. Approval submits the
order at once, so the override admits exactly that order, for that amount, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from raktas.audit.services import record, snapshot
from raktas.clients.models import Client, ClientStatus
from raktas.clients.timeline import timeline_add
from raktas.core.exceptions import Conflict, DomainError, PermissionDenied, ValidationFailed
from raktas.core.formatting import money
from raktas.core.messages import money_param, order_param
from raktas.core.money import ZERO, q2
from raktas.credit.models import (
    CreditHold,
    HoldKind,
    OverrideRequest,
    OverrideStatus,
    RefusalCode,
)
from raktas.ledger.models import Invoice
from raktas.ledger.selectors import client_balance
from raktas.orders.models import OPEN_EXPOSURE_STATUSES, Order, OrderStatus
from raktas.orders.services import order_submit
from raktas.org.access import changes_credit, decides_for, today
from raktas.org.models import Role, User

OVERRIDE_AUDIT_FIELDS = (
    "order",
    "client",
    "reason",
    "order_amount",
    "exposure",
    "credit_limit",
    "overdue_amount",
    "status",
    "decided_by",
    "decision_reason",
)


# --- the rule -----------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """What a client owes and has on order now, against their limit (gross amounts)."""

    client_id: int
    currency: str
    credit_limit: Decimal
    balance: Decimal
    open_orders: Decimal
    overdue: Decimal
    overdue_past_grace: Decimal
    grace_days: int
    blocked: bool
    holds: tuple[str, ...]

    @property
    def exposure(self) -> Decimal:
        return self.balance + self.open_orders

    @property
    def headroom(self) -> Decimal:
        """How much more may be ordered now; never below zero."""
        return max(self.credit_limit - self.exposure, ZERO)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def grace_days() -> int:
    return int(settings.CREDIT_OVERDUE_GRACE_DAYS)


def _sum(qs: Any, name: str) -> Decimal:
    value: Decimal | None = qs.aggregate(s=Sum(name))["s"]
    # SQLite sums decimals to a bare "30"; amounts are shown with cents.
    return q2(value) if value is not None else ZERO


def exposure_of(client: Client, *, on: dt.date | None = None) -> Exposure:
    """The client's exposure as of ``on`` (today). No scope check: callers fetch the
    client through a visibility selector first."""
    day = on or today()
    grace = grace_days()
    # The ledger's own definition of the balance (invoices − payments − credit notes,
    # and whatever else the ledger counts), so credit control never disagrees with it.
    balance = q2(client_balance(client, as_of=day)["balance"])
    open_orders = _sum(
        Order.objects.filter(client_id=client.pk, status__in=OPEN_EXPOSURE_STATUSES),
        "gross_total",
    )
    open_invoices = Invoice.objects.filter(client_id=client.pk, open_amount__gt=0)
    overdue = _sum(open_invoices.filter(due_date__lt=day), "open_amount")
    past_grace = _sum(
        open_invoices.filter(due_date__lt=day - dt.timedelta(days=grace)), "open_amount"
    )
    # Payments not yet allocated and credit notes against no invoice still reduce what
    # is owed: overdue debt is never more than the balance itself.
    cap = max(balance, ZERO)
    holds = tuple(
        CreditHold.objects.filter(client_id=client.pk, lifted_at__isnull=True)
        .order_by("kind")
        .values_list("kind", flat=True)
    )
    return Exposure(
        client_id=client.pk,
        currency=client.currency,
        credit_limit=client.credit_limit,
        balance=balance,
        open_orders=open_orders,
        overdue=min(overdue, cap),
        overdue_past_grace=min(past_grace, cap),
        grace_days=grace,
        blocked=client.status == ClientStatus.BLOCKED,
        holds=holds,
    )


def refusals_for(exposure: Exposure, amount: Decimal) -> list[Refusal]:
    """Every reason the rule refuses an order of ``amount`` (gross), worst first."""
    cur = exposure.currency
    out: list[Refusal] = []
    if exposure.blocked:
        out.append(Refusal(RefusalCode.BLOCKED, "The client is blocked."))
    for kind in exposure.holds:
        label = HoldKind(kind).label
        out.append(Refusal(RefusalCode.STOP_SHIPMENTS, f"Shipments are stopped ({label})."))
    if exposure.overdue_past_grace > 0:
        out.append(
            Refusal(
                RefusalCode.OVERDUE,
                f"{exposure.overdue_past_grace} {cur} is overdue by more than "
                f"{exposure.grace_days} days.",
            )
        )
    after = exposure.exposure + amount
    if after > exposure.credit_limit:
        out.append(
            Refusal(
                RefusalCode.CREDIT_LIMIT,
                f"Exposure {exposure.exposure} + this order {amount} = {after} {cur} "
                f"is over the credit limit {exposure.credit_limit} {cur} "
                f"by {after - exposure.credit_limit} {cur}.",
            )
        )
    return out


class CreditRefused(DomainError):
    """The credit check refused an order. ``code`` is the main reason
    (``RefusalCode``); ``reasons`` lists them all. An override request is opened for it."""

    status = 409

    def __init__(self, *, order: Order, exposure: Exposure, refusals: list[Refusal]):
        self.order = order
        self.exposure = exposure
        self.refusals = refusals
        self.override: OverrideRequest | None = None
        text = " ".join(r.message for r in refusals)
        super().__init__(
            f"Refused by credit control: {text}", code=refusals[0].code, field="client"
        )

    def user_message(self) -> str:
        """The credit check's reasons with the figures, in the reader's language."""
        exposure = self.exposure
        cur = exposure.currency
        parts = [_("Credit control refused the order.")]
        for refusal in self.refusals:
            if refusal.code == RefusalCode.BLOCKED:
                parts.append(_("The client is blocked."))
            elif refusal.code == RefusalCode.STOP_SHIPMENTS:
                parts.append(_("Shipments to this client are stopped."))
            elif refusal.code == RefusalCode.OVERDUE:
                parts.append(
                    _("%(amount)s is overdue by more than %(days)s days.")
                    % {
                        "amount": money(exposure.overdue_past_grace, cur),
                        "days": exposure.grace_days,
                    }
                )
            elif refusal.code == RefusalCode.CREDIT_LIMIT:
                after = exposure.exposure + self.order.gross_total
                parts.append(
                    _(
                        "Exposure %(exposure)s with this order %(order)s would be over the "
                        "credit limit %(limit)s by %(over)s."
                    )
                    % {
                        "exposure": money(exposure.exposure, cur),
                        "order": money(self.order.gross_total, cur),
                        "limit": money(exposure.credit_limit, cur),
                        "over": money(after - exposure.credit_limit, cur),
                    }
                )
        if self.override is not None:
            parts.append(
                _(
                    "Override request #%(number)s is waiting for the head of sales or the "
                    "commercial director."
                )
                % {"number": self.override.pk}
            )
        return " ".join(parts)

    def note_override(self, override: OverrideRequest) -> None:
        self.override = override
        self.message = (
            f"{self.message} Override request #{override.pk} is waiting for the head "
            "of sales or the commercial director."
        )
        self.args = (self.message,)


def _lock_client(client_id: int) -> Client:
    # Lock what the rule reads before anything is written on it. On PostgreSQL two
    # submits for one client would otherwise both read the same exposure (READ
    # COMMITTED), both pass, and together exceed the limit; FOR UPDATE on the client
    # row makes the second wait until the first commits, and its reads then see the
    # first order. payment_record and client_update take the same lock. On SQLite
    # select_for_update is a no-op: the IMMEDIATE transaction (settings.py) already
    # holds the database's single write lock from BEGIN, so no other writer can run
    # between this read and the order's write.
    return Client.objects.select_for_update().get(pk=client_id)


def admit_order(*, order: Order, by: User) -> None:
    """Admit ``order`` under credit control, or raise ``CreditRefused``.

    Runs inside the transaction that moves the order to submitted: ``order_submit``
    publishes ``OrderSubmitting`` and this app's handler calls it, so the check and the
    admission commit together or not at all.
    """
    client = _lock_client(order.client_id)
    approved = (
        OverrideRequest.objects.select_for_update()
        .filter(order=order, status=OverrideStatus.APPROVED, admitted_at__isnull=True)
        .order_by("-decided_at", "-id")
        .first()
    )
    if approved is not None and order.gross_total <= approved.order_amount:
        approved.admitted_at = timezone.now()
        approved.save(update_fields=["admitted_at"])
        record(
            actor=by,
            action="credit.admit_override",
            obj=approved,
            after={"order": order.pk, "order_amount": str(order.gross_total)},
        )
        return
    exposure = exposure_of(client)
    refusals = refusals_for(exposure, order.gross_total)
    if refusals:
        refusal = CreditRefused(order=order, exposure=exposure, refusals=refusals)
        # The request must survive the refused submission's rollback: the submitting
        # service runs this afterwards in a transaction of its own
        # (raktas.core.services.refusals_recorded).
        refusal.after_rollback.append(
            lambda: refusal.note_override(override_open(refusal=refusal, by=by))
        )
        raise refusal


@transaction.atomic
def override_open(*, refusal: CreditRefused, by: User) -> OverrideRequest:
    """Record the refusal as a pending override request (one per order: a second
    refusal of the same order refreshes the figures of the pending request)."""
    order = Order.objects.select_for_update().get(pk=refusal.order.pk)
    exposure = refusal.exposure
    values = {
        "client_id": order.client_id,
        "reason": refusal.refusals[0].code,
        "reasons": [{"code": r.code, "message": r.message} for r in refusal.refusals],
        "order_amount": order.gross_total,
        "exposure": exposure.exposure,
        "credit_limit": exposure.credit_limit,
        "overdue_amount": exposure.overdue_past_grace,
        "requested_by": by,
        "requested_at": timezone.now(),
    }
    override = OverrideRequest.objects.filter(order=order, status=OverrideStatus.PENDING).first()
    action = "credit.override_refresh"
    if override is None:
        override = OverrideRequest(order=order)
        action = "credit.override_request"
    for name, value in values.items():
        setattr(override, name, value)
    override.save()
    record(
        actor=by,
        action=action,
        obj=override,
        after=snapshot(override, OVERRIDE_AUDIT_FIELDS),
    )
    if action == "credit.override_request":
        timeline_add(
            client_id=order.client_id,
            kind="override_requested",
            message=gettext_noop(
                "Order %(order)s (%(amount)s) refused by credit control: %(reason)s. "
                "Override requested by %(by)s."
            ),
            params={
                "order": order_param(order),
                "amount": money_param(order.gross_total, order.currency),
                "reason": {"refusal": refusal.refusals[0].code},
                "by": by.get_full_name() or by.get_username(),
            },
            link=f"/api/v1/credit/overrides/{override.pk}",
            actor=by,
        )
    return override


def may_decide_override(user: User, override: OverrideRequest) -> bool:
    """Whoever decides for the client (``decides_for``: the head of sales of the team
    of the client's owner, or the commercial director). Nobody but the director
    decides a request they made themselves (four eyes)."""
    if not decides_for(user, override.client):
        return False
    return override.requested_by_id != user.pk or user.has_role(Role.DIRECTOR)


def _decision(by: User, override_pk: int, reason: str) -> OverrideRequest:
    override = (
        OverrideRequest.objects.select_for_update(of=("self",))
        .select_related("client__owner__team", "order")
        .get(pk=override_pk)
    )
    if not may_decide_override(by, override):
        raise PermissionDenied(
            "Only the head of sales of the client's team or the commercial director "
            "decides this request, and not the person who made it.",
            code="not_your_override",
        )
    if override.status != OverrideStatus.PENDING:
        raise Conflict(
            f"This request was already {override.get_status_display().lower()}.",
            code="override_decided",
            field="status",
        )
    if not reason.strip():
        raise ValidationFailed("reason: say why", field="reason")
    return override


def _decide(override: OverrideRequest, by: User, status: str, reason: str) -> None:
    before = snapshot(override, OVERRIDE_AUDIT_FIELDS)
    override.status = status
    override.decided_by = by
    override.decided_at = timezone.now()
    override.decision_reason = reason.strip()
    override.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(
        actor=by,
        action=f"credit.override_{status}",
        obj=override,
        before=before,
        after=snapshot(override, OVERRIDE_AUDIT_FIELDS),
    )
    timeline_add(
        client_id=override.client_id,
        kind="override_decided",
        message=gettext_noop(
            "Credit override #%(id)s for order %(order)s approved by %(by)s: %(reason)s"
        )
        if status == OverrideStatus.APPROVED
        else gettext_noop(
            "Credit override #%(id)s for order %(order)s rejected by %(by)s: %(reason)s"
        ),
        params={
            "id": override.pk,
            "order": order_param(override.order),
            "by": by.get_full_name() or by.get_username(),
            "reason": override.decision_reason,
        },
        link=f"/api/v1/credit/overrides/{override.pk}",
        actor=by,
    )


@transaction.atomic
def override_approve(*, by: User, override: OverrideRequest, reason: str) -> OverrideRequest:
    """Approve a pending request and submit its order now, past the credit check.

    The order must still be the draft that was refused, for the same amount: if it
    changed, the request is refused with ``order_changed`` and the KAM submits again.
    """
    # Lock order first, then request: the order a submission and override_open lock
    # in that order too, so the two never wait on each other in a cycle.
    order = Order.objects.select_for_update().get(pk=override.order_id)
    override = _decision(by, override.pk, reason)
    if order.status != OrderStatus.DRAFT:
        raise Conflict(
            f"Order {order} is {order.get_status_display().lower()}, no longer a draft "
            "waiting for credit.",
            code="order_changed",
            field="order",
        )
    if order.gross_total != override.order_amount:
        raise Conflict(
            f"Order {order} is now {order.gross_total}, not the {override.order_amount} "
            "that was refused; the KAM must submit it again.",
            code="order_changed",
            field="order",
        )
    _decide(override, by, OverrideStatus.APPROVED, reason)
    order_submit(by=by, order=order)
    override.refresh_from_db()
    return override


@transaction.atomic
def override_reject(*, by: User, override: OverrideRequest, reason: str) -> OverrideRequest:
    """Reject a pending request; the order stays a draft with its KAM."""
    Order.objects.select_for_update().get(pk=override.order_id)  # same lock order as approve
    override = _decision(by, override.pk, reason)
    _decide(override, by, OverrideStatus.REJECTED, reason)
    return override


# --- credit holds -----------------------------------------------------------------


HOLD_AUDIT_FIELDS = ("client", "kind", "reason", "dunning_level", "lifted_at", "lift_reason")


@transaction.atomic
def credit_hold_set(
    *,
    client: Client,
    kind: str,
    reason: str,
    by: User | None = None,
    dunning_level_id: int | None = None,
) -> CreditHold:
    """Stop new orders for ``client`` (idempotent: an active hold of that kind stays)."""
    if kind not in HoldKind.values:
        raise ValidationFailed(f"kind: must be one of {', '.join(HoldKind.values)}", field="kind")
    if by is not None and not changes_credit(by):
        raise PermissionDenied("Only finance or the director set credit holds.")
    _lock_client(client.pk)
    existing = CreditHold.objects.filter(client=client, kind=kind, lifted_at__isnull=True).first()
    if existing is not None:
        return existing
    hold = CreditHold.objects.create(
        client=client,
        kind=kind,
        reason=reason[:255],
        set_by=by,
        dunning_level_id=dunning_level_id,
    )
    record(actor=by, action="credit.hold_set", obj=hold, after=snapshot(hold, HOLD_AUDIT_FIELDS))
    timeline_add(
        client_id=client.pk,
        kind="legal" if kind == HoldKind.LEGAL else "hold_set",
        message=gettext_noop("Handed over to legal: %(reason)s")
        if kind == HoldKind.LEGAL
        else gettext_noop("Shipments stopped: %(reason)s"),
        params={"reason": hold.reason},
        actor=by,
    )
    return hold


@transaction.atomic
def credit_hold_lift(*, hold: CreditHold, reason: str, by: User | None = None) -> CreditHold:
    """Lift a hold: finance or the director by hand, or the collection run (``by=None``)."""
    if by is not None and not changes_credit(by):
        raise PermissionDenied("Only finance or the director lift credit holds.")
    if not reason.strip():
        raise ValidationFailed("reason: say why", field="reason")
    hold = CreditHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise Conflict("This hold was already lifted.", code="hold_lifted")
    before = snapshot(hold, HOLD_AUDIT_FIELDS)
    hold.lifted_at = timezone.now()
    hold.lifted_by = by
    hold.lift_reason = reason.strip()[:255]
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    record(
        actor=by,
        action="credit.hold_lift",
        obj=hold,
        before=before,
        after=snapshot(hold, HOLD_AUDIT_FIELDS),
    )
    timeline_add(
        client_id=hold.client_id,
        kind="hold_lifted",
        message=gettext_noop("Legal handover lifted: %(reason)s")
        if hold.kind == HoldKind.LEGAL
        else gettext_noop("Shipments released: %(reason)s"),
        params={"reason": hold.lift_reason},
        actor=by,
    )
    return hold


def dunning_holds_review(*, as_of: dt.date | None = None) -> int:
    """Lift the holds the dunning run set (``DunningEscalated``) once nothing of the
    client is overdue past the level that set them any more; returns how many were
    lifted. Part of the daily work (``raktas collect``), after the collection run."""
    on = as_of or today()
    lifted = 0
    holds = (
        CreditHold.objects.filter(lifted_at__isnull=True, dunning_level__isnull=False)
        .select_related("dunning_level")
        .order_by("client_id", "id")
    )
    for hold in holds:
        level = hold.dunning_level
        assert level is not None
        cutoff = on - dt.timedelta(days=level.days_overdue)
        still = Invoice.objects.filter(
            client_id=hold.client_id, open_amount__gt=0, due_date__lte=cutoff
        ).exists()
        if not still:
            credit_hold_lift(
                hold=hold, reason=f"nothing is overdue {level.days_overdue}+ days any more"
            )
            lifted += 1
    return lifted

"""Credit control: override requests, credit holds and credit scores.

The rule itself (exposure against the limit, overdue debt, blocked client, stopped
shipments) lives in ``raktas.credit.services``; these tables keep what it decided
and who overrode it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.money import ZERO, MoneyField


class RefusalCode(models.TextChoices):
    """Why the credit check refused an order. Also the ``code`` of ``CreditRefused``."""

    CREDIT_LIMIT = "credit_limit_exceeded", _("Credit limit exceeded")
    OVERDUE = "overdue_debt", _("Debt overdue past the grace period")
    BLOCKED = "client_blocked", _("Client blocked")
    STOP_SHIPMENTS = "stop_shipments", _("Shipments stopped")


class OverrideStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OverrideRequest(models.Model):
    """An order the credit check refused, waiting for the head of sales or the director.

    Approval submits the order at once (``override_approve``): the override admits that
    one order, for ``order_amount``, one time. A later resubmission of the same order
    (after the desk returned it) is checked afresh.
    """

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="overrides")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="credit_overrides"
    )
    reason = models.CharField(_("main reason"), max_length=24, choices=RefusalCode.choices)
    # Every reason the check gave, [{"code": ..., "message": ...}], main one first.
    reasons = models.JSONField(default=list)
    order_amount = MoneyField(_("order amount (gross)"))
    exposure = MoneyField(_("exposure before the order"))
    credit_limit = MoneyField(_("credit limit"))
    overdue_amount = MoneyField(_("overdue past grace"), default=ZERO)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=OverrideStatus.choices, default=OverrideStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # When the approval admitted the order (the override is spent from then on).
    admitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["status", "requested_at"]),
            models.Index(fields=["client", "-requested_at"]),
        ]
        constraints = [
            # One open question per order: submitting again refreshes the pending request.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="one_pending_override"
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="override_decision_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"override #{self.pk} for order {self.order_id} ({self.reason})"


class HoldKind(models.TextChoices):
    STOP_SHIPMENTS = "stop_shipments", _("Stop shipments")
    LEGAL = "legal_handover", _("Handed over to legal")


class CreditHold(models.Model):
    """A flag that stops new orders for a client until it is lifted.

    Set by the daily collection run (dunning levels "stop shipments" and "legal
    handover") or by finance; lifted by finance, the director, or the collection run
    once nothing is overdue past the level that set it.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=16, choices=HoldKind.choices)
    reason = models.CharField(max_length=255)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)
    # The dunning level that set it (None when set by hand); auto-lift looks at it.
    dunning_level = models.ForeignKey(
        "collection.DunningLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_hold_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on client {self.client_id}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class Grade(models.TextChoices):
    A = "A", _("A — excellent")
    B = "B", _("B — good")
    C = "C", _("C — watch")
    D = "D", _("D — weak")
    E = "E", _("E — prepayment only")


class CreditScore(models.Model):
    """The latest score of one client, recomputed nightly and when a payment arrives."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.CASCADE, related_name="credit_score"
    )
    score = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=1, choices=Grade.choices)
    # [{"key", "label", "value", "points", "max_points", "why"}], in display order.
    factors = models.JSONField(default=list)
    suggested_limit = MoneyField()
    # How the suggested limit was reached, in one sentence.
    suggested_limit_why = models.CharField(max_length=255, blank=True)  # in English
    # [message, params] of the why, rendered in the reader's language (credit.scoring).
    suggested_limit_text = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="credit_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.score} ({self.grade})"


class TimelineKind(models.TextChoices):
    """What credit control writes on a client's timeline (``raktas.clients.timeline``)."""

    OVERRIDE_REQUESTED = "override_requested", _("Credit override requested")
    OVERRIDE_DECIDED = "override_decided", _("Credit override decided")
    HOLD_SET = "hold_set", _("Shipments stopped")
    HOLD_LIFTED = "hold_lifted", _("Shipments released")
    LEGAL = "legal", _("Handed over to legal")
    SCORE = "score", _("Credit score changed")

"""Rollups that analytics read instead of order lines, and what analytics decide.

The rollup tables are kept up to date by ``raktas.analytics.rollups`` as invoices,
credit notes, refusals and cancellations post (in the same transaction), and can be
rebuilt from the documents with ``raktas analytics-rebuild``. Revenue is net of VAT;
a credit note lowers revenue (and, by the cost of goods coming back, cost) in the
month it is issued.

Dimension keys that may be "none" (a line without a product category) are stored as
0, not NULL, so that ``INSERT … ON CONFLICT`` on the key finds the row: in SQL two
NULL keys never conflict.

Money in the rollups is kept in whole cents (``BIGINT`` columns named ``…_cents``,
``CentsField``): the ORM still reads and writes Decimals, raw SQL sums integers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.clients.models import Tier
from raktas.core.money import ZERO, CentsField, MoneyField


def cents(column: str) -> CentsField:
    """A money column of a rollup: whole cents in the database (``column`` ends in
    ``_cents``), a Decimal in Python. Integers are summed exactly and fast."""
    return CentsField(default=ZERO, db_column=column)


def quantity_field() -> models.DecimalField:
    return models.DecimalField(max_digits=18, decimal_places=3, default=0)


class ClientMonth(models.Model):
    """One client's month: what was invoiced, credited, refused and cancelled."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    invoiced_net = cents("invoiced_net_cents")
    invoiced_cost = cents("invoiced_cost_cents")
    quantity = quantity_field()
    invoices = models.IntegerField(default=0)
    lines = models.IntegerField(default=0)
    credited_net = cents("credited_net_cents")
    credited_cost = cents("credited_cost_cents")
    returned_net = cents("returned_net_cents")  # credit notes for goods returned
    credit_notes = models.IntegerField(default=0)
    refused_orders = models.IntegerField(default=0)
    refused_net = cents("refused_net_cents")
    cancelled_orders = models.IntegerField(default=0)
    cancelled_net = cents("cancelled_net_cents")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="uniq_rollup_client_month")
        ]
        indexes = [
            # No (month, client) index: SQLite would pick it for the month range and
            # then look up every row. This one covers the ABC/Pareto query: grouped by client in index order, filtered by
            # month and summed without touching the table (no sort, no row lookups).
            models.Index(
                fields=[
                    "client",
                    "month",
                    "invoiced_net",
                    "credited_net",
                    "invoiced_cost",
                    "credited_cost",
                ],
                name="rollup_client_month_abc",
            ),
        ]


class ClientCategoryMonth(models.Model):
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    category_key = models.IntegerField(default=0)  # catalog.Category id, 0 = none
    month = models.DateField()
    net = cents("net_cents")
    cost = cents("cost_cents")
    quantity = quantity_field()
    lines = models.IntegerField(default=0)
    credited_net = cents("credited_net_cents")
    credited_cost = cents("credited_cost_cents")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "category_key", "month"], name="uniq_rollup_client_cat_month"
            )
        ]
        indexes = [models.Index(fields=["category_key", "month"])]


class ProductMonth(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    net = cents("net_cents")
    cost = cents("cost_cents")
    quantity = quantity_field()
    lines = models.IntegerField(default=0)
    # Credit notes against an invoice, spread over its products in proportion to net.
    credited_net = cents("credited_net_cents")
    credited_cost = cents("credited_cost_cents")
    returned_net = cents("returned_net_cents")
    refused_lines = models.IntegerField(default=0)
    refused_net = cents("refused_net_cents")
    refused_quantity = quantity_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "month"], name="uniq_rollup_product_month")
        ]
        indexes = [
            models.Index(
                fields=["product", "month", "net", "cost"], name="rollup_product_month_abc"
            ),
        ]


class ClientDay(models.Model):
    """Purchase days: what BG/NBD counts (several invoices on one day are one purchase)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    net = cents("net_cents")
    cost = cents("cost_cents")
    invoices = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="uniq_rollup_client_day")
        ]


class ReasonKind(models.TextChoices):
    CREDIT = "credit", _("Credit note")
    REFUSAL = "refusal", _("Refusal")
    CANCEL = "cancel", _("Cancellation")


class ReasonMonth(models.Model):
    """Why money came back or orders fell through, per client and month."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=ReasonKind.choices)
    reason = models.CharField(max_length=24, default="")
    count = models.IntegerField(default=0)
    net = cents("net_cents")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "month", "kind", "reason"], name="uniq_rollup_reason_month"
            )
        ]


# --- What analytics decide -------------------------------------------------------------


class ClientValue(models.Model):
    """The latest lifetime-value figures of a client (``analytics_refresh_values``)."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    computed_on = models.DateField()
    repeat_purchases = models.IntegerField(default=0)
    weeks_since_first = models.FloatField(default=0)
    weeks_since_last = models.FloatField(default=0)
    p_alive = models.FloatField()
    expected_orders = models.FloatField()  # over the horizon
    expected_order_net = MoneyField(default=ZERO)
    margin_rate = models.FloatField(default=0)
    expected_margin = MoneyField(default=ZERO)  # over the horizon, undiscounted
    npv = MoneyField(default=ZERO)  # discounted expected margin over the horizon
    # Median days between purchase days, for the order-rhythm alert.
    typical_gap_days = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["p_alive"])]


class ModelFit(models.Model):
    """One fit of the lifetime-value models, kept for the record and the docs page."""

    fitted_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateField()
    clients = models.IntegerField()
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    bgnbd_log_likelihood = models.FloatField()
    p = models.FloatField(null=True)
    q = models.FloatField(null=True)
    gamma = models.FloatField(null=True)
    horizon_months = models.IntegerField()
    annual_rate = models.FloatField()

    class Meta:
        ordering = ["-fitted_at", "-id"]


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class TierProposal(models.Model):
    """A proposed tier with its reasons; the head of sales (or the director) decides."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="tier_proposals"
    )
    current_tier = models.CharField(max_length=10, choices=Tier.choices)
    proposed_tier = models.CharField(max_length=10, choices=Tier.choices)
    reasons = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status="pending"),
                name="one_pending_tier_proposal",
            )
        ]

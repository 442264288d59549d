"""Invoices, payments, allocations and credit notes: the mutual settlement with a client.

A client's balance is always  sum(invoice gross) − sum(payments) − sum(credit note gross).
``Invoice.open_amount`` is kept by the services (gross − allocations − credit notes
against it) so overdue and aging queries need not re-add every allocation; a
property test holds it equal to the recomputed value.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.money import ZERO, MoneyField, PriceField


class Invoice(models.Model):
    number = models.CharField(max_length=32, unique=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice"
    )
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3, default="EUR")
    net_total = MoneyField(default=ZERO)
    vat_total = MoneyField(default=ZERO)
    gross_total = MoneyField(default=ZERO)
    cost_total = MoneyField(default=ZERO)
    open_amount = MoneyField(default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["client", "issue_date"]),
            models.Index(fields=["client", "due_date"]),
            models.Index(fields=["due_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0), name="invoice_open_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(open_amount__lte=models.F("gross_total")), name="invoice_open_le_gross"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit_price = PriceField()
    net = MoneyField()
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat = MoneyField()
    gross = MoneyField()
    cost = MoneyField(default=ZERO)

    class Meta:
        ordering = ["invoice", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="uniq_invoice_line_no")
        ]


class CreditReason(models.TextChoices):
    RETURN = "return", _("Goods returned")
    SHORTAGE = "shortage", _("Shortage")
    DAMAGE = "damage", _("Damaged or misgraded goods")
    PRICE = "price", _("Price correction")
    OTHER = "other", _("Other")


class CreditNote(models.Model):
    """Reduces what the client owes. Against an invoice it also reduces that invoice's open amount."""

    number = models.CharField(max_length=32, unique=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    issue_date = models.DateField()
    reason = models.CharField(max_length=10, choices=CreditReason.choices)
    note = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    net_total = MoneyField()
    vat_total = MoneyField()
    gross_total = MoneyField()
    cost_total = MoneyField(default=ZERO)  # cost of goods coming back, for margin
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["client", "issue_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(gross_total__gt=0), name="credit_note_positive")
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount = MoneyField()
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=140, blank=True)
    allocated_amount = MoneyField(default=ZERO)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["client", "received_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0, allocated_amount__lte=models.F("amount")),
                name="payment_allocated_within_amount",
            ),
        ]

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount


class Allocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="uniq_allocation_pair"),
        ]
        indexes = [models.Index(fields=["invoice"])]

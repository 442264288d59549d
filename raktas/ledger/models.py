"""Invoices, payments, allocations and credit notes: the mutual settlement with a client.

A client's balance is always
    sum(invoice gross) − sum(payments) − sum(credit note gross) + sum(payment reversals).
``Invoice.open_amount`` is kept by the services (gross − live allocations − credit notes
against it) so overdue and aging queries need not re-add every allocation; a
property test holds it equal to the recomputed value.

History: every allocation carries the business date it settled the invoice
(``allocated_on``) and, if its payment bounced, the date it was undone
(``reversed_on``); credit notes carry their issue date. So the open amount of any
invoice on any past day D is

    gross − allocations live on D − credit notes against it issued on or before D

(docs/receivables.md). ``Invoice.settled_on`` only prunes: when set, the invoice was
open 0 on every day from then on. ``first_touched_on`` and ``last_touched_on`` only
shortcut: before the first, the invoice was open its gross; from the last on, its
``open_amount``.
"""

from __future__ import annotations

import datetime as dt
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
    # Once fully settled, the latest business date of anything that touched this
    # invoice (= ``last_touched_on``); NULL while open or unknown. Aging as of D skips
    # invoices settled on or before D without adding up their allocations: NULL is
    # always safe, it only costs the aging query a little more work.
    settled_on = models.DateField(null=True, blank=True)
    # The invoice's history in two dates, so the aging as of D need not add up its
    # allocations and credit notes: the earliest allocated_on or credit-note
    # issue_date against it (``first_touched_on``) and the latest date of anything
    # that touched it — its issue, an allocation, the reversal of one, a credit note
    # (``last_touched_on``). On a day D from ``last_touched_on`` on, it is open its
    # ``open_amount``; on a day before ``first_touched_on``, its whole gross. Only
    # on the days between are its rows added up. NULL (unknown, or no allocation and
    # no credit note yet for ``first_touched_on``) is always safe: the rows are added
    # up. Kept by the ledger services, the importers and the seed (tests/invariants).
    first_touched_on = models.DateField(null=True, blank=True)
    last_touched_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            # Covering indexes for the per-client reads of the client list, Client 360 and
            # the API: revenue since a date (issue date, net) and the account (due date,
            # open amount, gross) are summed from the index alone, without a visit to the
            # table row of each invoice (those random reads were most of the time).
            models.Index(
                fields=["client", "issue_date", "net_total"], name="invoice_client_revenue_idx"
            ),
            models.Index(
                fields=["client", "due_date", "open_amount", "gross_total"],
                name="invoice_client_account_idx",
            ),
            models.Index(fields=["due_date"]),
            # Aging as of D reads "settled_on IS NULL OR settled_on > D" and then only
            # these columns: covering, so it never visits the table rows (random reads
            # that cost more than the whole aging on SQLite). The open amount and the
            # two history dates give most invoices' open amount on D from the index
            # alone; the id is there for the rest (and for PostgreSQL, whose index
            # entries have no rowid): their allocations are looked up by it.
            models.Index(
                fields=[
                    "settled_on",
                    "issue_date",
                    "client",
                    "due_date",
                    "gross_total",
                    "open_amount",
                    "last_touched_on",
                    "first_touched_on",
                    "id",
                ],
                name="invoice_aging_open_idx",
            ),
            # The invoices settled in the aging's late window, client by client: their
            # days late and count add up per client in index order, with no sort.
            models.Index(
                fields=["client", "settled_on", "due_date", "issue_date", "gross_total"],
                name="invoice_client_settled_idx",
            ),
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
        # Covering: revenue (net) and the account (gross) per client from the index alone.
        indexes = [
            models.Index(
                fields=["client", "issue_date", "net_total", "gross_total"],
                name="creditnote_client_idx",
            )
        ]
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
    # The business day its allocations reached its whole amount (the latest
    # ``allocated_on``): from then on none of it is unapplied. NULL while part is
    # unallocated, once reversed, or when unknown (bulk imports); like
    # ``Invoice.settled_on`` it only lets the aging skip rows, so NULL is always safe.
    applied_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        # Covering: a client's payments newest first and their sum (the balance).
        indexes = [
            models.Index(fields=["client", "received_on", "amount"], name="payment_client_idx"),
            # The aging's unapplied money reads only payments not fully applied on D
            # ("applied_on IS NULL OR applied_on > D"): found here, not by a table scan.
            models.Index(
                fields=["applied_on", "received_on", "client", "amount", "id"],
                name="payment_unapplied_idx",
            ),
        ]
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

    @property
    def is_reversed(self) -> bool:
        return hasattr(self, "reversal")


class PaymentReversal(models.Model):
    """A payment undone: it bounced, was returned by the bank, or was booked by mistake.

    The payment row stays (it happened, and the statement shows it); the reversal is a
    debit of the same amount on ``reversed_on``. Its allocations end that day
    (``Allocation.reversed_on``) and the invoices reopen. The reversed payment counts as
    fully used (``allocated_amount = amount``), so nothing can allocate it again.
    """

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="payment_reversals"
    )
    reversed_on = models.DateField()
    amount = MoneyField()
    reason = models.CharField(max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reversed_on", "-id"]
        indexes = [models.Index(fields=["client", "reversed_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reversal_positive"),
        ]


class AllocationManager(models.Manager["Allocation"]):
    def bulk_create(self, objs, *args, **kwargs):
        """Importers write allocations in bulk without a date: give each the date the
        services would (see ``Allocation.default_date``), in two queries."""
        objs = list(objs)
        missing = [a for a in objs if a.allocated_on is None]
        if missing:
            received = dict(
                Payment.objects.filter(pk__in={a.payment_id for a in missing}).values_list(
                    "pk", "received_on"
                )
            )
            issued = dict(
                Invoice.objects.filter(pk__in={a.invoice_id for a in missing}).values_list(
                    "pk", "issue_date"
                )
            )
            for a in missing:
                a.allocated_on = max(received[a.payment_id], issued[a.invoice_id])
        return super().bulk_create(objs, *args, **kwargs)


class Allocation(models.Model):
    """``amount`` of a payment applied to an invoice on the business day ``allocated_on``.

    One row per act of allocating (a payment applied to the same invoice twice on two
    days is two rows), so the open amount on any past day can be recomputed.
    """

    # Indexed by allocation_payment_asof_idx, which leads with it.
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField()
    # The day the money settled the invoice: the payment's received_on when allocated
    # with the payment, the day of allocating when done later, and never before the
    # invoice was issued (a prepayment settles an invoice the day it is issued).
    allocated_on = models.DateField()
    # Set when the payment was reversed: the allocation no longer counts from that day.
    reversed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AllocationManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.CheckConstraint(
                condition=Q(reversed_on__isnull=True)
                | Q(reversed_on__gte=models.F("allocated_on")),
                name="allocation_reversed_after_allocated",
            ),
        ]
        indexes = [
            models.Index(fields=["invoice"]),
            # Covers the aging subquery "allocations of invoice X live on day D".
            models.Index(
                fields=["invoice", "allocated_on", "reversed_on", "amount"],
                name="allocation_asof_idx",
            ),
            # The same for the unapplied money: "allocations of payment X live on D"
            # from the index alone (it replaces the plain index of the foreign key).
            models.Index(
                fields=["payment", "allocated_on", "reversed_on", "amount"],
                name="allocation_payment_asof_idx",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.allocated_on is None:
            self.allocated_on = self.default_date(self.payment, self.invoice)
        super().save(*args, **kwargs)

    @staticmethod
    def default_date(payment: Payment, invoice: Invoice) -> dt.date:
        return max(payment.received_on, invoice.issue_date)

"""Orders: the KAM drafts, the order desk confirms, the warehouse ships, finance invoices."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.exceptions import IllegalTransition
from raktas.core.money import ZERO, MoneyField, PriceField


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Refused")


class RefusalReason(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    PRICE = "price", _("Price not accepted")
    CREDIT = "credit", _("Credit hold")
    DELIVERY_DATE = "delivery_date", _("Delivery date not acceptable")
    CLIENT_CHANGED_MIND = "client_changed_mind", _("Client changed their mind")
    DUPLICATE = "duplicate", _("Duplicate order")
    QUALITY = "quality", _("Quality concerns")
    OTHER = "other", _("Other")


# The only moves an order may make. Everything else is refused (IllegalTransition).
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.SUBMITTED, OrderStatus.CANCELLED}),
    OrderStatus.SUBMITTED: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.REFUSED}
    ),
    OrderStatus.CONFIRMED: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUSED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.INVOICED}),
    OrderStatus.INVOICED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUSED: frozenset(),
}

# Orders that count against a client's credit: admitted but not yet invoiced.
OPEN_EXPOSURE_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)


class Order(models.Model):
    number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="orders")
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_taken"
    )
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT, db_index=True
    )
    order_date = models.DateField(default=timezone.localdate)
    currency = models.CharField(max_length=3, default="EUR")
    price_column = models.ForeignKey(
        "catalog.PriceColumn", on_delete=models.PROTECT, related_name="+"
    )
    client_reference = models.CharField(_("client's PO reference"), max_length=64, blank=True)
    note = models.TextField(blank=True)
    net_total = MoneyField(default=ZERO)
    vat_total = MoneyField(default=ZERO)
    gross_total = MoneyField(default=ZERO)
    cost_total = MoneyField(default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    invoiced_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled or refused
    refusal_reason = models.CharField(max_length=24, choices=RefusalReason.choices, blank=True)
    # The last comment that came with a move: why it was returned, cancelled or refused.
    status_comment = models.TextField(blank=True)
    returned_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-order_date"]),
            models.Index(fields=["status", "submitted_at", "id"]),
            models.Index(fields=["kam", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="refused_order_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk}"

    @property
    def margin(self) -> Decimal:
        return self.net_total - self.cost_total

    @property
    def is_editable(self) -> bool:
        return self.status == OrderStatus.DRAFT

    def move_to(self, target: str) -> None:
        """Change status if the move is legal, else raise ``IllegalTransition``."""
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"An order that is {self.get_status_display()} cannot become {OrderStatus(target).label}.",
                code="illegal_transition",
                field="status",
            )
        self.status = target


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    list_price = PriceField()  # the client's column price when added
    discount_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    net = MoneyField()
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat = MoneyField()
    gross = MoneyField()
    unit_cost = PriceField(default=Decimal("0"))

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="uniq_order_line_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0, discount_pct__lte=100),
                name="order_line_discount_range",
            ),
        ]
        indexes = [models.Index(fields=["product"])]

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity

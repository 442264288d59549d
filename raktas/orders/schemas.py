"""Input and output schemas of the orders API. Cost and margin are ``margin_fields``:
absent from the JSON for those who may not see them (the order desk, finance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out, Percent, Quantity, UnitPrice, UserRef
from raktas.catalog.schemas import ProductRef
from raktas.clients.schemas import ClientRef
from raktas.ledger.models import Invoice
from raktas.orders.models import OrderStatus, RefusalReason

_MARGIN_NOTE = "present only for users who may see cost and margin"


class ColumnBrief(Out):
    id: int
    code: str
    name: str


class OrderLineOut(Out):
    margin_fields: ClassVar[frozenset[str]] = frozenset({"unit_cost", "cost", "margin"})

    id: int
    line_no: int
    product: ProductRef
    quantity: Quantity
    list_price: UnitPrice = Field(..., description="The client's column price when added")
    discount_pct: Percent
    net: Money
    vat_rate: Percent
    vat: Money
    gross: Money
    unit_cost: UnitPrice | None = Field(None, description=_MARGIN_NOTE)
    cost: Money | None = Field(None, description=_MARGIN_NOTE)
    margin: Money | None = Field(None, description=_MARGIN_NOTE)

    @staticmethod
    def resolve_margin(obj: Any) -> Decimal:
        return Decimal(obj.net) - obj.cost


class OrderOut(Out):
    margin_fields: ClassVar[frozenset[str]] = frozenset({"cost_total", "margin"})

    id: int
    number: str | None
    external_id: str | None
    client: ClientRef
    kam: UserRef
    status: OrderStatus
    order_date: dt.date
    currency: str
    price_column: ColumnBrief
    client_reference: str
    note: str
    net_total: Money
    vat_total: Money
    gross_total: Money
    cost_total: Money | None = Field(None, description=_MARGIN_NOTE)
    margin: Money | None = Field(None, description=_MARGIN_NOTE)
    refusal_reason: str = Field(..., description="Set when refused")
    status_comment: str = Field(..., description="Why it was last returned, cancelled or refused")
    returned_count: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    shipped_at: dt.datetime | None
    invoiced_at: dt.datetime | None
    closed_at: dt.datetime | None


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    invoice_id: int | None

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("product").order_by("line_no", "id"))

    @staticmethod
    def resolve_invoice_id(obj: Any) -> int | None:

        return Invoice.objects.filter(order_id=obj.pk).values_list("pk", flat=True).first()


class OrderFilters(Schema):
    status: OrderStatus | None = None
    client: int | None = Field(None, description="Client id")
    kam: int | None = Field(None, description="KAM's user id")
    date_from: dt.date | None = Field(None, description="Order date on or after")
    date_to: dt.date | None = Field(None, description="Order date on or before")


class OrderLineIn(In):
    product_id: int
    quantity: Decimal = Field(..., gt=0, max_digits=14, decimal_places=3)
    discount_pct: Decimal = Field(Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2)


class OrderCreateIn(In):
    """A draft for a client you hold. The KAM is you (or, for a head or the director,
    the client's owner) — never a field of the request."""

    client_id: int
    order_date: dt.date | None = None
    client_reference: str = Field("", max_length=64)
    note: str = ""
    external_id: str | None = Field(None, max_length=64)
    lines: list[OrderLineIn] = Field(
        default_factory=list, description="Optional: lines to add at once, in this order"
    )


class OrderLinePatchIn(In):
    quantity: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=3)
    discount_pct: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


class CommentIn(In):
    comment: str = ""


class ReturnIn(In):
    comment: str = Field(..., min_length=1, description="Why the order goes back to the KAM")


class RefuseIn(In):
    reason: RefusalReason
    comment: str = ""


class InvoiceIn(In):
    issue_date: dt.date | None = Field(None, description="Default: today")

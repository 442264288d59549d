"""Input and output schemas of the ledger API: invoices, payments, credit notes and
balances. All amounts are gross unless named net; cost and margin are ``margin_fields``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal

from ninja import Field, Schema

from raktas.api.schemas import (
    In,
    Money,
    Out,
    Percent,
    Quantity,
    UnitPrice,
    UserRef,
    caller_sees_account,
)
from raktas.catalog.schemas import ProductRef
from raktas.clients.schemas import ClientRef
from raktas.ledger.models import CreditReason
from raktas.org.access import today

_MARGIN_NOTE = "present only for users who may see cost and margin"
_ACCOUNT_NOTE = "; present only for users who may see the client's account (not the order desk)"


class InvoiceRef(Out):
    id: int
    number: str


class InvoiceLineOut(Out):
    margin_fields: ClassVar[frozenset[str]] = frozenset({"cost", "margin"})

    line_no: int
    product: ProductRef | None
    description: str
    quantity: Quantity
    unit_price: UnitPrice
    net: Money
    vat_rate: Percent
    vat: Money
    gross: Money
    cost: Money | None = Field(None, description=_MARGIN_NOTE)
    margin: Money | None = Field(None, description=_MARGIN_NOTE)

    @staticmethod
    def resolve_margin(obj: Any) -> Decimal:
        return Decimal(obj.net) - obj.cost


class InvoiceOut(Out):
    """An invoice. What it leaves owed (``open_amount``, ``overdue``) is part of the
    client's account: absent for a caller who may not see it (the order desk)."""

    margin_fields: ClassVar[frozenset[str]] = frozenset({"cost_total", "margin"})
    omit_if_null: ClassVar[frozenset[str]] = frozenset({"open_amount", "overdue"})

    id: int
    number: str
    external_id: str | None
    client: ClientRef
    order_id: int | None
    issue_date: dt.date
    due_date: dt.date
    currency: str
    net_total: Money
    vat_total: Money
    gross_total: Money
    open_amount: Money | None = Field(None, description="Gross still to be paid" + _ACCOUNT_NOTE)
    overdue: bool | None = Field(None, description="Open and past its due date" + _ACCOUNT_NOTE)
    cost_total: Money | None = Field(None, description=_MARGIN_NOTE)
    margin: Money | None = Field(None, description=_MARGIN_NOTE)
    created_at: dt.datetime

    @staticmethod
    def resolve_open_amount(obj: Any, context: Any) -> Decimal | None:
        return obj.open_amount if caller_sees_account(context, obj.client) else None

    @staticmethod
    def resolve_overdue(obj: Any, context: Any) -> bool | None:
        if not caller_sees_account(context, obj.client):
            return None
        return bool(obj.open_amount > 0 and obj.due_date < today())

    @staticmethod
    def resolve_margin(obj: Any) -> Decimal:
        return Decimal(obj.net_total) - Decimal(obj.cost_total)


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("product").order_by("line_no", "id"))


class InvoiceFilters(Schema):
    client: int | None = Field(None, description="Client id")
    overdue: bool | None = Field(None, description="true: open and past due; false: the rest")
    open: bool | None = Field(None, description="true: not fully paid or credited")
    date_from: dt.date | None = Field(None, description="Issued on or after")
    date_to: dt.date | None = Field(None, description="Issued on or before")


class AllocationOut(Out):
    invoice: InvoiceRef
    amount: Money


class PaymentOut(Out):
    id: int
    external_id: str | None
    client: ClientRef
    received_on: dt.date
    amount: Money
    currency: str
    reference: str
    allocated_amount: Money
    unallocated: Money
    recorded_by: UserRef | None
    created_at: dt.datetime


class PaymentDetailOut(PaymentOut):
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocations.select_related("invoice").order_by("id"))


class PaymentFilters(Schema):
    client: int | None = Field(None, description="Client id")
    date_from: dt.date | None = Field(None, description="Received on or after")
    date_to: dt.date | None = Field(None, description="Received on or before")
    unallocated: bool | None = Field(None, description="true: with money not yet allocated")


class AllocationIn(In):
    invoice_id: int
    amount: Decimal = Field(..., gt=0, max_digits=18, decimal_places=2)


AllocateChoice = Literal["oldest", "none"] | list[AllocationIn]


class PaymentCreateIn(In):
    """Who recorded the payment is the caller; it is not a field."""

    client_id: int
    amount: Decimal = Field(..., gt=0, max_digits=18, decimal_places=2)
    received_on: dt.date
    reference: str = Field("", max_length=140)
    currency: str | None = Field(None, min_length=3, max_length=3)
    external_id: str | None = Field(None, max_length=64)
    allocate: AllocateChoice = Field(
        "oldest",
        description='"oldest" (oldest due first), "none", or [{"invoice_id", "amount"}, ...]',
    )


class AllocateIn(In):
    allocate: AllocateChoice = Field(
        "oldest", description='"oldest", "none", or [{"invoice_id", "amount"}, ...]'
    )


class CreditNoteOut(Out):
    margin_fields: ClassVar[frozenset[str]] = frozenset({"cost_total"})

    id: int
    number: str
    external_id: str | None
    client: ClientRef
    invoice: InvoiceRef | None
    issue_date: dt.date
    reason: CreditReason
    note: str
    currency: str
    net_total: Money
    vat_total: Money
    gross_total: Money
    cost_total: Money | None = Field(None, description=_MARGIN_NOTE)
    created_at: dt.datetime


class CreditNoteFilters(Schema):
    client: int | None = Field(None, description="Client id")
    invoice: int | None = Field(None, description="Invoice id")
    date_from: dt.date | None = Field(None, description="Issued on or after")
    date_to: dt.date | None = Field(None, description="Issued on or before")


class CreditNoteCreateIn(In):
    client_id: int
    net: Decimal = Field(..., gt=0, max_digits=18, decimal_places=2)
    vat_rate: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)
    reason: CreditReason
    issue_date: dt.date
    invoice_id: int | None = None
    note: str = Field("", max_length=255)
    cost: Decimal = Field(
        Decimal("0"), ge=0, max_digits=18, decimal_places=2, description="Cost of goods coming back"
    )
    external_id: str | None = Field(None, max_length=64)


class BalanceOut(Out):
    client: ClientRef
    currency: str
    as_of: dt.date
    invoiced: Money
    paid: Money
    credited: Money
    balance: Money = Field(..., description="invoiced − paid − credited (gross)")
    open_invoices: Money
    overdue: Money
    unallocated_payments: Money


class BalanceRowOut(Out):
    client: ClientRef
    owner: UserRef
    currency: str
    invoiced: Money
    paid: Money
    credited: Money
    balance: Money
    overdue: Money

    @staticmethod
    def resolve_client(obj: Any) -> Any:
        return obj


class BalanceFilters(Schema):
    owner: int | None = Field(None, description="Owner KAM's user id")
    q: str | None = Field(None, description="Search in legal name and registration code")
    overdue: bool | None = Field(None, description="true: only clients with overdue debt")

"""Input and output schemas of the credit API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out, UserRef
from raktas.clients.schemas import ClientRef
from raktas.credit.models import Grade, HoldKind, OverrideStatus, RefusalCode


class ReasonOut(Out):
    code: RefusalCode
    message: str


class HoldOut(Out):
    id: int
    client: ClientRef
    kind: HoldKind
    reason: str
    set_by: UserRef | None
    set_at: dt.datetime
    dunning_level_id: int | None
    lifted_by: UserRef | None
    lifted_at: dt.datetime | None
    lift_reason: str


class CreditPreviewParams(Schema):
    amount: Decimal | None = Field(
        None,
        ge=0,
        max_digits=18,
        decimal_places=2,
        description="Preview an order of this gross amount: would it pass?",
    )


class CreditStatusOut(Out):
    client: ClientRef
    currency: str
    credit_limit: Money
    payment_terms_days: int
    balance: Money = Field(..., description="Invoices − payments − credit notes (gross)")
    open_orders: Money = Field(..., description="Orders submitted, confirmed or shipped")
    exposure: Money
    headroom: Money = Field(..., description="The largest order that passes the limit now")
    overdue: Money
    overdue_past_grace: Money
    grace_days: int
    blocked: bool
    holds: list[HoldOut]
    amount: Money | None = Field(None, description="The previewed order amount, if any")
    would_pass: bool | None = Field(None, description="Whether that order would pass")
    reasons: list[ReasonOut] = Field(
        default_factory=list, description="Why it would be refused (worst first)"
    )


class OrderBrief(Out):
    id: int
    number: str | None
    status: str
    gross_total: Money


class OverrideOut(Out):
    id: int
    order: OrderBrief
    client: ClientRef
    reason: RefusalCode
    reasons: list[ReasonOut]
    order_amount: Money
    exposure: Money
    credit_limit: Money
    overdue_amount: Money
    requested_by: UserRef
    requested_at: dt.datetime
    status: OverrideStatus
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_reason: str
    admitted_at: dt.datetime | None
    may_decide: bool = Field(False, description="Whether you may approve or reject it")


class OverrideFilters(Schema):
    status: OverrideStatus | None = None
    client: int | None = Field(None, description="Client id")
    to_decide: bool = Field(False, description="Only the pending ones you may decide")


class DecisionIn(In):
    reason: str = Field(..., min_length=1, max_length=2000)


class HoldIn(In):
    kind: HoldKind
    reason: str = Field(..., min_length=1, max_length=255)


class LiftIn(In):
    reason: str = Field(..., min_length=1, max_length=255)


class FactorOut(Out):
    key: str
    label: str
    value: str
    points: int
    max_points: int
    why: str


class ScoreOut(Out):
    client: ClientRef
    score: int
    grade: Grade
    factors: list[FactorOut]
    suggested_limit: Money
    suggested_limit_why: str
    credit_limit: Money
    computed_at: dt.datetime | None = Field(
        None, description="When it was stored; null when computed for this request"
    )

    @staticmethod
    def resolve_credit_limit(obj: Any) -> Decimal:
        return obj.client.credit_limit

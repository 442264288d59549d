"""The analytics API's query and answer shapes (``raktas.analytics.api``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema

from raktas.analytics.selectors import (
    Filters,
    Period,
)


class ScopeQuery(Schema):
    start: str | None = None  # YYYY-MM, default: 11 months before the current one
    end: str | None = None  # YYYY-MM, default: the current month
    kam: int | None = None
    team: int | None = None
    segment: int | None = None

    def period(self) -> Period:
        return Period.parse(self.start, self.end)

    def filters(self) -> Filters:
        return Filters(kam_id=self.kam, team_id=self.team, segment_id=self.segment)


class AbcQuery(ScopeQuery):
    dimension: str = "client"
    a: float | None = None
    b: float | None = None
    x: float | None = None
    y: float | None = None
    limit: int = 50
    offset: int = 0


class AbcItemOut(Schema):
    id: int
    label: str
    revenue: Decimal
    margin: Decimal | None
    share: float
    cumulative_share: float
    abc: str
    abc_margin: str | None
    cv: float | None
    xyz: str
    extra: dict[str, Any]


class AbcOut(Schema):
    dimension: str
    start: dt.date
    end: dt.date
    thresholds: dict[str, float]
    count: int
    total_revenue: Decimal
    total_margin: Decimal | None
    classes: dict[str, dict[str, float]]
    matrix: dict[str, dict[str, float]]
    pareto: list[tuple[float, float]]
    items: list[AbcItemOut]


class KeyQuery(ScopeQuery):
    revenue_share: float | None = None
    margin_share: float | None = None


class CandidateOut(Schema):
    client_id: int
    label: str
    owner: str
    tier: str
    revenue: Decimal
    revenue_share: float
    margin: Decimal | None
    margin_share: float | None
    npv: Decimal | None
    reasons: list[str]


class ValueOut(Schema):
    client_id: int
    computed_on: dt.date | None
    p_alive: float | None
    expected_orders: float | None
    expected_order_net: Decimal | None
    expected_margin: Decimal | None
    npv: Decimal | None
    weeks_since_last: float | None
    typical_gap_days: float | None
    monthly: list[dict[str, Any]]


class ChurnOut(Schema):
    client_id: int
    client: str
    owner: str
    p_alive: float
    days_since_last: int
    typical_gap_days: float | None
    expected_margin: Decimal | None
    npv: Decimal | None
    reasons: list[str]


class SuggestionOut(Schema):
    kind: str
    id: int
    label: str
    buyers_share: float
    expected_margin: Decimal | None
    quantity: Decimal | None
    unit_price: Decimal | None
    line_gross: Decimal | None
    exceeds_headroom: bool
    reason: str


class OfferOut(Schema):
    client_id: int
    similar_clients: int
    exposure: Decimal
    headroom: Decimal
    draft_gross: Decimal
    suggestions: list[SuggestionOut]


class ReturnsQuery(ScopeQuery):
    group_by: str = "client"


class RateOut(Schema):
    key: Any
    label: str
    invoiced: Decimal
    returned: Decimal
    return_rate: float | None
    invoices: int
    refused_orders: int
    refusal_rate: float | None


class JumpOut(Schema):
    metric: str
    month: dt.date
    rate: float
    baseline: float
    message: str
    client_id: int | None  # null: the whole book in view
    client: str


class SegmentOut(Schema):
    segment_id: int | None
    segment: str
    revenue: Decimal
    revenue_before: Decimal
    growth: float | None
    share: float
    clients: int
    clients_before: int
    margin_rate: float | None
    price_realisation: float | None
    monthly: list[tuple[dt.date, Decimal]]
    proposal: str


class SegmentReportQuery(ScopeQuery):
    lang: str | None = None  # en or lt; default the language of the request


class ProposalOut(Schema):
    id: int
    client_id: int
    client: str
    current_tier: str
    proposed_tier: str
    reasons: list[str]
    status: str
    created_at: dt.datetime
    decided_by: str | None
    decision_note: str
    you_may_decide: bool


class DecisionIn(Schema):
    note: str = ""

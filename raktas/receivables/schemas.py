"""Input and output shapes of the receivables endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out


class AgingFilters(Schema):
    as_of: dt.date | None = Field(
        None,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2999, 12, 31),
        description="Day of the aging (default today)",
    )
    buckets: str | None = Field(
        None, description="Bucket edges in days past due, e.g. '30,60,90' (default AGING_BUCKETS)"
    )
    dso_days: int | None = Field(None, ge=1, le=365, description="DSO window (default 90)")
    client: int | None = Field(None, description="Only this client")
    kam: int | None = Field(None, description="Only the clients of this KAM")
    team: int | None = Field(None, description="Only the clients of this team's KAMs")


class AgingReportFilters(AgingFilters):
    by: Literal["client", "kam", "team", "company"] = "client"


class AgingInvoiceFilters(AgingFilters):
    bucket: str | None = Field(None, description="Only this bucket, e.g. '31-60' or 'over_90'")
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0)


class BucketOut(Out):
    bucket: str
    amount: Money


class AgingRowOut(Out):
    key: str
    label: str
    client_id: int | None = None
    owner: str = ""
    team: str = ""
    buckets: list[BucketOut]
    total: Money = Field(description="Open invoices: the buckets add up to it")
    overdue: Money
    unapplied: Money = Field(
        description="Paid or credited on the day but settling no invoice (payments not "
        "allocated, credit notes against no invoice): a credit"
    )
    net: Money = Field(description="total − unapplied: the ledger balance on the day")
    open_invoices: int
    dso: Decimal | None = Field(None, description="Days sales outstanding")
    average_days_late: Decimal | None = None


class AgingOut(Out):
    as_of: dt.date
    by: str
    buckets: list[str]
    dso_days: int
    rows: list[AgingRowOut]
    company: AgingRowOut


class AgingInvoiceOut(Out):
    id: int
    number: str
    client_id: int
    client: str
    issue_date: dt.date
    due_date: dt.date
    gross_total: Money
    open_amount: Money
    days_past_due: int
    bucket: str


class AgingInvoicesOut(Out):
    as_of: dt.date
    count: int
    total: Money
    items: list[AgingInvoiceOut]


class StatementParams(Schema):
    date_from: dt.date
    date_to: dt.date
    language: Literal["en", "lt"] = "lt"
    format: Literal["pdf", "xlsx", "json"] = "pdf"


class StatementLineOut(Out):
    date: dt.date
    kind: str
    document: str
    description: str
    debit: Money
    credit: Money
    balance: Money


class StatementOut(Out):
    client_id: int
    client: str
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening: Money
    debit_total: Money
    credit_total: Money
    closing: Money
    lines: list[StatementLineOut]


class ReverseIn(In):
    reason: str = Field(..., min_length=1, max_length=255)
    reversed_on: dt.date | None = Field(None, description="Default today")


class ReversalOut(Out):
    id: int
    payment_id: int
    client_id: int
    reversed_on: dt.date
    amount: Money
    reason: str

"""Input and output shapes of the bank endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out


class StatementOut(Out):
    id: int
    kind: str
    version: str
    message_id: str
    statement_id: str
    account_iban: str
    file_name: str
    imported_at: dt.datetime
    entries: int
    created: int
    duplicates: int
    matched: int
    skipped: int
    reversals: int = Field(description="Reversals of earlier credits read from the file")


class BankEntryOut(Out):
    id: int
    booking_date: dt.date
    value_date: dt.date | None
    amount: Money
    currency: str
    debtor_name: str
    debtor_iban: str
    debtor_id: str
    reference: str
    remittance: str
    end_to_end_id: str
    status: str
    match_rule: str
    client_id: int | None
    payment_id: int | None
    note: str
    suggestions: list[dict[str, Any]]
    statement_id: int
    is_reversal: bool = Field(
        description="A booked debit with RvslInd=true: the bank took back an earlier credit"
    )
    reverses_id: int | None = Field(description="The credit entry this reversal takes back")
    return_reason: str


class ImportOut(Out):
    statement: StatementOut
    summary: str
    entries: list[BankEntryOut]


class EntryFilters(Schema):
    status: Literal["matched", "unmatched", "resolved", "ignored"] | None = Field(
        None, description="Default: all"
    )


class ResolveAllocation(In):
    invoice_id: int
    amount: Decimal = Field(..., gt=0, max_digits=18, decimal_places=2)


class ResolveIn(In):
    client_id: int
    allocate: Literal["oldest", "none"] | list[ResolveAllocation] = "oldest"
    note: str = Field("", max_length=255)


class ReverseIn(In):
    credit_id: int = Field(description="The earlier credit entry this reversal takes back")
    note: str = Field("", max_length=255)


class IgnoreIn(In):
    note: str = Field(..., min_length=1, max_length=255)

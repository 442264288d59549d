"""Input and output schemas of the clients API. Inputs are allowlists (``In``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out, UserRef
from raktas.clients.models import BuyingRole, ClientStatus, Tier


class SegmentRef(Out):
    id: int
    code: str
    name: str


class PriceColumnRef(Out):
    id: int
    code: str
    name: str
    price_list: str

    @staticmethod
    def resolve_price_list(obj: object) -> str:
        return obj.price_list.code  # type: ignore[attr-defined]


class ClientRef(Out):
    id: int
    legal_name: str


class ClientOut(Out):
    id: int
    external_id: str | None
    legal_name: str
    registration_code: str
    vat_code: str
    segment: SegmentRef | None
    status: ClientStatus
    tier: Tier
    owner: UserRef
    price_column: PriceColumnRef
    payment_terms_days: int
    credit_limit: Money
    currency: str
    city: str
    address: str
    country: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientListOut(ClientOut):
    """A client in a list, with its balance and overdue amount (gross) when the caller
    may see the client's account; the order desk may not, and gets neither field."""

    omit_if_null: ClassVar[frozenset[str]] = frozenset({"balance", "overdue"})

    balance: Money | None = None
    overdue: Money | None = None


class ClientFilters(Schema):
    status: ClientStatus | None = None
    segment: int | None = Field(None, description="Segment id")
    tier: Tier | None = None
    owner: int | None = Field(None, description="Owner KAM's user id")
    q: str | None = Field(
        None, description="Search in legal name, registration code, VAT code and city"
    )


class ClientCreateIn(In):
    legal_name: str = Field(..., min_length=1, max_length=200)
    price_column_id: int
    registration_code: str = ""
    vat_code: str = ""
    segment_id: int | None = None
    status: ClientStatus = ClientStatus.ACTIVE
    tier: Tier = Tier.MAINTAIN
    owner_id: int | None = Field(
        None, description="Owner KAM; default: you. Heads and the director may name another."
    )
    currency: str = "EUR"
    city: str = ""
    address: str = ""
    country: str = "LT"
    external_id: str | None = None
    credit_limit: Decimal | None = Field(None, description="Finance and the director only")
    payment_terms_days: int | None = Field(None, description="Finance and the director only")


class ClientPatchIn(In):
    """Profile fields. Credit limit and terms have their own endpoint."""

    legal_name: str | None = Field(None, min_length=1, max_length=200)
    registration_code: str | None = None
    vat_code: str | None = None
    segment_id: int | None = None
    status: ClientStatus | None = None
    tier: Tier | None = None
    price_column_id: int | None = None
    owner_id: int | None = Field(None, description="Reassign: heads of sales and the director")
    currency: str | None = None
    city: str | None = None
    address: str | None = None
    country: str | None = None
    external_id: str | None = None


class CreditIn(In):
    credit_limit: Decimal = Field(..., ge=0, max_digits=18, decimal_places=2)
    payment_terms_days: int | None = Field(None, ge=0, le=3650)


class ContactOut(Out):
    id: int
    client: ClientRef
    external_id: str | None
    name: str
    position: str
    buying_role: BuyingRole
    phone: str
    email: str
    created_at: dt.datetime


class ContactFilters(Schema):
    client: int | None = Field(None, description="Client id")
    buying_role: BuyingRole | None = None
    q: str | None = Field(None, description="Search in name, position, email and phone")


class ContactCreateIn(In):
    name: str = Field(..., min_length=1, max_length=150)
    position: str = ""
    buying_role: BuyingRole = BuyingRole.BUYER
    phone: str = ""
    email: str = ""
    external_id: str | None = None


class ContactPatchIn(In):
    name: str | None = Field(None, min_length=1, max_length=150)
    position: str | None = None
    buying_role: BuyingRole | None = None
    phone: str | None = None
    email: str | None = None
    external_id: str | None = None


class TimelineOut(Out):
    id: int
    at: dt.datetime
    kind: str
    text: str
    link: str
    actor: UserRef | None

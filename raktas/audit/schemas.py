from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from raktas.api.schemas import Out


class AuditEntryOut(Out):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_username: str
    action: str
    entity: str = Field(..., description="app_label.model, e.g. clients.client")
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


class AuditFilters(Schema):
    entity: str | None = Field(None, description="e.g. clients.client")
    entity_id: str | None = None
    actor: int | None = Field(None, description="Actor's user id")
    action: str | None = None
    since: dt.datetime | None = Field(None, description="At or after")
    until: dt.datetime | None = Field(None, description="Before")


class AccessEntryOut(Out):
    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    what: str = Field(..., description="clients.export, statement.pdf, api.list …")
    path: str
    filters: dict[str, Any]
    rows: int
    address: str


class AccessFilters(Schema):
    user: str | None = Field(None, description="Username")
    what: str | None = Field(None, description="e.g. clients.export, api.list")
    since: dt.date | None = Field(None, description="On or after this day")
    until: dt.date | None = Field(None, description="On or before this day")
    min_rows: int | None = Field(
        None, ge=0, le=2_147_483_647, description="At least this many rows"
    )


class AccessAlertOut(Out):
    id: int
    at: dt.datetime
    day: dt.date
    user_id: int | None
    username: str
    rows_today: int
    usual: Decimal = Field(..., description="The user's median day of the window, in rows")
    entry_id: int

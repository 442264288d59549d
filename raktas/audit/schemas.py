from __future__ import annotations

import datetime as dt
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

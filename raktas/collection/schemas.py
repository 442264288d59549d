"""Input and output schemas of the collection API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from raktas.api.schemas import In, Money, Out, UserRef
from raktas.clients.schemas import ClientRef
from raktas.collection.models import DunningAction, PromiseStatus, TaskKind, TaskStatus


class DunningLevelOut(Out):
    id: int
    order: int
    name: str
    days_overdue: int
    action: DunningAction
    subject_en: str
    subject_lt: str
    template_en: str
    template_lt: str
    active: bool


class DunningLevelIn(In):
    order: int = Field(..., ge=1, le=1000)
    name: str = Field(..., min_length=1, max_length=80)
    days_overdue: int = Field(..., ge=0, le=3650)
    action: DunningAction
    subject_en: str = Field("", max_length=200)
    subject_lt: str = Field("", max_length=200)
    template_en: str = ""
    template_lt: str = ""
    active: bool = True


class DunningLevelPatchIn(In):
    order: int | None = Field(None, ge=1, le=1000)
    name: str | None = Field(None, min_length=1, max_length=80)
    days_overdue: int | None = Field(None, ge=0, le=3650)
    action: DunningAction | None = None
    subject_en: str | None = Field(None, max_length=200)
    subject_lt: str | None = Field(None, max_length=200)
    template_en: str | None = None
    template_lt: str | None = None
    active: bool | None = None


class PromiseOut(Out):
    id: int
    client: ClientRef
    made_on: dt.date
    promised_on: dt.date
    amount: Money
    note: str
    recorded_by: UserRef
    recorded_at: dt.datetime
    status: PromiseStatus
    settled_at: dt.datetime | None


class PromiseIn(In):
    promised_on: dt.date
    amount: Decimal = Field(..., gt=0, max_digits=18, decimal_places=2)
    note: str = Field("", max_length=255)


class PromiseFilters(Schema):
    status: PromiseStatus | None = None
    client: int | None = Field(None, description="Client id")


class TaskOut(Out):
    id: int
    client: ClientRef
    assigned_to: UserRef
    kind: TaskKind
    title: str
    detail: str
    due_on: dt.date
    status: TaskStatus
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_by: UserRef | None
    outcome: str
    promise_id: int | None


class TaskFilters(Schema):
    status: TaskStatus | None = None
    kind: TaskKind | None = None
    client: int | None = Field(None, description="Client id")
    mine: bool = Field(False, description="Only the tasks assigned to you")


class TaskDoneIn(In):
    outcome: str = Field("", max_length=2000)


class LetterOut(Out):
    id: int
    client: ClientRef
    level_id: int
    language: str
    total: Money
    currency: str
    created_at: dt.datetime

"""Write audit entries. Every service that changes audited data calls ``record``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from raktas.audit import chain
from raktas.audit.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        # Floats as text like Decimals: PostgreSQL's jsonb gives 1e300 back as an
        # integer, which would no longer match the hash of what was written.
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of ``obj`` as JSON-safe values (foreign keys as ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    entity: str | None = None,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry | None:
    """Append one entry. An update that changed nothing writes nothing."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        if not changed and action == "update":
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    if obj is not None:
        entity = entity or obj._meta.label_lower
        entity_id = obj.pk if entity_id is None else entity_id
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    entry = AuditEntry(
        actor_id=actor.pk if is_user else None,
        actor_username=actor.get_username() if is_user else "system",
        action=action,
        entity=entity or "",
        entity_id=str(entity_id),
        # As the database will give them back (tuples as lists, keys as strings), so the
        # hash written now is the hash ``verify`` recomputes.
        before=_as_stored(before),
        after=_as_stored(after),
        note=note[:255],
    )
    with transaction.atomic():
        chain.lock()
        entry.prev_hash = chain.head()
        entry.hash = chain.entry_hash(entry.prev_hash, entry.__dict__)
        entry.save(force_insert=True)
    return entry


def _as_stored(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(json.dumps(_jsonable_deep(value)))


def _jsonable_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable_deep(v) for v in value]
    return _jsonable(value)

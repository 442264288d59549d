"""Write audit entries (every service that changes audited data calls ``record``) and
access-log entries (every export, statement, PDF and large list read calls
``access_record``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import statistics
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.audit import chain
from raktas.audit.models import AccessAlert, AccessEntry, AuditEntry
from raktas.core.net import client_ip


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


# --- The read and export log (duty 2.21) -------------------------------------------------

log = logging.getLogger("raktas.access")

# The codes written in AccessEntry.what; the page offers them as a filter.
ACCESS_CODES = {
    "clients.export": _("Client list export (XLSX)"),
    "aging.xlsx": _("Aging (XLSX)"),
    "statement.pdf": _("Settlement statement (PDF)"),
    "statement.xlsx": _("Settlement statement (XLSX)"),
    "statement.json": _("Settlement statement (JSON)"),
    "segments.xlsx": _("Segment report (XLSX)"),
    "segments.pdf": _("Segment report (PDF)"),
    "letter.pdf": _("Demand letter (PDF)"),
    "api.list": _("API list read"),
}
_MAX_FILTERS = 30
_MAX_FILTER_TEXT = 200


def _filters_of(query: Any) -> dict[str, Any]:
    """A request's query parameters as JSON the database stores on both engines (no NUL,
    which PostgreSQL's jsonb refuses), capped so a hostile URL cannot bloat the log."""
    out: dict[str, Any] = {}
    for key, values in list(query.lists())[:_MAX_FILTERS]:
        clean = [str(v).replace("\x00", "\ufffd")[:_MAX_FILTER_TEXT] for v in values]
        out[str(key).replace("\x00", "\ufffd")[:_MAX_FILTER_TEXT]] = (
            clean[0] if len(clean) == 1 else clean
        )
    return out


def access_record(
    request: HttpRequest,
    *,
    what: str,
    rows: int,
    filters: dict[str, Any] | None = None,
    user: Any = None,
) -> AccessEntry:
    """Write one access-log row for ``request``: who (the signed-in user, or ``user``),
    what (a code from ``ACCESS_CODES``), the filters (default: the query parameters),
    how many rows, from which address. Then check the reader's day against their usual
    one (``unusual_reads``)."""
    user = user if user is not None else getattr(request, "user", None)
    is_user = user is not None and getattr(user, "pk", None) is not None
    entry = AccessEntry.objects.create(
        user_id=user.pk if is_user else None,
        username=user.get_username() if is_user else "",
        what=what,
        path=request.path[:255],
        filters=_filters_of(request.GET) if filters is None else filters,
        rows=max(0, int(rows)),
        address=client_ip(request)[:64],
    )
    unusual_reads(entry)
    return entry


def unusual_reads(entry: AccessEntry) -> AccessAlert | None:
    """Alert the director when a user reads far more rows than usual.

    The rule: the rows of all the user's access-log entries today (business time zone)
    exceed ``ACCESS_ALERT_FACTOR`` times the median of their daily totals over the
    ``ACCESS_ALERT_DAYS`` days before today — days without a read count as zero — and
    exceed ``ACCESS_ALERT_FLOOR``. The median, not the mean, so one big day does not
    raise the bar for the next; the floor, so a user who never exports is not flagged
    for one ordinary list. One alert per user and day, on the entry that crossed the
    line: a row the director sees on the access-log page, and a warning in the log."""
    if entry.user_id is None:
        return None
    day = timezone.localdate(entry.at)
    mine = AccessEntry.objects.filter(user_id=entry.user_id)
    start_today = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    today_rows = mine.filter(at__gte=start_today).aggregate(n=Sum("rows"))["n"] or 0
    if today_rows <= settings.ACCESS_ALERT_FLOOR:
        return None
    if AccessAlert.objects.filter(user_id=entry.user_id, day=day).exists():
        return None
    days = settings.ACCESS_ALERT_DAYS
    since = start_today - dt.timedelta(days=days)
    totals = dict(
        mine.filter(at__gte=since, at__lt=start_today)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Sum("rows"))
        .values_list("day", "n")
    )
    history = [totals.get(day - dt.timedelta(days=i), 0) for i in range(1, days + 1)]
    usual = Decimal(str(statistics.median(history)))
    if today_rows <= settings.ACCESS_ALERT_FACTOR * usual:
        return None
    try:
        with transaction.atomic():
            alert = AccessAlert.objects.create(
                day=day,
                user_id=entry.user_id,
                username=entry.username,
                rows_today=today_rows,
                usual=usual,
                entry=entry,
            )
    except IntegrityError:  # another request of the same user raised it first
        return None
    log.warning(
        "unusual reads: %s read %d rows today (%s); their median day over %d days is %s",
        entry.username,
        today_rows,
        day.isoformat(),
        days,
        usual,
    )
    return alert

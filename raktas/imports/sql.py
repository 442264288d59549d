"""The bulk write path of the importer: plain rows in, one statement per batch.

Django's ``bulk_create`` spends most of its time building model instances and
compiling a many-row INSERT (a profile of a 10,000-client import: 12 s of 19 s in
``bulk_create``, 0.8 s in the database). The rows an import writes are already
validated, so they go to the database as tuples: ``executemany`` of a prepared
INSERT/UPDATE on SQLite, ``COPY`` for new rows on PostgreSQL.

Callers have already checked every unique key (existing rows are looked up by key
first), so a conflict here means a concurrent writer; the database refuses it and
the import's transaction rolls back whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

Adapter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def adapter_for(field: models.Field) -> Adapter:
    """How a Python value of ``field`` goes to the driver (only SQLite needs help:
    it stores aware datetimes as naive UTC text, as Django does)."""
    if connection.vendor == "sqlite" and isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return _identity


def columns_of(model: type[models.Model], attnames: Sequence[str]) -> list[str]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [str(by_attname[name].column) for name in attnames]


def adapters_of(model: type[models.Model], attnames: Sequence[str]) -> list[Adapter]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [adapter_for(by_attname[name]) for name in attnames]


def adapt_rows(adapters: Sequence[Adapter], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    needing = [i for i, a in enumerate(adapters) if a is not _identity]
    if not needing:
        return [tuple(r) for r in rows]
    out = []
    # Most datetimes in a batch are one value (the run's start): adapt it once.
    memo: dict[int, tuple[Any, Any]] = {}
    for row in rows:
        values = list(row)
        for i in needing:
            raw = values[i]
            hit = memo.get(i)
            if hit is not None and hit[0] is raw:
                values[i] = hit[1]
            else:
                values[i] = adapters[i](raw)
                memo[i] = (raw, values[i])
        out.append(tuple(values))
    return out


def insert_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert new rows: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    # A column someone adds to the model later gets its default rather than
    # breaking the import with a NOT NULL error.
    others = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in attnames and f.has_default()
    ]
    if others:
        extra = tuple(f.get_default() for f in others)
        attnames = [*attnames, *(f.attname for f in others)]
        rows = [(*row, *extra) for row in rows]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns_of(model, attnames))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is not in the DB-API; Django's cursor wraps psycopg's own.
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(attnames))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                adapt_rows(adapters_of(model, attnames), rows),
            )


def update_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update rows by primary key; each row is the values of ``attnames`` then the pk."""
    if not rows:
        return
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(c)} = %s" for c in columns_of(model, attnames))
    pk = qn(str(model._meta.pk.column))
    adapters = [*adapters_of(model, attnames), _identity]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {pk} = %s",
            adapt_rows(adapters, rows),
        )


def values_of(obj: Any, attnames: Sequence[str]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in attnames)


def now_value() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()

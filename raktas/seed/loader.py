"""Load the generator's rows into the database in bulk, bypassing the ORM.

SQLite: ``executemany`` on the raw connection inside one IMMEDIATE transaction, with
``synchronous=NORMAL`` and a large page cache while it runs (WAL keeps that safe from
corruption; one transaction means a crash leaves nothing half-loaded).
PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3) per chunk, inside one transaction; the
foreign keys are checked per chunk (``SET CONSTRAINTS ALL IMMEDIATE``) so the
after-trigger queue never holds millions of pending checks.

Either way the whole seed is one transaction: it commits completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string

from raktas.analytics.services import after_bulk_load  # seeded rows bypass services
from raktas.audit.services import record
from raktas.core.models import Sequence
from raktas.seed import people
from raktas.seed.generator import TABLES, Result, Scale, Staff, generate

# Apps ``--force`` never empties: people and the audit log (append-only by design).
KEEP_APPS = frozenset({"org", "audit", "auth", "contenttypes", "sessions"})
# Any row in these means "the database already holds business data".
MARKER_MODELS = (
    "clients.Client",
    "clients.Segment",
    "catalog.Product",
    "catalog.Category",
    "catalog.PriceList",
    "orders.Order",
    "ledger.Invoice",
    "ledger.Payment",
    "ledger.CreditNote",
)


# Apps that keep derived data (rollups, scores) up to date through the services, which
# the bulk load bypasses: each gets to rebuild inside the seed's transaction.
POST_LOAD_HOOKS = ("raktas.analytics.services.after_bulk_load",)


class SeedRefused(Exception):
    pass


@dataclass
class Report:
    scale: str
    seed: int
    vendor: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds_total: float = 0.0
    seconds_load: float = 0.0
    seconds_indexes: float = 0.0
    seconds_hooks: float = 0.0
    seconds_wipe: float = 0.0
    seconds_analyze: float = 0.0
    revenue_net_cents: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# --- checks ------------------------------------------------------------------------------


def unapplied_migrations(using: str = "default") -> list[str]:
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def has_business_data(using: str = "default") -> bool:
    return any(apps.get_model(label).objects.using(using).exists() for label in MARKER_MODELS)


def seeded_models() -> list[type[models.Model]]:
    """The tables the seed fills, and every table that refers to them (directly or
    through another such table): what must be emptied before seeding again.

    Configuration kept by other apps (dunning levels, scoring rules …) refers to no
    client, so it survives; a table of people or the audit log never refers to
    business rows, so those survive too.
    """
    chosen = {apps.get_model(label) for label in TABLES}
    everything = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    grew = True
    while grew:
        grew = False
        for model in everything:
            if model in chosen:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & chosen:
                chosen.add(model)
                grew = True
    return sorted(chosen, key=lambda m: m._meta.label)


def wipe_business_data(using: str = "default") -> None:
    """Empty the seeded tables and those that refer to them, and restart the invoice and
    credit-note numbers. Users, teams, roles, tokens, delegations, configuration and
    the audit log stay. Runs inside the caller's transaction."""
    connection = connections[using]
    blocked = [m._meta.label for m in seeded_models() if m._meta.app_label in KEEP_APPS]
    if blocked:
        raise SeedRefused(f"--force would have to empty {', '.join(blocked)}; refusing")
    tables = [m._meta.db_table for m in seeded_models()]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=False
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses a table with deferred checks still pending in this
            # transaction: run them now (the caller restores DEFERRED).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
    Sequence.objects.using(using).filter(name__in=("invoice", "credit_note")).delete()


# --- sinks -------------------------------------------------------------------------------


class _BaseSink:
    """Buffers rows per table; flushes every table, parents first, past ``limit`` rows."""

    def __init__(self, using: str, limit: int) -> None:
        self.connection = connections[using]
        self.limit = limit
        self.buffers: dict[str, list[tuple[Any, ...]]] = {label: [] for label in TABLES}
        self.tables: dict[str, str] = {}
        self.extras: dict[str, tuple[Any, ...]] = {}
        self.extra_columns: dict[str, tuple[str, ...]] = {}
        for label, columns in TABLES.items():
            model = apps.get_model(label)
            self.tables[label] = model._meta.db_table
            self.extra_columns[label], self.extras[label] = self._extra_defaults(model, columns)

    def _extra_defaults(
        self, model: type[models.Model], columns: tuple[str, ...]
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Columns added to a model after this generator was written get their default
        (so a new field with a default does not break the seed); a new required column
        without one is an error that names it."""
        known = set(columns)
        extras: list[Any] = []
        extra_cols: list[str] = []
        for f in model._meta.concrete_fields:
            if f.column in known:
                continue
            if f.has_default():
                value = f.get_db_prep_save(f.get_default(), self.connection)
            elif f.null:
                value = None
            else:
                raise SeedRefused(
                    f"{model._meta.label}.{f.name} is required and has no default: "
                    "teach raktas/seed/generator.py about it"
                )
            extra_cols.append(str(f.column))
            extras.append(value)
        return tuple(extra_cols), tuple(extras)

    def columns(self, label: str) -> tuple[str, ...]:
        return TABLES[label] + self.extra_columns[label]

    def maybe_flush(self) -> None:
        if sum(len(rows) for rows in self.buffers.values()) >= self.limit:
            self.flush()

    def flush(self) -> None:
        for label, rows in self.buffers.items():
            if rows:
                extra = self.extras[label]
                self.write(label, [r + extra for r in rows] if extra else rows)
                rows.clear()

    def write(self, label: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError


class SqliteSink(_BaseSink):
    def write(self, label: str, rows: list[tuple[Any, ...]]) -> None:
        cols = self.columns(label)
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" * len(cols))
        sql = f'INSERT INTO "{self.tables[label]}" ({names}) VALUES ({marks})'
        self.connection.connection.executemany(sql, rows)


class PostgresSink(_BaseSink):
    def write(self, label: str, rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns(label))
        raw = self.connection.connection
        sql = f'COPY "{self.tables[label]}" ({cols}) FROM STDIN'
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


# --- indexes and foreign keys during the load ---------------------------------------------


class _Deferred:
    """Secondary indexes (and on PostgreSQL foreign keys) of the tables being filled,
    dropped before the load and rebuilt after it, inside the same transaction.

    Building an index once over the loaded rows is far cheaper than growing it row by
    row in random order, and one ``ADD CONSTRAINT … FOREIGN KEY`` validates a table
    with a single join instead of a trigger call per row. Primary keys, unique and
    check constraints stay in force throughout. The tables are empty when this starts
    (the seed refuses otherwise), and DDL is transactional on both databases: a failed
    load rolls the indexes back with the rows.
    """

    def __init__(self, connection: Any, tables: list[str]) -> None:
        self.connection = connection
        self.tables = tables
        self.indexes: list[tuple[str, str]] = []  # (name, CREATE statement)
        self.foreign_keys: list[tuple[str, str, str]] = []  # (table, name, definition)

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                for table in self.tables:
                    # sql IS NULL: the automatic index of a PRIMARY KEY or UNIQUE constraint.
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = %s AND sql IS NOT NULL",
                        [table],
                    )
                    self.indexes += cursor.fetchall()
            else:
                for table in self.tables:
                    cursor.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "LEFT JOIN pg_constraint c ON c.conindid = i.oid "
                        "WHERE x.indrelid = %s::regclass AND c.oid IS NULL",
                        [table],
                    )
                    self.indexes += cursor.fetchall()
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'f'",
                        [table],
                    )
                    self.foreign_keys += [(table, n, d) for n, d in cursor.fetchall()]
                for table, name, _definition in self.foreign_keys:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _sql in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            for _name, sql in self.indexes:
                cursor.execute(sql)
            for table, name, definition in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            if self.connection.vendor == "sqlite":
                self.check_sqlite_foreign_keys(cursor)

    def check_sqlite_foreign_keys(self, cursor: Any) -> None:
        """SQLite checks foreign keys per row only while PRAGMA foreign_keys is on, and
        the load turns it off (it cannot change inside a transaction): check once here."""
        for table in self.tables:
            cursor.execute(f'PRAGMA foreign_key_check("{table}")')
            bad = cursor.fetchall()
            if bad:
                raise SeedRefused(f"seed wrote rows with dangling foreign keys: {bad[:3]}")


# --- the seed ----------------------------------------------------------------------------


def _first_ids(using: str) -> dict[str, int]:
    out = {}
    for label in TABLES:
        model = apps.get_model(label)
        last = model.objects.using(using).aggregate(m=models.Max("pk"))["m"] or 0
        out[label] = last + 1
    return out


def _staff(users: dict[str, Any]) -> Staff:
    by_team: list[list[int]] = [[], []]
    for person in people.PEOPLE:
        if person.username.startswith("kam") and person.team:
            by_team[person.team - 1].append(users[person.username].pk)
    return Staff(
        kams_by_team=(tuple(by_team[0]), tuple(by_team[1])),
        finance_id=users["finance1"].pk,
    )


def _sequence_value(name: str, using: str) -> int:
    row = Sequence.objects.using(using).filter(name=name).first()
    return row.last_value if row else 0


def seed_database(
    *,
    scale: Scale,
    seed: int,
    force: bool = False,
    using: str = "default",
    today: dt.date | None = None,
    analyze: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Fill the database with ``scale``'s data. Refuses a database that already holds
    business data unless ``force`` (which empties the business tables first)."""
    say = progress or (lambda _msg: None)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise SeedRefused(f"seed supports SQLite and PostgreSQL, not {vendor}")
    if has_business_data(using) and not force:
        raise SeedRefused(
            "the database already holds business data (clients, products, orders or ledger "
            "rows). Use --force to delete them and seed again; users, teams, API tokens "
            "and the audit log are kept."
        )
    report = Report(scale=scale.name, seed=seed, vendor=vendor)
    today = today or timezone.localdate()
    started = time.perf_counter()
    tuned = vendor == "sqlite" and not connection.in_atomic_block
    if tuned:
        with connection.cursor() as cursor:
            # One big transaction: NORMAL syncs once at commit (and WAL stays crash-safe);
            # a 1 GiB page cache keeps the indexes being built in memory; foreign keys
            # are checked once at the end (``_Deferred``) instead of per row.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-1048576")
            cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        with transaction.atomic(using=using):
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Foreign keys are checked per statement while the seed runs (no
                    # queue of millions of deferred checks); DEFERRED, Django's mode for
                    # its keys, comes back at the end.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if force:
                t = time.perf_counter()
                wipe_business_data(using)
                report.seconds_wipe = time.perf_counter() - t
                say(f"emptied the business tables in {report.seconds_wipe:.1f} s")
            users = people.ensure_people()
            people.ensure_delegation(users)
            sink: _BaseSink
            if vendor == "postgresql":
                sink = PostgresSink(using, scale.chunk_rows)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            else:
                sink = SqliteSink(using, scale.chunk_rows)
            deferred = _Deferred(connection, list(sink.tables.values()))
            deferred.drop()
            t = time.perf_counter()
            result: Result = generate(
                scale=scale,
                seed=seed,
                today=today,
                staff=_staff(users),
                sink=sink,
                first_ids=_first_ids(using),
                first_invoice_number=_sequence_value("invoice", using) + 1,
                first_credit_note_number=_sequence_value("credit_note", using) + 1,
                invoice_prefix=settings.INVOICE_NUMBER_PREFIX,
                credit_note_prefix=settings.CREDIT_NOTE_NUMBER_PREFIX,
                progress=say,
            )
            sink.flush()
            report.seconds_load = time.perf_counter() - t
            t = time.perf_counter()
            deferred.rebuild()
            report.seconds_indexes = time.perf_counter() - t
            say(f"indexes and foreign keys rebuilt in {report.seconds_indexes:.1f} s")
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    # Ids were given explicitly: move each serial past them.
                    for sql in connection.ops.sequence_reset_sql(
                        no_style(), [apps.get_model(label) for label in TABLES]
                    ):
                        cursor.execute(sql)
            for hook in POST_LOAD_HOOKS:
                app, _, _rest = hook.rpartition(".services.")
                if apps.is_installed(app):
                    t = time.perf_counter()
                    import_string(hook)(progress=say)
                    report.seconds_hooks += time.perf_counter() - t
            for name, value in (
                ("invoice", result.last_invoice_number),
                ("credit_note", result.last_credit_note_number),
            ):
                Sequence.objects.using(using).update_or_create(
                    name=name, defaults={"last_value": value}
                )
            report.counts = result.counts
            report.revenue_net_cents = result.revenue_net_cents
            record(
                actor=None,
                action="seed",
                entity="seed",
                entity_id=scale.name,
                after={"seed": seed, "force": force, "rows": report.rows},
                note=f"raktas seed --scale {scale.name} --seed {seed}",
            )
    finally:
        if tuned:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA cache_size=-65536")

    after_bulk_load(progress=say)
    if analyze and not connection.in_atomic_block:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                for label in TABLES:
                    cursor.execute(f'ANALYZE "{apps.get_model(label)._meta.db_table}"')
            else:
                # Fresh statistics for the planner; the limit keeps it seconds, not minutes.
                cursor.execute("PRAGMA analysis_limit=1000")
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report.seconds_analyze = time.perf_counter() - t
    report.seconds_total = time.perf_counter() - started
    return report

"""The pieces every import kind shares: column specs, parsed rows, the bounded report,
and the base class a kind implements.

A kind sees the file one batch at a time (``process``): it resolves the batch's
references in a few queries, rejects the rows it must, and writes the rest with
bulk statements. Nothing a kind keeps between batches may grow with the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Model

from raktas.analytics.services import refresh_rollups_for
from raktas.audit.services import record
from raktas.catalog.models import PriceColumn
from raktas.core.exceptions import DomainError
from raktas.imports.cells import Parser
from raktas.imports.models import ImportRun
from raktas.org.access import may_own_clients
from raktas.org.models import User

UNKNOWN_CLIENT = "unknown client"
KEY_TAKEN = "already in use by a record you may not change"


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser
    # ``key``: present and filled in on every row (it identifies the record).
    key: bool = False
    # ``needed``: filled in whenever the row creates a record (an update may omit it).
    needed: bool = False
    fmt: str = ""
    example: str = ""
    note: str = ""
    aliases: tuple[str, ...] = ()
    # Grouped kinds: a header column is read from the first row of its group.
    header: bool = False


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Report:
    """What an import did. Keeps at most ``max_errors`` messages; counts all."""

    kind: str
    file_name: str
    sha256: str
    max_errors: int = 1000
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_not_kept: int = 0
    status: str = ""
    message: str = ""
    run_id: int = 0

    def add_error(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < self.max_errors:
            self.errors.append(RowError(row, column, reason))
        else:
            self.errors_not_kept += 1

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_kept


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: bool = False
    # (column, reason) found while reading, reported by ``Importer.take``.
    pending: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None


@dataclass
class Group:
    """The rows of one order or invoice, consecutive in the file."""

    key: str
    rows: list[Row]

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def bad(self) -> bool:
        return any(r.bad for r in self.rows)


class Importer:
    """One import kind. Subclasses set the class attributes and implement ``process``."""

    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Grouped kinds (orders, invoices): many rows, one record, keyed by this column.
    group_by: ClassVar[str | None] = None
    label: ClassVar[str] = ""

    def __init__(self, *, by: User, run: ImportRun, report: Report, present: frozenset[str]):
        self.by = by
        self.run = run
        self.report = report
        self.present = present
        self.now = run.started_at
        self._column_cache: dict[str, PriceColumn | None] | None = None
        self._user_cache: dict[str, User | None] = {}
        # What the written documents changed in the analytics rollups (``touch``):
        # client and product ids, and the earliest date. Bounded by the clients and
        # products in the database, not by the file.
        self.touched_clients: set[int] = set()
        self.touched_products: set[int] = set()
        self.touched_since: dt.date | None = None

    # -- hooks ---------------------------------------------------------------------
    def check_file(self) -> None:
        """Refuse the whole file (raise a DomainError) when the user may not import this kind."""

    def process(self, rows: list[Row]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_groups(self, groups: list[Group]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> dict[str, Any]:
        """Called once after the last batch; returns extra facts for the run's audit entry."""
        return {}

    def refresh_rollups(self) -> None:
        """Called once when the import commits, in its transaction: bring the analytics
        rollups of what ``touch`` recorded up to date."""
        if not self.touched_clients and not self.touched_products:
            return

        refresh_rollups_for(
            self.touched_clients, product_ids=self.touched_products, since=self.touched_since
        )

    # -- helpers for kinds -------------------------------------------------------------
    def touch(self, client_id: int, day: dt.date, product_ids: Iterable[Any] = ()) -> None:
        """Record that a written document adds to the rollups of this client and these
        products from ``day`` on (call it for the document before and after a change)."""
        self.touched_clients.add(client_id)
        self.touched_products.update(p for p in product_ids if p is not None)
        if self.touched_since is None or day < self.touched_since:
            self.touched_since = day

    def reject(self, row: Row, column: str, reason: str) -> None:
        if not row.bad:
            row.bad = True
            self.report.bad_rows += 1
        self.report.add_error(row.number, column, reason)

    def take(self, rows: list[Row]) -> None:
        """Count rows read and report the problems found while reading them."""
        self.report.rows_read += len(rows)
        for row in rows:
            if row.pending:
                self.report.bad_rows += 1
                for column, reason in row.pending:
                    self.report.add_error(row.number, column, reason)
                row.pending = []

    def reject_group(self, group: Group, column: str, reason: str) -> None:
        """Refuse one order/invoice: the first row carries the reason, the others point to it."""
        first = group.first
        self.reject(first, column, reason)
        for row in group.rows[1:]:
            if not row.bad:
                self.reject(
                    row,
                    self.group_by or column,
                    f"skipped with its {self.label} (see row {first.number})",
                )

    def given(self, name: str) -> bool:
        return name in self.present

    def audit_update(self, obj: Model, before: dict[str, Any], after: dict[str, Any]) -> None:
        record(
            actor=self.by,
            action="update",
            obj=obj,
            before=before,
            after=after,
            note=f"import run {self.run.pk} ({self.kind})",
        )

    def audit_update_of(
        self, entity: str, pk: int, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        record(
            actor=self.by,
            action="update",
            entity=entity,
            entity_id=pk,
            before=before,
            after=after,
            note=f"import run {self.run.pk} ({self.kind})",
        )

    def check_needed(self, row: Row) -> bool:
        """A row that creates a record must fill every ``needed`` column."""
        ok = True
        for col in self.columns:
            if col.needed and not row.has(col.name):
                self.reject(row, col.name, "required to create a new record")
                ok = False
        return ok

    # Reference caches. Users and price columns are few; products and clients are
    # looked up per batch instead, so the cache never grows with the file.
    def price_column(self, ref: str) -> PriceColumn | str:
        """A column by ``CODE`` (if unique across price lists) or ``LIST/CODE``."""
        if self._column_cache is None:
            cache: dict[str, PriceColumn | None] = {}
            for col in PriceColumn.objects.select_related("price_list"):
                cache[f"{col.price_list.code}/{col.code}".upper()] = col
                code = col.code.upper()
                cache[code] = None if code in cache else col  # None marks an ambiguous code
            self._column_cache = cache
        key = ref.strip().upper()
        if key not in self._column_cache:
            return "unknown price-list column"
        found = self._column_cache[key]
        if found is None:
            return "the code is in several price lists; write LIST/CODE"
        return found

    def user_named(self, username: str) -> User | None:
        if username not in self._user_cache:
            if len(self._user_cache) > 10_000:  # keep the cache bounded on odd files
                self._user_cache.clear()
            self._user_cache[username] = User.objects.filter(
                username=username, is_active=True
            ).first()
        return self._user_cache[username]

    def kam_named(self, row: Row, column: str) -> User | None:
        """A user who may own clients and take orders: a KAM or a head of sales."""
        username = row.get(column)
        user = self.user_named(username)
        if user is None:
            self.reject(row, column, "unknown user")
            return None
        if not may_own_clients(user):
            self.reject(row, column, f"{username} is not a key account manager")
            return None
        return user


def refusal(exc: DomainError) -> str:
    """A domain error's message without the leading 'field: ' the services put there."""
    message = exc.message
    if exc.field and message.startswith(f"{exc.field}: "):
        return message[len(exc.field) + 2 :]
    return message


def noon(day: dt.date) -> dt.datetime:
    """A timestamp for a historical date: noon local time, so no timezone shifts the day."""
    from django.utils import timezone

    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=timezone.get_current_timezone())


def chunked(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

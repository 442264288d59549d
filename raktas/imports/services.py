"""``import_file``: load one CSV/XLSX file of one kind, as one user, all or nothing.

The file is streamed: rows are parsed and written in batches (``BATCH_SIZE``), so
memory holds one batch, not the file. Everything runs in one transaction; when
any row is bad the transaction is rolled back (unless ``skip_bad``), so a file
is never half-imported. ``dry_run`` does all the work and then rolls back.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from raktas.audit.services import record
from raktas.core.exceptions import DomainError, ValidationFailed
from raktas.imports.base import Column, Group, Importer, Report, Row
from raktas.imports.cells import CellError
from raktas.imports.kinds import KINDS
from raktas.imports.models import ImportRun, ImportStatus, SeenKey
from raktas.imports.readers import file_digest, open_table
from raktas.imports.sql import insert_rows
from raktas.org.models import User

BATCH_SIZE = 2000
MAX_ERRORS = 1000


def _kinds() -> dict[str, type[Importer]]:
    return KINDS


def kind_names() -> list[str]:
    return list(_kinds())


class FileRejected(DomainError):
    """The file as a whole cannot be imported (header, rights, format)."""

    code = "file_rejected"


def normalise(name: str) -> str:
    return re.sub(r"[\s\-./]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Layout:
    """Which file column feeds which import column."""

    positions: tuple[tuple[int, Column], ...]
    width: int

    @property
    def present(self) -> frozenset[str]:
        return frozenset(col.name for _, col in self.positions)


def map_header(header: list[str], importer_cls: type[Importer]) -> Layout:
    by_name: dict[str, Column] = {}
    for col in importer_cls.columns:
        by_name[col.name] = col
        for alias in col.aliases:
            by_name[alias] = col
    positions: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for index, raw in enumerate(header):
        name = normalise(raw)
        if not name:
            continue
        found = by_name.get(name)
        if found is None:
            problems.append(f"unknown column {raw!r}")
            continue
        col = found
        if col.name in seen:
            problems.append(f"column {col.name!r} appears twice")
            continue
        seen[col.name] = index
        positions.append((index, col))
    for col in importer_cls.columns:
        if col.key and col.name not in seen:
            problems.append(f"missing column {col.name!r}")
    if problems:
        known = ", ".join(c.name for c in importer_cls.columns)
        raise FileRejected(
            f"header (row 1): {'; '.join(problems)}. The {importer_cls.kind} columns are: {known}",
            field="header",
        )
    return Layout(tuple(positions), len(header))


def flag(row: Row, column: str, reason: str) -> None:
    """Mark a row bad while reading; the main thread reports it (``Importer.take``)."""
    row.bad = True
    row.pending.append((column, reason))


def parse_row(number: int, cells: list[Any], layout: Layout) -> Row:
    values: dict[str, Any] = {}
    row = Row(number, values)
    width = len(cells)
    for index, col in layout.positions:
        raw = cells[index] if index < width else None
        if raw.__class__ is str:
            raw = raw.strip()  # parsers get text without surrounding blanks
        if raw is None or raw == "":
            if col.key:
                flag(row, col.name, "required")
            values[col.name] = None
            continue
        try:
            values[col.name] = col.parse(raw)
        except CellError as exc:
            flag(row, col.name, str(exc))
            values[col.name] = None
    if width > layout.width:
        extra = [c for c in cells[layout.width :] if c not in (None, "") and str(c).strip()]
        if extra:
            flag(
                row,
                f"#{layout.width + 1}",
                "the row has more cells than the header (a delimiter inside an unquoted value?)",
            )
    return row


def _plain_batches(
    rows: Iterator[tuple[int, list[Any]]], layout: Layout, size: int
) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for number, cells in rows:
        batch.append(parse_row(number, cells, layout))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _group_batches(
    rows: Iterator[tuple[int, list[Any]]],
    layout: Layout,
    importer_cls: type[Importer],
    size: int,
) -> Iterator[tuple[list[Group], list[Row]]]:
    """Batches of whole groups (a batch never splits one order's lines), and the
    rows that belong to no group (their key is missing)."""
    key_name = importer_cls.group_by
    label = importer_cls.label
    assert key_name is not None
    header_cols = [col for _, col in layout.positions if col.header]
    batch: list[Group] = []
    loose: list[Row] = []
    closed: dict[str, int] = {}  # keys finished in this batch -> their first row
    current: Group | None = None
    n_rows = 0
    for number, cells in rows:
        row = parse_row(number, cells, layout)
        key = row.values.get(key_name)
        if key is None:  # flagged as a missing key
            loose.append(row)
            continue
        if current is not None and key == current.key:
            _check_header_repeat(current, row, header_cols, label)
            current.rows.append(row)
            n_rows += 1
            continue
        if current is not None:
            closed[current.key] = current.first.number
            if n_rows >= size:
                yield batch, loose
                batch, loose, closed, n_rows = [], [], {}, 0
        if key in closed:
            flag(
                row,
                key_name,
                f"{key} already appeared at row {closed[key]}; "
                f"the rows of one {label} must be consecutive",
            )
            loose.append(row)
            current = None
            continue
        current = Group(key, [row])
        batch.append(current)
        n_rows += 1
    if batch or loose:
        yield batch, loose


def _check_header_repeat(group: Group, row: Row, header_cols: list[Column], label: str) -> None:
    first = group.first
    for col in header_cols:
        value = row.values.get(col.name)
        if value is None:
            continue  # a blank header cell on a later line means "same as above"
        expected = first.values.get(col.name)
        if expected is not None and value != expected:
            flag(row, col.name, f"differs from row {first.number} of the same {label}")
        elif expected is None:
            first.values[col.name] = value


_DONE = object()


class _ReadAhead:
    """Read and parse the next batch in a thread while this one is written.

    The reader does no database work and reports nothing itself (rows carry their
    flags), so it needs no locking; the queue holds one batch, so memory stays at
    about two batches. SQLite and psycopg release the GIL while the database
    works, which is what the reader overlaps with.
    """

    def __init__(self, batches: Iterator[Any]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._work, args=(batches,), name="raktas-import-reader", daemon=True
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, batches: Iterator[Any]) -> None:
        try:
            for batch in batches:
                if not self._put(batch):
                    return
        except BaseException as exc:  # handed to the main thread, raised there
            self._put(_Failure(exc))
            return
        self._put(_DONE)

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@dataclass
class _Failure:
    exc: BaseException


def _drop_seen_groups(importer: Importer, run: ImportRun, groups: list[Group]) -> list[Group]:
    """Refuse groups whose key an earlier batch already wrote (their rows were not consecutive)."""
    keys = [g.key for g in groups]
    seen = set(SeenKey.objects.filter(run=run, key__in=keys).values_list("key", flat=True))
    insert_rows(SeenKey, ("run_id", "key"), [(run.pk, k) for k in keys if k not in seen])
    kept = []
    for group in groups:
        if group.key in seen:
            importer.reject_group(
                group,
                importer.group_by or "",
                f"{group.key} already appeared earlier in the file; "
                f"the rows of one {importer.label} must be consecutive",
            )
        else:
            kept.append(group)
    return kept


def _spread_bad_line(importer: Importer, group: Group) -> None:
    """One bad line spoils its order: importing the rest would give wrong totals."""
    bad = next((r for r in group.rows if r.bad), None)
    if bad is None:
        return
    for row in group.rows:
        if not row.bad:
            importer.reject(
                row,
                importer.group_by or "",
                f"skipped: row {bad.number} of the same {importer.label} is bad",
            )


def import_file(
    *,
    by: User,
    kind: str,
    path: Path | str,
    skip_bad: bool = False,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    max_errors: int = MAX_ERRORS,
    fmt: str | None = None,
    sheet: str | None = None,
) -> Report:
    """Import ``path`` as ``kind`` with the rights of ``by``; return the report.

    Never raises for bad data: a refused file or bad rows come back in the report
    with ``status`` rolled_back / failed. Every run is recorded as an ``ImportRun``.
    """
    kinds = _kinds()
    if kind not in kinds:
        raise ValidationFailed(f"kind: {kind!r} is not one of {', '.join(kinds)}", field="kind")
    importer_cls = kinds[kind]
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"file: {path} does not exist", field="file")
    sha256, size = file_digest(path)
    run = ImportRun.objects.create(
        kind=kind,
        file_name=path.name[:255],
        sha256=sha256,
        size_bytes=size,
        user=by,
        dry_run=dry_run,
        skip_bad=skip_bad,
        started_at=timezone.now(),
    )
    report = Report(kind=kind, file_name=path.name, sha256=sha256, max_errors=max_errors)
    report.run_id = run.pk
    by.forget_cached_access()
    try:
        table = open_table(path, fmt=fmt, sheet=sheet)
    except DomainError as exc:
        return _finish(run, report, ImportStatus.FAILED, exc.message)
    try:
        with transaction.atomic():
            status = _run(importer_cls, by, run, report, table, skip_bad, dry_run, batch_size)
            if status != ImportStatus.COMMITTED:
                transaction.set_rollback(True)
    except DomainError as exc:
        return _finish(run, report, ImportStatus.FAILED, exc.message)
    except DatabaseError as exc:
        return _finish(run, report, ImportStatus.FAILED, f"the database refused the import: {exc}")
    except Exception as exc:
        # A bug, not bad data: the transaction rolled back; say so on the run, then raise.
        _finish(run, report, ImportStatus.FAILED, f"internal error: {exc!r}")
        raise
    finally:
        table.close()
    return _finish(run, report, status, _summary(report, status))


def _run(
    importer_cls: type[Importer],
    by: User,
    run: ImportRun,
    report: Report,
    table: Any,
    skip_bad: bool,
    dry_run: bool,
    batch_size: int,
) -> str:
    layout = map_header(table.header, importer_cls)
    importer = importer_cls(by=by, run=run, report=report, present=layout.present)
    importer.check_file()
    if importer_cls.group_by:
        reader = _ReadAhead(_group_batches(table.rows, layout, importer_cls, batch_size))
        try:
            for groups, loose in reader:
                importer.take([r for g in groups for r in g.rows])
                importer.take(loose)
                groups = _drop_seen_groups(importer, run, groups)
                for group in groups:
                    _spread_bad_line(importer, group)
                importer.process_groups([g for g in groups if not g.bad])
        finally:
            reader.close()
        SeenKey.objects.filter(run=run).delete()
    else:
        reader = _ReadAhead(_plain_batches(table.rows, layout, batch_size))
        try:
            for rows in reader:
                importer.take(rows)
                importer.process([r for r in rows if not r.bad])
        finally:
            reader.close()
    extra = importer.finish()
    report.errors.sort(key=lambda e: e.row)  # stable: a row's own messages keep their order
    if report.bad_rows and not skip_bad:
        return ImportStatus.ROLLED_BACK
    if dry_run:
        return ImportStatus.DRY_RUN
    # Orders and invoices were written around the services that keep the analytics
    # rollups; recompute what they touched, in this transaction.
    importer.refresh_rollups()
    if report.created or report.updated:
        # One entry for the whole run: the rows it created are named by the file's
        # checksum and the run; updates of existing rows were audited row by row.
        record(
            actor=by,
            action="import",
            entity="imports.importrun",
            entity_id=run.pk,
            after={
                "kind": run.kind,
                "file": run.file_name,
                "sha256": run.sha256,
                "rows_read": report.rows_read,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "bad_rows_skipped": report.bad_rows,
                **extra,
            },
            note=f"import {run.kind} {run.file_name}"[:255],
        )
    return ImportStatus.COMMITTED


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _summary(report: Report, status: str) -> str:
    counts = (
        f"{report.rows_read} rows read: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.bad_rows} bad"
    )
    if status == ImportStatus.ROLLED_BACK:
        return (
            f"Nothing imported: {_rows(report.bad_rows)} bad. Fix them or use --skip-bad "
            f"(the good rows would give: {counts})."
        )
    if status == ImportStatus.DRY_RUN:
        return f"Dry run, nothing written. {counts}."
    if report.bad_rows:
        return f"Imported, bad rows skipped. {counts}."
    return f"Imported. {counts}."


def _finish(run: ImportRun, report: Report, status: str, message: str) -> Report:
    report.status = status
    report.message = message
    if status == ImportStatus.FAILED:
        # A refused file imports nothing: counts of rows "created" were rolled back.
        report.created = report.updated = 0
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        message=message,
        finished_at=timezone.now(),
        rows_read=report.rows_read,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        bad_rows=report.bad_rows,
        errors=[e.as_dict() for e in report.errors[:100]],
    )
    return report

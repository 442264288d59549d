"""Backups that restore: ``raktas backup FILE`` and ``raktas restore FILE``.

* **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot while the application keeps running — readers and the writer are not
  stopped, and what the WAL holds is included. The copy is a single standalone file
  (rollback journal, not WAL) checked with ``PRAGMA integrity_check``. Restore copies
  it page by page into the configured database file with the same API.
* **PostgreSQL**: ``pg_dump --format=custom`` (compressed, restorable table by table)
  and ``pg_restore --single-transaction``, so a failed restore leaves nothing
  half-written. The append-only triggers come back with the schema; loading rows
  (COPY) is an insert, which they allow.

Restore goes into an empty database (no rows in any table but Django's bookkeeping)
and refuses a database holding data unless ``force``: overwriting a live book must be
deliberate. docs/security.md ("Backups") has the schedule and the drill.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Rows Django itself writes into a freshly migrated database: they do not make it
# "not empty".
BOOKKEEPING = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "django_session"}
)


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


def tables_with_rows(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Row counts of every table that holds rows (Django's bookkeeping left out)."""
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in BOOKKEEPING or table.startswith("sqlite_"):
                continue
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            row = cursor.fetchone()
            if row and row[0]:
                out[table] = int(row[0])
    return out


def _require_empty(connection: BaseDatabaseWrapper, force: bool) -> None:
    if force:
        return
    full = tables_with_rows(connection)
    if full:
        some = ", ".join(f"{t} ({n})" for t, n in sorted(full.items())[:5])
        raise BackupError(
            f"the database is not empty: {len(full)} tables hold rows, e.g. {some}. "
            "Restore into a new, empty database, or pass --force to overwrite this one."
        )


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:":
        raise BackupError("the SQLite database is in memory: there is no file to back up")
    return Path(name)


def _check_sqlite_file(path: Path) -> None:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()
            has_migrations = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if not result or result[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")
    if not has_migrations:
        raise BackupError(f"{path} is not a Raktas database (no django_migrations table)")


def _sqlite_backup(connection: BaseDatabaseWrapper, target: Path) -> None:
    connection.ensure_connection()
    source: sqlite3.Connection = connection.connection
    fd, tmp_name = tempfile.mkstemp(prefix=".raktas-backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        copy = sqlite3.connect(tmp)
        try:
            source.backup(copy, pages=4096)  # in steps: the writer is never held for long
            copy.execute("PRAGMA journal_mode=DELETE")  # one standalone file
        finally:
            copy.close()
        _check_sqlite_file(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_restore(connection: BaseDatabaseWrapper, source: Path, force: bool) -> None:
    _check_sqlite_file(source)
    _require_empty(connection, force)
    target = _sqlite_path(connection)
    connection.close()
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        live = sqlite3.connect(target, timeout=30)
        try:
            backup.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
        finally:
            live.close()
    finally:
        backup.close()


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found on PATH: install the PostgreSQL client of the server's "
            f"major version (Debian: postgresql-client-15)"
        )
    return found


def _pg_args(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    s: dict[str, Any] = connection.settings_dict
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])  # never on the command line
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _pg_backup(connection: BaseDatabaseWrapper, target: Path) -> None:
    args, env = _pg_args(connection)
    fd, tmp_name = tempfile.mkstemp(prefix=".raktas-backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(tmp), *args], env)
        _run([_pg_tool("pg_restore"), "--list", str(tmp)], env)  # the archive reads back
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _pg_restore(connection: BaseDatabaseWrapper, source: Path, force: bool) -> None:
    args, env = _pg_args(connection)
    _run([_pg_tool("pg_restore"), "--list", str(source)], env)
    _require_empty(connection, force)
    connection.close()
    # --clean --if-exists: a migrated but empty database already has the tables.
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
    )


# --- the two entry points ----------------------------------------------------------------


def backup(target: Path, *, using: str = "default") -> None:
    """Write a backup of the database ``using`` to ``target`` (replaced atomically)."""
    connection = connections[using]
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    if connection.vendor == "sqlite":
        _sqlite_backup(connection, target)
    elif connection.vendor == "postgresql":
        _pg_backup(connection, target)
    else:  # pragma: no cover - settings allow only these two
        raise BackupError(f"no backup for {connection.vendor}")


def restore(source: Path, *, using: str = "default", force: bool = False) -> None:
    """Restore ``source`` (made by ``backup`` on the same kind of database) into the
    database ``using``, which must be empty unless ``force``."""
    connection = connections[using]
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, source, force)
    elif connection.vendor == "postgresql":
        _pg_restore(connection, source, force)
    else:  # pragma: no cover
        raise BackupError(f"no restore for {connection.vendor}")

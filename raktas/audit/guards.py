"""Database triggers that make the audit tables append-only.

On every database: UPDATE and DELETE of a row are refused. On PostgreSQL also TRUNCATE
(a statement-level trigger: row triggers never see it, and ``flush`` empties tables
with it). On SQLite also an ``INSERT OR REPLACE`` / ``INSERT`` that names the id of
an existing entry (a BEFORE INSERT trigger: REPLACE would otherwise delete the old row
without firing the DELETE trigger).

Installed by migrations and again after every ``migrate``/``flush`` (post_migrate), so
a database can never be left without them. ``remove`` exists for the test suite's
teardown flush and for migrations that must rewrite the tables (chaining existing
entries); ``raktas flush`` refuses while the guards are in place
(``raktas.audit.management.commands.flush``).
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLES = ("audit_auditentry", "audit_accessentry", "audit_accessalert")
PG_FUNCTION = "audit_refuse_change"
# Names of earlier versions, dropped on install and remove.
_PG_OLD_FUNCTION = "audit_auditentry_refuse"


def _sqlite_install(table: str) -> list[str]:
    refuse = f"SELECT RAISE(ABORT, '{table} is append-only')"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN {refuse}; END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN {refuse}; END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) BEGIN {refuse}; END",
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_{kind}"
        for kind in ("no_update", "no_delete", "no_replace")
    ]


def _pg_install(table: str) -> list[str]:
    return [
        *_pg_remove(table),
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


def _pg_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


PG_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege'; END; $$ LANGUAGE plpgsql"""


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    existing = set(connection.introspection.table_names())
    return [t for t in TABLES if t in existing]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper) -> None:
    tables = _tables(connection)
    if connection.vendor == "postgresql":
        statements = [PG_FUNCTION_SQL]
        for table in tables:
            statements += _pg_install(table)
        statements.append(f"DROP FUNCTION IF EXISTS {_PG_OLD_FUNCTION}()")
    else:
        statements = [sql for table in tables for sql in _sqlite_install(table)]
    _run(connection, statements)


def remove(connection: BaseDatabaseWrapper) -> None:
    tables = _tables(connection)
    if connection.vendor == "postgresql":
        statements = [sql for table in tables for sql in _pg_remove(table)]
        statements += [
            f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
            f"DROP FUNCTION IF EXISTS {_PG_OLD_FUNCTION}()",
        ]
    else:
        statements = [sql for table in tables for sql in _sqlite_remove(table)]
    _run(connection, statements)


def installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether any of the tables is guarded (what ``raktas flush`` refuses on)."""
    tables = _tables(connection)
    if not tables:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = ANY(%s) AND NOT t.tgisinternal",
                [tables],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
        row = cursor.fetchone()
    return bool(row and row[0])


def install_after_migrate(using: str = "default", **_: object) -> None:
    from django.db import connections

    install(connections[using])

"""The restore drill: back up a seeded database, restore it into an empty one, and
prove that every table holds the same number of rows, every client's ledger balance is
the same, and the audit chain is intact with the same head — on the database the
suite runs on (SQLite, or PostgreSQL when DATABASE_URL points at one).

The restore runs as an operator would run it: ``raktas restore FILE`` in another
process, with DATABASE_URL naming the new, empty database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from raktas.audit import chain, guards
from raktas.audit.services import record
from raktas.clients.models import Client
from raktas.core.backup import tables_with_rows
from raktas.ledger.selectors import client_balance
from raktas.seed.generator import Scale
from raktas.seed.loader import seed_database

ROOT = Path(__file__).resolve().parent.parent
RAKTAS = str(Path(sys.executable).with_name("raktas"))


def fingerprint() -> dict[str, Any]:
    """What must survive a backup and restore, as plain JSON."""
    verdict = chain.verify()
    return {
        "guarded": guards.installed(connection),
        "rows": tables_with_rows(connection),
        "balances": {
            c.registration_code: str(client_balance(c)) for c in Client.objects.order_by("id")
        },
        "audit": {"ok": verdict.ok, "count": verdict.count, "head": verdict.head},
    }


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RAKTAS_ENV")}
    env.update(
        DATABASE_URL=database_url, RAKTAS_ENV="dev", DJANGO_SETTINGS_MODULE="raktas.settings"
    )
    return env


def _run(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        args, cwd=ROOT, env=_env(database_url), capture_output=True, text=True, timeout=300
    )


def _fingerprint_of(database_url: str) -> dict[str, Any]:
    code = (
        "import django, json; django.setup(); "
        "from tests.test_backup_drill import fingerprint; print(json.dumps(fingerprint()))"
    )
    done = _run([sys.executable, "-c", code], database_url)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the suite's kind."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    s = connection.settings_dict
    name = f"raktas_drill_{uuid.uuid4().hex[:10]}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    server = f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_everything_equal(
    tmp_path: Path, empty_database: str
) -> None:
    seed_database(scale=Scale("drill", clients=25, products=30, order_lines=500, months=12), seed=3)
    record(actor=None, action="drill", entity="core.backup", entity_id="1", after={"n": 1})
    before = fingerprint()
    assert before["audit"]["ok"] and before["audit"]["count"] > 0
    assert before["rows"]["ledger_invoice"] > 0 and before["rows"]["ledger_payment"] > 0

    backup = tmp_path / "raktas.backup"
    call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size > 0

    restored = _run([RAKTAS, "restore", str(backup)], empty_database)
    assert restored.returncode == 0, restored.stderr
    after = _fingerprint_of(empty_database)
    assert after["rows"] == before["rows"]
    assert after["balances"] == before["balances"]
    assert after["audit"] == before["audit"]
    assert after["guarded"], "the append-only triggers came back with the schema"

    # A database that holds data is refused (here: the suite's own), and --force
    # overwrites one (the restored copy).
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup), verbosity=0)
    forced = _run([RAKTAS, "restore", "--force", str(backup)], empty_database)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.django_db
def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database")
    with pytest.raises(CommandError, match="restore"):
        call_command("restore", str(junk), verbosity=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing"), verbosity=0)

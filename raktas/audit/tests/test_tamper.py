"""The audit log cannot be wiped or rewritten on the database it runs on, and what is
changed behind the triggers' back is found by ``raktas audit verify``."""

from __future__ import annotations

import importlib
import itertools
import threading
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DatabaseError, close_old_connections, connection, transaction

from raktas.audit import chain, guards
from raktas.audit.models import AuditEntry
from raktas.audit.services import record

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def entries(world) -> list[AuditEntry]:
    made = [
        record(
            actor=world.kam_a, action="create", entity="clients.client", entity_id=i, after={"n": i}
        )
        for i in range(5)
    ]
    return [e for e in made if e is not None]


def _refused(sql: str, params: list[Any] | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_update_and_delete_are_refused_in_sql(entries) -> None:
    _refused("UPDATE audit_auditentry SET note = 'x' WHERE id = %s", [entries[0].pk])
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])
    _refused("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() == len(entries)


@pytest.mark.skipif(not POSTGRES, reason="TRUNCATE is PostgreSQL's; SQLite has DELETE only")
def test_truncate_is_refused_on_postgresql(entries) -> None:
    _refused("TRUNCATE audit_auditentry")
    _refused("TRUNCATE audit_auditentry, clients_client CASCADE")
    assert AuditEntry.objects.count() == len(entries)


def test_an_existing_entry_cannot_be_replaced(entries) -> None:
    """SQLite's INSERT OR REPLACE deletes the old row without firing the DELETE trigger;
    PostgreSQL's equivalent is an upsert, which fires the UPDATE trigger."""
    first = entries[0]
    columns = "id, at, actor_id, actor_username, action, entity, entity_id, note, prev_hash, hash"
    values = "%s, %s, NULL, 'mallory', 'create', 'x', '1', 'forged', '', ''"
    if POSTGRES:
        sql = (
            f"INSERT INTO audit_auditentry ({columns}) VALUES ({values}) "
            "ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note"
        )
    else:
        sql = f"INSERT OR REPLACE INTO audit_auditentry ({columns}) VALUES ({values})"
    _refused(sql, [first.pk, first.at])
    if not POSTGRES:
        _refused(
            f"REPLACE INTO audit_auditentry ({columns}) VALUES ({values})", [first.pk, first.at]
        )
    first.refresh_from_db()
    assert first.note == "" and first.actor_username == "kam_a"


def test_flush_is_refused_and_empties_nothing(entries) -> None:
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == len(entries)
    # Django's own flush, past the command's check, meets the database's refusal.
    with pytest.raises(CommandError, match="couldn't be flushed"):
        DjangoFlush().handle(
            database="default",
            interactive=False,
            verbosity=0,
            reset_sequences=False,
            allow_cascade=False,
            inhibit_post_migrate=True,
        )
    assert AuditEntry.objects.count() == len(entries)
    assert guards.installed(connection)


def test_entries_are_chained_and_verify_reports_intact(entries) -> None:
    rows = list(AuditEntry.objects.order_by("id"))
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    verdict = chain.verify(batch=2)  # batches of two: the walk crosses batch edges
    assert verdict.ok and verdict.count == len(rows) and verdict.head == rows[-1].hash


def _behind_the_triggers(sql: str, params: list[Any]) -> None:
    guards.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        guards.install(connection)


@pytest.mark.parametrize(
    "sql, broken",
    [
        ("UPDATE audit_auditentry SET note = 'nothing happened' WHERE id = %s", 0),
        ("UPDATE audit_auditentry SET after = NULL WHERE id = %s", 0),
        ("DELETE FROM audit_auditentry WHERE id = %s", 1),
    ],
    ids=["note-changed", "values-changed", "entry-removed"],
)
def test_verify_finds_an_entry_altered_with_the_triggers_dropped(entries, sql, broken) -> None:
    target = entries[2]
    _behind_the_triggers(sql, [target.pk])
    verdict = chain.verify()
    assert verdict.broken_at == entries[2 + broken].pk
    with pytest.raises(CommandError, match=f"broken link at entry #{entries[2 + broken].pk}"):
        call_command("audit", "verify")


def test_verify_command_prints_the_head(entries, capsys) -> None:
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "intact" in out and entries[-1].hash in out


def test_the_migration_chains_entries_written_before_the_chain(entries) -> None:
    _behind_the_triggers("UPDATE audit_auditentry SET hash = '', prev_hash = ''", [])
    assert not chain.verify().ok
    migration = importlib.import_module("raktas.audit.migrations.0004_chain_existing")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.up(django_apps, editor)
    verdict = chain.verify()
    assert verdict.ok and verdict.count == AuditEntry.objects.count()
    assert guards.installed(connection)
    _refused("DELETE FROM audit_auditentry")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    from raktas.testing.personas import build_world

    world = build_world()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                with transaction.atomic():
                    record(actor=world.kam_a, action="touch", entity="t", entity_id=f"{n}-{i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert AuditEntry.objects.filter(action="touch").count() == 30
    prevs = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs)), "two entries link to the same predecessor: a fork"
    assert chain.verify().ok

"""``raktas flush``, refusing while the audit tables are guarded.

Django's flush empties every table — on PostgreSQL with one TRUNCATE, on SQLite with
DELETE — and so would wipe the audit log and the access log. Their triggers refuse
either way (raktas.audit.guards); this says so in words before anything is tried.
The test suite's teardown lifts the guards first on purpose (conftest.py), and the
flush puts them back (post_migrate).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from raktas.audit import guards


class Command(DjangoFlush):
    help = DjangoFlush.help + " Refused while the append-only audit tables are guarded."

    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if guards.installed(connection):
            raise CommandError(
                "flush refused: the audit log and the access log are append-only and "
                "flush would empty them. To start afresh, create a new database "
                "(raktas migrate) or restore a backup into an empty one (raktas restore)."
            )
        super().handle(**options)

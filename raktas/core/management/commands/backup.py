"""raktas backup FILE — see raktas.core.backup and docs/security.md ("Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database to FILE while Raktas keeps running: SQLite's "
        "online backup API, or pg_dump's custom format on PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["file"]
        try:
            backup(target, using=options["database"])
        except BackupError as exc:
            raise CommandError(f"backup: {exc}") from exc
        size = target.stat().st_size
        self.stdout.write(f"backup written: {target} ({size:,} bytes)")

"""raktas restore FILE [--force] — see raktas.core.backup and docs/security.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `raktas backup` into the configured database, which "
        "must be empty (stop the server first). --force overwrites a database that "
        "holds data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that holds data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        try:
            restore(source, using=options["database"], force=options["force"])
        except BackupError as exc:
            raise CommandError(f"restore: {exc}") from exc
        self.stdout.write(
            f"restored {source}. Next: `raktas migrate` (if this code is newer than the "
            "backup) and `raktas audit verify`."
        )

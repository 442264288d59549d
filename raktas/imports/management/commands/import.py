"""``raktas import KIND FILE --as USERNAME``: load a CSV or XLSX file.

``--as`` is required: a command line has no logged-in user, and an import must
run with somebody's rights (what they may change, which clients they see) and
be audited under their name. There is deliberately no "system" default that
would bypass the access rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.core.exceptions import DomainError
from raktas.imports.models import ImportStatus
from raktas.imports.services import BATCH_SIZE, MAX_ERRORS, import_file, kind_names
from raktas.org.models import User


class Command(BaseCommand):
    help = "Import clients, contacts, products, prices, orders, invoices or payments from CSV/XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=kind_names())
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="USERNAME",
            help="Run with this user's rights; the changes are audited under their name.",
        )
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help="Import the good rows and list the bad ones (default: any bad row imports nothing).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], help="Default: from the file.")
        parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--max-errors",
            type=int,
            default=MAX_ERRORS,
            help="How many bad-row messages to keep and print; the rest are counted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user {options['as_user']!r}")
        try:
            report = import_file(
                by=user,
                kind=options["kind"],
                path=options["file"],
                skip_bad=options["skip_bad"],
                dry_run=options["dry_run"],
                batch_size=max(1, options["batch_size"]),
                max_errors=max(0, options["max_errors"]),
                fmt=options["format"],
                sheet=options["sheet"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors_not_kept:
            self.stderr.write(f"… and {report.errors_not_kept} more errors not shown")
        if report.status in (ImportStatus.COMMITTED, ImportStatus.DRY_RUN) and not (
            report.status == ImportStatus.DRY_RUN and report.bad_rows and not options["skip_bad"]
        ):
            self.stdout.write(f"{report.message} (import run {report.run_id})")
            return
        raise CommandError(f"{report.message} (import run {report.run_id})")

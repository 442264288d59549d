"""raktas bank-sample FILE [--date D]: write a camt.053 statement that pays some of the
open invoices in the database, to try the bank import with (raktas/banking/sample.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from raktas.banking.sample import sample_entries, sample_statement


class Command(BaseCommand):
    help = "Write a sample camt.053 statement paying some open invoices (for trying the import)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the XML")
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="booking date (today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entries = sample_entries()
        path = Path(options["file"])
        path.write_bytes(sample_statement(entries, day=options["date"] or timezone.localdate()))
        self.stdout.write(f"{path}: {len(entries)} credit entries")
        for e in entries:
            self.stdout.write(f"  {e.amount:>10} {e.debtor} → {e.expect or 'finance queue'}")

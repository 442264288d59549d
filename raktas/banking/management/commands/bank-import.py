"""raktas bank-import FILE --as USER: import a camt.053 statement or camt.054 notification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.banking.services import bank_import
from raktas.core.exceptions import DomainError
from raktas.org.models import User


class Command(BaseCommand):
    help = "Import an ISO 20022 camt.053/camt.054 file and match its credits to invoices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the camt XML file")
        parser.add_argument(
            "--as", dest="username", required=True, help="the finance user importing it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            result = bank_import(by=user, data=path.read_bytes(), file_name=path.name)
        except DomainError as exc:
            raise CommandError(f"{path.name}: nothing imported: {exc.message}") from None
        self.stdout.write(result.summary())
        for entry in result.created:
            if entry.status == "matched":
                self.stdout.write(
                    f"  matched  {entry.booking_date} {entry.amount} {entry.currency} "
                    f"{entry.debtor_name} -> {entry.client} ({entry.match_rule})"
                )
            else:
                self.stdout.write(
                    f"  waiting  {entry.booking_date} {entry.amount} {entry.currency} "
                    f"{entry.debtor_name}: {entry.note}"
                )

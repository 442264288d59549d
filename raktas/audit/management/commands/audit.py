"""``raktas audit verify``: walk the audit log's hash chain and report the first
broken link (exit status 1), or the number of entries and the head hash (status 0)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.audit import chain


class Command(BaseCommand):
    help = "The audit log: 'verify' checks its hash chain from the first entry to the last."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every entry's hash and its link to the one before")

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = chain.verify()
        if not verdict.ok:
            raise CommandError(
                f"audit log: broken link at entry #{verdict.broken_at}: {verdict.reason}. "
                f"The {verdict.count} entries before it are intact (their head hash "
                f"{verdict.head})."
            )
        self.stdout.write(
            f"audit log intact: {verdict.count} entries, head hash {verdict.head}. "
            "Keep this line elsewhere: a later verify must reach the same head or go past it."
        )

"""raktas seed --scale small|medium|large [--seed N] [--force]"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from raktas.seed.generator import SCALES
from raktas.seed.loader import SeedRefused, seed_database, unapplied_migrations


class Command(BaseCommand):
    help = (
        "Fill the database with deterministic, realistic data of a Lithuanian B2B "
        "distributor: small ≈ 300 clients, medium ≈ 5,000 clients and 1 M order lines, "
        "large = 50,000 clients, 20,000 products and 10 M order lines. Refuses a database "
        "that already holds business data unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "delete every business row (clients, catalogue, orders, ledger, imports, "
                "number sequences) first; users, teams, API tokens and the audit log stay. "
                "Refused when RAKTAS_ENV=production."
            ),
        )
        parser.add_argument(
            "--no-analyze", action="store_true", help="skip refreshing planner statistics"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = SCALES[options["scale"]]
        force = options["force"]
        if force and settings.RAKTAS_ENV == "production":
            raise CommandError(
                "--force deletes business data: refused with RAKTAS_ENV=production. "
                "Seed data belongs in a demo, dev or benchmark database."
            )
        verbose = options["verbosity"] >= 1

        def say(message: str) -> None:
            if verbose:
                self.stdout.write(f"  {message}")

        if verbose:
            self.stdout.write(f"Seeding scale {scale.name} (seed {options['seed']}) …")
        pending = unapplied_migrations()
        if pending:
            raise CommandError(
                f"the database is not migrated ({len(pending)} pending, e.g. {pending[0]}): "
                "run `raktas migrate` first"
            )
        try:
            report = seed_database(
                scale=scale,
                seed=options["seed"],
                force=force,
                analyze=not options["no_analyze"],
                progress=say,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from None
        if verbose:
            for label, count in report.counts.items():
                self.stdout.write(f"  {label:<22} {count:>12,}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {report.rows:,} rows on {report.vendor} in "
                    f"{report.seconds_total:.1f} s (generate and insert {report.seconds_load:.1f} s, "
                    f"indexes {report.seconds_indexes:.1f} s, "
                    f"derived data {report.seconds_hooks:.1f} s, "
                    f"analyze {report.seconds_analyze:.1f} s)."
                )
            )

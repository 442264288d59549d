"""``raktas analytics-refresh``: refit lifetime values and refresh tier proposals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from raktas.analytics.services import client_values_refresh, tier_proposals_refresh


class Command(BaseCommand):
    help = (
        "Fit BG/NBD and Gamma-Gamma on the purchase history, store each client's "
        "P(alive), expected orders, expected margin and NPV, and propose tiers. "
        "Run it nightly (cron or a scheduled task)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=None, help="horizon in months")
        parser.add_argument(
            "--rate", type=float, default=None, help="annual discount rate, e.g. 0.10"
        )

    def handle(self, *args: Any, **options: Any) -> None:

        result = client_values_refresh(months=options["months"], annual_rate=options["rate"])
        if result.fit is None:
            self.stdout.write(f"lifetime values not fitted: {result.skipped_reason}")
        else:
            fit = result.fit
            self.stdout.write(
                f"BG/NBD r={fit.r:.4g} alpha={fit.alpha:.4g} a={fit.a:.4g} b={fit.b:.4g}; "
                f"Gamma-Gamma p={fit.p} q={fit.q} gamma={fit.gamma}; "
                f"{result.clients} clients valued"
            )
        self.stdout.write(f"{tier_proposals_refresh()} new tier proposals")

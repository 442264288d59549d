"""``raktas analytics-rebuild``: recompute the analytics rollups from the documents."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from raktas.analytics.rollups import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the analytics rollups (client, category, product, day and reason "
        "tables) from invoices, credit notes and orders. Needed after loading documents "
        "with raw SQL (the seed does it for you) or after recategorising products."
    )

    def handle(self, *args: Any, **options: Any) -> None:

        start = time.perf_counter()
        counts = rebuild()
        for table, rows in counts.items():
            self.stdout.write(f"{table:22} {rows:>10,} rows")
        self.stdout.write(f"rebuilt in {time.perf_counter() - start:.1f} s")

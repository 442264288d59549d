"""`raktas collect`: the daily collection run and the nightly credit-score recompute.

Run it once a day from cron (docs/credit.md), e.g. ``15 2 * * * raktas collect``.
Both jobs are django.tasks tasks: with the default immediate backend they run here and
now and their summaries are printed; with a queueing backend they are handed to its
worker and this command prints the task ids.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.tasks import TaskResultStatus


class Command(BaseCommand):
    help = "Run the daily collection (dunning, promises, holds) and recompute credit scores."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default today")
        parser.add_argument(
            "--skip-scores", action="store_true", help="Do not recompute the credit scores"
        )
        parser.add_argument(
            "--scores-only", action="store_true", help="Only recompute the credit scores"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from raktas.collection.tasks import daily_collection_run
        from raktas.credit.tasks import refresh_all_scores

        day = options.get("date")
        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                raise CommandError(f"--date: {day!r} is not a date (YYYY-MM-DD)") from None
        jobs: list[tuple[str, Any]] = []
        if not options["scores_only"]:
            jobs.append(("collection", daily_collection_run.enqueue(day)))
        if not options["skip_scores"]:
            jobs.append(("scores", refresh_all_scores.enqueue()))
        failed = False
        for name, result in jobs:
            if result.status == TaskResultStatus.SUCCESSFUL:
                summary = json.dumps(result.return_value, sort_keys=True)
                self.stdout.write(f"{name}: {summary}")
            elif result.status == TaskResultStatus.FAILED:
                failed = True
                self.stderr.write(f"{name}: failed\n{result.errors[-1].traceback}")
            else:
                self.stdout.write(f"{name}: enqueued as task {result.id}")
        if failed:
            raise CommandError("a collection job failed (see above)")

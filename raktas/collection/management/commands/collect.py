"""`raktas collect`: the daily collection run and the nightly credit-score recompute.

Schedule it once a day (docs/credit.md, "Running the daily work"):

* ``raktas collect`` runs both jobs here and now and prints their summaries; it needs
  no worker, and a failure makes the command exit non-zero (cron mails it).
* ``raktas collect --enqueue`` puts both jobs on the task queue (django-tasks-db) for
  ``raktas db_worker`` and prints their task ids; the results stay in the database.
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
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the jobs to the task queue (run by `raktas db_worker`) instead of "
            "running them in this process",
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
        if options["scores_only"] and options["skip_scores"]:
            raise CommandError("--scores-only and --skip-scores leave nothing to run")
        jobs: list[tuple[str, Any, tuple[Any, ...]]] = []
        if not options["scores_only"]:
            jobs.append(("collection", daily_collection_run, (day,)))
        if not options["skip_scores"]:
            jobs.append(("scores", refresh_all_scores, ()))

        if options["enqueue"]:
            for name, job, job_args in jobs:
                result = job.enqueue(*job_args)
                if result.status == TaskResultStatus.FAILED:
                    # Only an immediate backend runs (and fails) a task at enqueue time.
                    raise CommandError(f"{name}: failed\n{result.errors[-1].traceback}")
                self.stdout.write(f"{name}: enqueued as task {result.id} ({result.status})")
            return

        for name, job, job_args in jobs:
            # Task.call runs the function itself, here, exactly as the worker would.
            summary = job.call(*job_args)
            self.stdout.write(f"{name}: {json.dumps(summary, sort_keys=True)}")

"""`raktas collect`: the daily work — the collection run, credit control's review of
the dunning holds, the nightly credit-score recompute, and whatever else an app
registers (``raktas.core.schedule``).

Schedule it once a day (docs/credit.md, "Running the daily work"):

* ``raktas collect`` runs every job here and now and prints their summaries; it needs
  no worker, and a failure makes the command exit non-zero (cron mails it).
* ``raktas collect --enqueue`` puts the jobs on the task queue (django-tasks-db) for
  ``raktas db_worker`` and prints their task ids; the results stay in the database.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.tasks import TaskResultStatus

from raktas.core.schedule import daily_jobs


class Command(BaseCommand):
    help = "Run the daily work: collection (dunning, promises), holds, credit scores and more."

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
        day = options.get("date")
        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                raise CommandError(f"--date: {day!r} is not a date (YYYY-MM-DD)") from None
        if options["scores_only"] and options["skip_scores"]:
            raise CommandError("--scores-only and --skip-scores leave nothing to run")
        jobs: list[tuple[str, Any, tuple[Any, ...]]] = []
        for job in daily_jobs():
            if options["scores_only"] and job.name != "scores":
                continue
            if options["skip_scores"] and job.name == "scores":
                continue
            jobs.append((job.name, job.task, (day,) if job.takes_date else ()))

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

"""The daily work: background tasks that every app may add to, run in one order.

``raktas collect`` (cron or a systemd timer, docs/credit.md) runs or enqueues every
registered job. An app registers its jobs from its ``handlers`` module, so the
command, which lives low, never imports the apps that add work above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DailyJob:
    name: str  # what the command prints and --skip/--only select
    task: Any  # a django.tasks Task
    order: int  # lower runs first
    takes_date: bool  # the task takes the day (ISO date string or None) to run as of


_JOBS: dict[str, DailyJob] = {}


def register_daily(name: str, task: Any, *, order: int, takes_date: bool) -> None:
    _JOBS[name] = DailyJob(name=name, task=task, order=order, takes_date=takes_date)


def daily_jobs() -> list[DailyJob]:
    return sorted(_JOBS.values(), key=lambda job: (job.order, job.name))

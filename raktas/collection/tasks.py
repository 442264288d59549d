"""Background work of collection (django.tasks): the daily run, scheduled with
``raktas collect [--enqueue]`` (cron or a systemd timer) — see docs/credit.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from raktas.collection.services import collection_run


@task
def daily_collection_run(as_of: str | None = None) -> dict[str, Any]:
    """Promises and dunning levels for the day ``as_of`` (ISO date; today)."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return collection_run(as_of=day).as_dict()

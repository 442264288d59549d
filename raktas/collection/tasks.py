"""Background work of collection (django.tasks): the daily run, enqueued by
``raktas collect`` (cron, daily) — see docs/credit.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task


@task
def daily_collection_run(as_of: str | None = None) -> dict[str, Any]:
    """Promises, dunning levels and holds for the day ``as_of`` (ISO date; today)."""
    from raktas.collection.services import collection_run

    day = dt.date.fromisoformat(as_of) if as_of else None
    return collection_run(as_of=day).as_dict()

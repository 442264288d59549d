"""Background work of credit control (django.tasks).

``refresh_client_score`` runs when a payment arrives (enqueued on commit by this app's
handler of ``PaymentRecorded``); ``refresh_all_scores`` and ``review_dunning_holds``
are part of the daily work, enqueued by ``raktas collect``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from raktas.clients.models import Client
from raktas.collection.services import promises_settle
from raktas.credit.scoring import credit_score_refresh, credit_scores_refresh_all
from raktas.credit.services import dunning_holds_review


@task
def refresh_client_score(client_id: int) -> dict[str, Any]:
    """A payment arrived: settle the client's promises it keeps, recompute the score."""
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        return {"client": client_id, "missing": True}
    promises_settle(client_id=client_id)
    score = credit_score_refresh(client)
    return {"client": client_id, "score": score.score, "grade": score.grade}


@task
def refresh_all_scores() -> dict[str, Any]:
    """Nightly: every client's score."""
    return {"clients": credit_scores_refresh_all()}


@task
def review_dunning_holds(as_of: str | None = None) -> dict[str, Any]:
    """Daily, after the collection run: lift the dunning holds no longer warranted."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return {"holds_lifted": dunning_holds_review(as_of=day)}

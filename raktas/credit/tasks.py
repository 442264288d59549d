"""Background work of credit control (django.tasks).

``refresh_client_score`` runs when a payment arrives (enqueued on commit by
``raktas.credit.hooks.payment_recorded``); ``refresh_all_scores`` nightly, enqueued
by ``raktas collect``.
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from raktas.clients.models import Client


@task
def refresh_client_score(client_id: int) -> dict[str, Any]:
    """A payment arrived: settle the client's promises it keeps, recompute the score."""
    from raktas.collection.services import promises_settle
    from raktas.credit.scoring import credit_score_refresh

    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        return {"client": client_id, "missing": True}
    promises_settle(client_id=client_id)
    score = credit_score_refresh(client)
    return {"client": client_id, "score": score.score, "grade": score.grade}


@task
def refresh_all_scores() -> dict[str, Any]:
    """Nightly: every client's score."""
    from raktas.credit.scoring import credit_scores_refresh_all

    return {"clients": credit_scores_refresh_all()}

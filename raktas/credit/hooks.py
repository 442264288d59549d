"""Hooks other apps call at the moments credit control must hear about."""

from __future__ import annotations

import functools
import logging

from django.db import transaction

logger = logging.getLogger("raktas.credit")


def _enqueue_score(client_id: int) -> None:
    from raktas.credit.tasks import refresh_client_score

    try:
        refresh_client_score.enqueue(client_id)
    except Exception:
        # Scoring is advisory: a queue outage must never undo or fail a payment.
        # The nightly recompute catches up.
        logger.exception("could not enqueue the score of client %s", client_id)


def payment_recorded(*, client_id: int) -> None:
    """Call inside the transaction that records a payment: once it commits, the
    client's score is recomputed in the background (never on a rolled-back payment)."""
    transaction.on_commit(functools.partial(_enqueue_score, client_id))

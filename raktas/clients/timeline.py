"""Write to a client's timeline: any context above clients may add an event.

Events are written by background work (the nightly collection run, the credit score)
as often as by a request, so each keeps its message and typed parameters and is
rendered in the reader's language when shown (``raktas.core.messages``). The English
rendering is stored as well (``text``): it is what the API returns, what an event
written before messages were kept shows, and what the audit trail reads.

Each app that writes events registers its kinds (a ``TextChoices``) from its
``AppConfig.ready`` with ``register_kinds``; ``timeline_add`` refuses a kind nobody
registered, so a typo cannot store an event no page can label.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices

from raktas.clients.models import TIMELINE_KINDS, TimelineEvent
from raktas.core.messages import Params, render_english


def register_kinds(choices: type[TextChoices]) -> None:
    for value, label in choices.choices:
        TIMELINE_KINDS[value] = label


def timeline_add(
    *,
    client_id: int,
    kind: str,
    message: str,
    params: Params | None = None,
    link: str = "",
    actor: Any = None,
) -> TimelineEvent:
    """Append one event to the client's timeline (inside the caller's transaction).
    ``message`` is an English template marked with ``gettext_noop``; ``params`` fill it."""
    if kind not in TIMELINE_KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}")
    params = params or {}
    return TimelineEvent.objects.create(
        client_id=client_id,
        kind=kind,
        text=render_english(message, params),
        message=message,
        params=params,
        link=link[:255],
        actor=actor if getattr(actor, "pk", None) is not None else None,
    )

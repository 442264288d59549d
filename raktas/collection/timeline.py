"""Write to a client's timeline. Kept apart from the services so that any app may
add an event without importing the collection services (and their imports)."""

from __future__ import annotations

from typing import Any

from raktas.collection.models import TimelineEvent, TimelineKind


def timeline_add(
    *, client_id: int, kind: str, text: str, link: str = "", actor: Any = None
) -> TimelineEvent:
    """Append one event to the client's timeline (inside the caller's transaction)."""
    if kind not in TimelineKind.values:
        raise ValueError(f"unknown timeline kind {kind!r}")
    return TimelineEvent.objects.create(
        client_id=client_id,
        kind=kind,
        text=text,
        link=link[:255],
        actor=actor if getattr(actor, "pk", None) is not None else None,
    )

"""What collection tells the contexts above it (``raktas.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from raktas.clients.models import Client
from raktas.collection.models import DunningLevel
from raktas.core.events import Event


@dataclass(frozen=True)
class DunningEscalated(Event):
    """The daily run put a client's overdue invoices on a level whose action stops
    their orders (``DunningAction.STOP_SHIPMENTS`` or ``LEGAL_HANDOVER``). Published
    inside the client's run transaction: credit control sets the hold in it."""

    client: Client
    level: DunningLevel
    reason: str

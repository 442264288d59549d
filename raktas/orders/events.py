"""What orders tell the contexts above them (``raktas.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from raktas.core.events import Event
from raktas.orders.models import Order
from raktas.org.models import User


@dataclass(frozen=True)
class OrderSubmitting(Event):
    """A draft is about to be handed to the order desk, inside the submitting
    transaction with the order row locked. A subscriber may refuse the submission by
    raising a ``DomainError`` (credit control does); the order then stays a draft."""

    order: Order
    by: User


@dataclass(frozen=True)
class OrderStatusChanged(Event):
    """An order moved from ``before`` to ``after`` (``OrderStatus`` values), inside
    the moving transaction."""

    order: Order
    before: str
    after: str
    by: User | None

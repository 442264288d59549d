"""Domain events: how a lower context makes higher ones react without importing them.

The layers (docs/architecture.md) let an app import only the apps below it. When
something happens in a lower app that a higher one must react to — an invoice is
issued (the sales rollups move), a payment is recorded (the credit score is
recomputed), an order is about to be submitted (credit control admits or refuses it)
— the lower app *publishes* an event, a frozen dataclass it defines in its own
``events.py``, and the higher app *subscribes* to it in its ``handlers.py``, which its
``AppConfig.ready`` imports. Nobody imports upwards, and the subscriptions are written
down next to the code that reacts.

Two kinds of subscriber:

* ``subscribe(Event)`` — runs at once, inside the publisher's transaction. For
  reactions that must commit or roll back with the change (rollups, credit exposure,
  holds) and for vetoes: a subscriber may raise a ``DomainError`` to refuse the change
  (credit control refusing a submission), and the publisher's transaction rolls back.
* ``subscribe(Event, on_commit=True)`` — runs after the publisher's transaction
  commits, never after a rollback. For work that must not be undone by a later error
  nor slow the request: enqueueing background tasks, notifications, webhooks. Such a
  subscriber must not raise into the caller; errors are logged.

Subscribers run in the order they subscribed (the apps' order in ``INSTALLED_APPS``).
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

logger = logging.getLogger("raktas.events")


@dataclass(frozen=True)
class Event:
    """Base of every domain event. Subclasses are frozen dataclasses that carry ids
    and plain values, so an on-commit subscriber can read the rows afresh."""


type Handler[E: Event] = Callable[[E], Any]


@dataclass(frozen=True)
class _Subscription:
    handler: Callable[[Any], Any]
    on_commit: bool


_subscriptions: dict[type[Event], list[_Subscription]] = defaultdict(list)


def subscribe[E: Event](
    event_type: type[E], *, on_commit: bool = False
) -> Callable[[Handler[E]], Handler[E]]:
    """Decorate a function of one argument (the event) to run when ``event_type`` (or
    a subclass of it) is published. Subscribing the same function twice is a no-op,
    so re-importing a handlers module does not double the reactions."""

    def register(handler: Handler[E]) -> Handler[E]:
        entry = _Subscription(handler, on_commit)
        if entry not in _subscriptions[event_type]:
            _subscriptions[event_type].append(entry)
        return handler

    return register


def subscribers(event_type: type[Event]) -> list[tuple[Callable[[Any], Any], bool]]:
    """(handler, on_commit) for ``event_type``, its own and its bases' (for tests and docs)."""
    out: list[tuple[Callable[[Any], Any], bool]] = []
    for klass in event_type.__mro__:
        for entry in _subscriptions.get(klass, []):
            out.append((entry.handler, entry.on_commit))
    return out


def _after_commit(handler: Callable[[Any], Any], event: Event) -> None:
    try:
        handler(event)
    except Exception:
        # The change is committed; a reaction that fails must not turn the request
        # into an error after the fact. Every on-commit reaction has a catch-up path
        # (the nightly run, a retry) documented where it is subscribed.
        logger.exception("on-commit handler %s failed for %r", handler.__qualname__, event)


def publish(event: Event) -> None:
    """Tell the subscribers of ``event``'s type (and of its bases) what happened.

    Immediate subscribers run now, in the caller's transaction, and may raise to
    refuse; on-commit subscribers are queued for after the commit."""
    for handler, on_commit in subscribers(type(event)):
        if on_commit:
            transaction.on_commit(functools.partial(_after_commit, handler, event))
        else:
            handler(event)

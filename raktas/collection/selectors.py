"""Every read of collection data, limited to what the user may see (the client's
account: the book's KAMs, deputy and head, finance, the director — not the order
desk, not the administrator)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from raktas.clients.selectors import account_clients_visible_to
from raktas.collection.models import (
    CollectionTask,
    DunningLetter,
    DunningLevel,
    PromiseStatus,
    PromiseToPay,
    TaskKind,
    TaskStatus,
)
from raktas.core.exceptions import NotFound
from raktas.org.access import today
from raktas.org.models import User


def dunning_levels() -> QuerySet[DunningLevel]:
    """The ladder is configuration, the same for everyone."""
    return DunningLevel.objects.order_by("order")


def promises_visible_to(user: User) -> QuerySet[PromiseToPay]:
    return PromiseToPay.objects.filter(client__in=account_clients_visible_to(user))


def collection_tasks_visible_to(user: User) -> QuerySet[CollectionTask]:
    return CollectionTask.objects.filter(client__in=account_clients_visible_to(user))


def get_task_for(user: User, pk: int) -> CollectionTask:
    task = collection_tasks_visible_to(user).select_related("client").filter(pk=pk).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


def letters_visible_to(user: User) -> QuerySet[DunningLetter]:
    return DunningLetter.objects.filter(client__in=account_clients_visible_to(user))


def get_letter_for(user: User, pk: int) -> DunningLetter:
    letter = letters_visible_to(user).filter(pk=pk).first()
    if letter is None:
        raise NotFound("Letter not found.")
    return letter


def broken_promises_for(user: User, *, days: int = 30) -> QuerySet[PromiseToPay]:
    """Promises broken in the last ``days`` days in the user's view, newest first."""
    since = today() - dt.timedelta(days=days)
    return (
        promises_visible_to(user)
        .filter(status=PromiseStatus.BROKEN, promised_on__gte=since)
        .select_related("client")
        .order_by("-promised_on", "-id")
    )


def dunning_calls_for(user: User) -> QuerySet[CollectionTask]:
    """Open call tasks due today or earlier in the user's view, oldest first."""
    return (
        collection_tasks_visible_to(user)
        .filter(status=TaskStatus.OPEN, kind=TaskKind.DUNNING_CALL, due_on__lte=today())
        .select_related("client", "assigned_to")
        .order_by("due_on", "id")
    )


def today_collection(user: User) -> dict[str, Any]:
    """What the Today page shows about collection: broken promises and dunning calls
    (each limited to 20 rows, with their counts)."""
    broken = broken_promises_for(user)
    calls = dunning_calls_for(user)
    follow_ups = (
        collection_tasks_visible_to(user)
        .filter(status=TaskStatus.OPEN, kind=TaskKind.BROKEN_PROMISE)
        .select_related("client")
        .order_by("due_on", "id")
    )
    return {
        "broken_promises": list(broken[:20]),
        "broken_promises_count": broken.count(),
        "dunning_calls": list(calls[:20]),
        "dunning_calls_count": calls.count(),
        "promise_follow_ups": list(follow_ups[:20]),
    }

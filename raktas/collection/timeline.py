"""Write to a client's timeline. Kept apart from the services so that any app may
add an event without importing the collection services (and their imports).

Events and collection tasks are written by background work (the nightly collection
run, the credit score) as often as by a request, so their text cannot be translated
when it is written: a Lithuanian KAM would read what the run wrote in English. Each one
therefore keeps its message — an English template marked with ``gettext_noop`` — and
its parameters, and is rendered in the reader's language when shown
(``TimelineEvent.display_text``, ``CollectionTask.display_title``). Amounts and days
are kept as typed parameters (``money_param``, ``day_param``) so they are formatted the
reader's way too (``1 234,56 €`` / ``€1,234.56``). The English rendering is stored as
well (``text``, ``title``): it is what the API returns, what an event written before
messages were kept shows, and what the audit trail reads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from raktas.collection.models import TimelineEvent, TimelineKind

Params = dict[str, Any]


def money_param(amount: Decimal | int | str, currency: str) -> dict[str, str]:
    return {"money": str(amount), "currency": currency}


def day_param(day: dt.date) -> dict[str, str]:
    return {"day": day.isoformat()}


def order_param(order: Any) -> dict[str, Any]:
    """An order as its number, or "Draft 12" in the reader's language before it has one."""
    return {"order": order.number or "", "id": order.pk}


def message_param(message: str, params: Params) -> dict[str, Any]:
    """A message inside a message (a task's title inside "… — done")."""
    return {"message": message, "params": params}


def _value(value: Any) -> str:
    from raktas.web import formatting

    if isinstance(value, dict):
        if "money" in value:
            return formatting.money(Decimal(value["money"]), value.get("currency") or "EUR")
        if "day" in value:
            return formatting.day(dt.date.fromisoformat(value["day"]))
        if "message" in value:
            return render(value["message"], value.get("params") or {})
        if "order" in value:
            return value["order"] or gettext("Draft %(id)s") % {"id": value.get("id", "")}
        if "refusal" in value:
            from raktas.credit.models import RefusalCode

            return str(RefusalCode(value["refusal"]).label)
        if "number" in value:
            return _number(Decimal(value["number"]))
        if "amount" in value:
            return formatting.number(Decimal(value["amount"]), 2)
        if "signed" in value:
            signed = Decimal(value["signed"])
            sign = "+" if signed > 0 else "−" if signed < 0 else ""
            return sign + _number(abs(signed))
    return str(value)


def _number(value: Decimal) -> str:
    """A number with the reader's separators and exactly the decimals it was given."""
    from raktas.web import formatting

    exponent = value.as_tuple().exponent
    return formatting.number(value, max(0, -exponent) if isinstance(exponent, int) else None)


def render(message: str, params: Params) -> str:
    """The message in the active language with its parameters filled in."""
    return gettext(message) % {key: _value(value) for key, value in params.items()}


def render_english(message: str, params: Params) -> str:
    with translation.override("en"):
        return render(message, params)


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
    if kind not in TimelineKind.values:
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

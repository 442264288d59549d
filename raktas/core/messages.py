"""Stored messages: a code and typed parameters, rendered in the reader's language.

Much of what Raktas writes down is written by background work (the nightly collection
run, the credit score) or by one person for another, so it cannot be translated when
it is written: a Lithuanian KAM would read what the run wrote in English. Such a text
is kept as its *message* — an English template marked with ``gettext_noop`` — and its
*parameters*, and rendered in the reader's language when shown (``render``). Amounts,
days and the labels of choices are typed parameters, so they are formatted the
reader's way too (``1 234,56 €`` / ``€1,234.56``, ``2026-12-07`` / ``7 Dec 2026``).
The English rendering (``render_english``) is what the API and the audit trail read.

Parameter shapes (plain JSON, so they can be stored):

* ``money_param(amount, currency)`` → ``{"money": "12.30", "currency": "EUR"}``
* ``day_param(date)`` → ``{"day": "2026-12-07"}``
* ``order_param(order)`` → ``{"order": "SO-0000012", "id": 12}`` ("Draft 12" when unnumbered)
* ``message_param(message, params)`` → a message inside a message
* ``choice_param(kind, value)`` → ``{kind: value}``: the label of a choice registered
  with ``register_choices(kind, TextChoices)`` by the app that owns the choices (so a
  lower app can store a higher app's refusal code and still show its label)
* ``{"number": "9.4"}`` (the decimals it was given), ``{"amount": "12.3"}`` (two
  decimals), ``{"signed": "-2"}`` (with its sign); anything else as ``str``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext

from raktas.core import formatting

Params = dict[str, Any]

_CHOICES: dict[str, type[TextChoices]] = {}


def register_choices(kind: str, choices: type[TextChoices]) -> None:
    """Let messages carry ``{kind: value}`` and show the value's label. The app that
    owns ``choices`` calls this from its ``AppConfig.ready``."""
    _CHOICES[kind] = choices


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


def choice_param(kind: str, value: str) -> dict[str, str]:
    return {kind: value}


def _number(value: Decimal) -> str:
    """A number with the reader's separators and exactly the decimals it was given."""
    exponent = value.as_tuple().exponent
    return formatting.number(value, max(0, -exponent) if isinstance(exponent, int) else None)


def _choice(value: dict[str, Any]) -> str | None:
    for kind, choices in _CHOICES.items():
        if kind in value:
            code = value[kind]
            try:
                return str(choices(code).label)
            except ValueError:  # a code retired since it was stored
                return str(code)
    return None


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "money" in value:
            return formatting.money(Decimal(value["money"]), value.get("currency") or "EUR")
        if "day" in value:
            return formatting.day(dt.date.fromisoformat(value["day"]))
        if "message" in value:
            return render(value["message"], value.get("params") or {})
        if "order" in value:
            return value["order"] or gettext("Draft %(id)s") % {"id": value.get("id", "")}
        label = _choice(value)
        if label is not None:
            return label
        if "number" in value:
            return _number(Decimal(value["number"]))
        if "amount" in value:
            return formatting.number(Decimal(value["amount"]), 2)
        if "signed" in value:
            signed = Decimal(value["signed"])
            sign = "+" if signed > 0 else "−" if signed < 0 else ""
            return sign + _number(abs(signed))
    return str(value)


def render(message: str, params: Params) -> str:
    """The message in the active language with its parameters filled in."""
    return gettext(message) % {key: _value(value) for key, value in params.items()}


def render_english(message: str, params: Params) -> str:
    with translation.override("en"):
        return render(message, params)

"""Template filters: ``{{ amount|money }}``, ``{{ qty|num }}``, ``{{ date|day }}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template

from raktas.core import formatting

register = template.Library()


@register.filter
def money(value: object, currency: str = "EUR") -> str:
    return formatting.money(value, currency or "EUR")


@register.filter
def num(value: object, places: int | str | None = None) -> str:
    """``{{ x|num }}`` keeps significant decimals; ``{{ x|num:2 }}`` rounds to two."""
    return formatting.number(value, None if places in (None, "") else int(places))


@register.filter
def pct(value: object) -> str:
    return formatting.percent(value)


@register.filter
def day(value: object) -> str:
    return formatting.day(value)  # type: ignore[arg-type]


@register.filter
def ref(order: object) -> str:
    return formatting.order_ref(order)


@register.filter
def share(value: object, places: int | str = 0) -> str:
    """A fraction as a percentage: ``{{ 0.234|share }}`` is ``23 %``, ``{{ x|share:1 }}``
    keeps one decimal."""
    if value is None or value == "":
        return ""
    try:
        fraction = Decimal(str(value))
    except InvalidOperation:
        return ""
    return formatting.percent((fraction * 100).quantize(Decimal(1).scaleb(-int(places))))


@register.filter
def month(value: dt.date | None) -> str:
    """A month: ``2026-10`` in Lithuanian, ``Oct 2026`` in English."""
    return formatting.month(value) if value else ""

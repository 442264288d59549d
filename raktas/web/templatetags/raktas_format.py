"""Template filters: ``{{ amount|money }}``, ``{{ qty|num }}``, ``{{ date|day }}``."""

from __future__ import annotations

from django import template

from raktas.web import formatting

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

"""``{{ rate|share }}``: a fraction as a percentage with one decimal (0.023 → 2,3 %);
``{{ code|tier_label }}``: a tier code in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django import template

from raktas.clients.models import Tier
from raktas.core import formatting

register = template.Library()


@register.filter
def share(value: object) -> str:
    if value is None or value == "":
        return "–"
    number = formatting.number(Decimal(repr(float(value) * 100)), 1)  # type: ignore[arg-type]
    return f"{number}{formatting.NBSP}%"


@register.filter
def tier_label(value: object) -> str:
    return str(dict(Tier.choices).get(str(value), value))

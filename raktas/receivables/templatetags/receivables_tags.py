from __future__ import annotations

from decimal import Decimal

from django import template

from raktas.receivables.aging import AgingRow

register = template.Library()


@register.filter
def dso_of(row: AgingRow, days: int) -> Decimal | None:
    """A row's days sales outstanding over ``days`` (templates cannot pass arguments)."""
    return row.dso(int(days))

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext

from raktas.receivables.aging import AgingRow

register = template.Library()


@register.filter
def dso_of(row: AgingRow, days: int) -> Decimal | None:
    """A row's days sales outstanding over ``days`` (templates cannot pass arguments)."""
    return row.dso(int(days))


@register.filter
def bucket(label: str) -> str:
    """A bucket's key as people read it: "not_due" → "Not due", "1-30" → "1–30 days",
    "over_90" → "Over 90 days" (the keys stay as they are in the API and the XLSX)."""
    if label == "not_due":
        return gettext("Not due")
    if label.startswith("over_"):
        return gettext("Over %(days)s days") % {"days": label.removeprefix("over_")}
    low, _sep, high = label.partition("-")
    return gettext("%(low)s–%(high)s days") % {"low": low, "high": high}

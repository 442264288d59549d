"""Numbers inside the sentences analytics writes (reasons, alerts), in the reader's
language: ``30.0%`` in English, ``30,0 %`` in Lithuanian."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from raktas.core import formatting


def pct(value: float, places: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``pct(0.3, 1)`` → ``30.0%`` (en), ``30,0 %`` (lt)."""
    lang = (translation.get_language() or "en")[:2]
    text = formatting.number(Decimal(repr(float(value) * 100)), places, lang=lang)
    if signed and value > 0:
        text = "+" + text
    return text + (formatting.NBSP + "%" if lang == "lt" else "%")


def number(value: float, places: int = 0) -> str:
    lang = (translation.get_language() or "en")[:2]
    return formatting.number(Decimal(repr(float(value))), places, lang=lang)

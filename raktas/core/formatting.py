"""Numbers, money and dates as people read them in each language.

``1 234,56 €`` in Lithuanian, ``€1,234.56`` in English. Written by hand instead of
Django's ``floatformat``/``intcomma`` so that a Decimal is never passed through a
float, and the Lithuanian grouping is a (non-breaking) space as the standard asks,
not the dot Django's ``lt`` locale uses.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats, translation

NBSP = "\u00a0"

# (thousands separator, decimal separator) per language.
_SEPARATORS = {"lt": (NBSP, ","), "en": (",", ".")}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_DATE_FORMATS = {"lt": "Y-m-d", "en": "j M Y"}
_MONTH_FORMATS = {"lt": "Y-m", "en": "M Y"}


def _lang(lang: str | None) -> str:
    code = (lang or translation.get_language() or "en").split("-")[0]
    return code if code in _SEPARATORS else "en"


def _to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def group(digits: str, sep: str) -> str:
    """Group an unsigned string of digits in threes from the right."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def number(value: object, places: int | None = 2, *, lang: str | None = None) -> str:
    """A number with the language's separators. ``places=None`` keeps the significant
    decimals (quantities: ``5`` not ``5,000``)."""
    amount = _to_decimal(value)
    if amount is None:
        return ""
    thousands, decimal_sep = _SEPARATORS[_lang(lang)]
    if places is None:
        amount = amount.normalize() if amount == amount.to_integral() else amount
        text = format(amount.normalize(), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        quantum = Decimal(1).scaleb(-places)
        text = format(amount.quantize(quantum, rounding=ROUND_HALF_UP), "f")
    negative = text.startswith("-")
    text = text.lstrip("-")
    whole, _, frac = text.partition(".")
    out = group(whole, thousands) + (decimal_sep + frac if frac else "")
    if negative and any(ch not in "0" for ch in whole + frac):
        out = "-" + out
    return out


def money(value: object, currency: str = "EUR", *, lang: str | None = None) -> str:
    """``1 234,56 €`` (lt) or ``€1,234.56`` (en); other currencies keep their code."""
    text = number(value, 2, lang=lang)
    if not text:
        return ""
    code = _lang(lang)
    symbol = _SYMBOLS.get(currency, currency)
    if code == "lt":
        return f"{text}{NBSP}{symbol}"
    if symbol == currency:  # a code, not a sign: "1,234.56 PLN"
        return f"{text}{NBSP}{symbol}"
    if text.startswith("-"):
        return f"-{symbol}{text[1:]}"
    return f"{symbol}{text}"


def percent(value: object, *, lang: str | None = None) -> str:
    text = number(value, None, lang=lang)
    return f"{text}{NBSP}%" if text else ""


def day(value: dt.date | dt.datetime | None, *, lang: str | None = None) -> str:
    """A date: ``2026-11-28`` in Lithuanian (the national standard), ``28 Nov 2026`` in English."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    code = _lang(lang)
    if code == "lt":
        return value.isoformat()  # tables print hundreds of dates: skip the formatter
    return formats.date_format(value, _DATE_FORMATS[code])


def month(value: dt.date, *, lang: str | None = None) -> str:
    return formats.date_format(value, _MONTH_FORMATS[_lang(lang)])


def order_ref(order: object) -> str:
    """An order's number, or "Draft 12" in the user's language before it has one."""
    from django.utils.translation import gettext

    number = getattr(order, "number", None)
    if number:
        return str(number)
    return gettext("Draft %(id)s") % {"id": getattr(order, "pk", "")}

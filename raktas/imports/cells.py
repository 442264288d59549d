"""Parsers for one cell each. A parser returns the typed value or raises ``CellError``.

Cells come as text from CSV and as typed values from XLSX (int, float, datetime,
bool), so every parser accepts both. Empty cells never reach a parser: the
driver turns them into ``None`` first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from raktas.core.exceptions import ValidationFailed
from raktas.core.money import parse_decimal

Parser = Callable[[Any], Any]


class CellError(Exception):
    """The reason one cell is refused, worded for the person who wrote the file."""


def as_text(raw: Any) -> str:
    """A cell as text. A spreadsheet stores 300123456 as a number: give back the digits."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time(0) else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


def text(max_length: int) -> Parser:
    def parse(raw: Any) -> str:
        value = raw if raw.__class__ is str else as_text(raw)  # the driver stripped text
        if len(value) > max_length:
            raise CellError(f"is {len(value)} characters long; at most {max_length} allowed")
        return value

    return parse


def upper_code(length: int) -> Parser:
    def parse(raw: Any) -> str:
        value = as_text(raw).upper()
        if len(value) != length or not value.isalpha() or not value.isascii():
            raise CellError(f"{value!r} is not a {length}-letter code")
        return value

    return parse


def email(raw: Any) -> str:
    value = as_text(raw)
    if len(value) > 254:
        raise CellError("is longer than 254 characters")
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(f"{value!r} is not an e-mail address") from None
    return value


def decimal(
    *,
    places: int,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
    positive: bool = False,
    max_digits: int = 18,
) -> Parser:
    """A number, with a decimal comma or point; at most ``places`` decimals."""
    step = Decimal(1).scaleb(-places)
    limit = Decimal(10) ** (max_digits - places)

    def parse(raw: Any) -> Decimal:
        try:
            if raw.__class__ is str and "," not in raw and " " not in raw and "\xa0" not in raw:
                # The common case, without parse_decimal's clean-up (same result).
                value = Decimal(raw.strip())
                if not value.is_finite():
                    raise ValidationFailed("not finite")
            else:
                value = parse_decimal(raw, field="")
        except (ValidationFailed, ArithmeticError, ValueError):
            raise CellError(f"{as_text(raw)!r} is not a number") from None
        if positive and value <= 0:
            raise CellError("must be greater than zero")
        if minimum is not None and value < minimum:
            raise CellError(f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise CellError(f"must be at most {maximum}")
        if abs(value) >= limit:
            raise CellError("is too large")
        try:
            rounded = value.quantize(step)
        except ArithmeticError:
            raise CellError("is too large") from None
        if rounded != value:
            if isinstance(raw, float):
                # A spreadsheet float such as 2.5499999999 stands for 2.55.
                return rounded
            raise CellError(f"has more than {places} decimal places")
        return rounded

    return parse


def integer(*, minimum: int = 0, maximum: int = 2**31 - 1) -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        else:
            txt = as_text(raw)
            if not re.fullmatch(r"[+-]?\d+", txt):
                raise CellError(f"{txt!r} is not a whole number")
            value = int(txt)
        if value < minimum or value > maximum:
            raise CellError(f"must be between {minimum} and {maximum}")
        return value

    return parse


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_YMD_DOTS = re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})\.?")


def date(raw: Any) -> dt.date:
    """YYYY-MM-DD (a time after it is ignored), DD.MM.YYYY or YYYY.MM.DD; or a date cell."""
    if raw.__class__ is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass  # the slow path below says why
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    txt = as_text(raw)
    if m := _ISO.fullmatch(txt):
        y, mo, d = m.group(1), m.group(2), m.group(3)
    elif m := _DMY.fullmatch(txt):
        d, mo, y = m.group(1), m.group(2), m.group(3)
    elif m := _YMD_DOTS.fullmatch(txt):
        y, mo, d = m.group(1), m.group(2), m.group(3)
    else:
        raise CellError(f"{txt!r} is not a date (use YYYY-MM-DD, DD.MM.YYYY or YYYY.MM.DD)")
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        raise CellError(f"{txt!r} is not a real date") from None


_TRUE = {"1", "true", "yes", "y", "t", "taip", "x"}
_FALSE = {"0", "false", "no", "n", "f", "ne"}


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    txt = as_text(raw).lower()
    if txt in _TRUE:
        return True
    if txt in _FALSE:
        return False
    raise CellError(f"{txt!r} is not yes/no (use 1/0, true/false, yes/no, taip/ne)")


def choice(choices: type[models.TextChoices]) -> Parser:
    """One of the stored values, or its English label, in any letter case."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[str(value).lower()] = str(value)
        lookup[str(label).lower()] = str(value)
    allowed = ", ".join(str(v) for v in choices.values)

    def parse(raw: Any) -> str:
        txt = as_text(raw).lower()
        value = lookup.get(txt) or lookup.get(txt.replace(" ", "_"))
        if value is None:
            raise CellError(f"{as_text(raw)!r} is not one of: {allowed}")
        return value

    return parse

"""Money is ``Decimal``, rounded half-up to cents at the points the law rounds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.db.models.expressions import Combinable, register_combinable_fields

from raktas.core.exceptions import ValidationFailed

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_DIGITS = 18
PRICE_PLACES = 4


def q2(value: Decimal) -> Decimal:
    """Round to cents, half up (the usual commercial rule, not banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(raw: object, *, field: str) -> Decimal:
    """Parse user input into a Decimal, accepting a decimal comma; raise with the field name."""

    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationFailed(f"{field}: {raw!r} is not a number", field=field) from None
    if not value.is_finite():
        raise ValidationFailed(f"{field}: {raw!r} is not a finite number", field=field)
    return value


class MoneyField(models.DecimalField):
    """An amount in a currency's minor units: 18 digits, 2 places."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def to_cents(value: Decimal | int) -> int:
    """Whole cents of an amount; refuses a fraction of a cent instead of rounding it away."""
    if isinstance(value, int):
        return value * 100
    cents = Decimal(value).scaleb(2)
    if cents != cents.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of cents")
    return int(cents)


def from_cents(cents: int | Decimal) -> Decimal:
    """An amount of whole cents as a Decimal with 2 places (exact, any size)."""
    if isinstance(cents, Decimal):  # a numeric SUM on PostgreSQL
        return cents.scaleb(-2).quantize(CENT)
    # An int scaled by 10**-2 already has exactly 2 places; no quantize on hot paths.
    return Decimal(int(cents)).scaleb(-2) if cents else ZERO


class CentsField(models.Field):
    """An amount kept as whole cents in a BIGINT column, used as a Decimal in Python.

    For tables that are summed in bulk (the analytics rollups): integers add up exactly
    and fast on every database (SQLite stores decimals as floats; PostgreSQL's
    ``numeric`` sums are slow), while the ORM reads and writes Decimals to the cent, so
    ``Sum("net")`` still returns euros. Raw SQL sees the cents (name such columns
    ``…_cents``); a fraction of a cent is refused, never rounded.

    Deliberately not an ``IntegerField``: Django types ``F(a) - F(b)`` of two integer
    fields as a plain ``IntegerField``, which would hand back cents where euros are
    expected. Here ``+`` and ``-`` of two cents fields stay cents fields (registered
    below) and any other mix (``*``, a Decimal, an integer field) is a ``FieldError``.
    """

    description = "An amount of money in whole cents"

    def get_internal_type(self) -> str:
        return "BigIntegerField"

    def from_db_value(self, value, expression, connection):
        # SUM(bigint) comes back as numeric (a Decimal) on PostgreSQL, int on SQLite.
        return None if value is None else from_cents(value)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        return parse_decimal(value, field=self.name or "amount")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        if isinstance(value, float):
            value = Decimal(repr(value))
        elif isinstance(value, str):
            value = Decimal(value)
        return to_cents(value)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(
            **{"form_class": forms.DecimalField, "decimal_places": 2, **kwargs}
        )


for _connector in (Combinable.ADD, Combinable.SUB):
    register_combinable_fields(CentsField, _connector, CentsField, CentsField)


class PriceField(models.DecimalField):
    """A unit price or cost: 18 digits, 4 places (unit prices carry sub-cent precision)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", PRICE_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs

"""Money is ``Decimal``, rounded half-up to cents at the points the law rounds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_DIGITS = 18
PRICE_PLACES = 4


def q2(value: Decimal) -> Decimal:
    """Round to cents, half up (the usual commercial rule, not banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(raw: object, *, field: str) -> Decimal:
    """Parse user input into a Decimal, accepting a decimal comma; raise with the field name."""
    from raktas.core.exceptions import ValidationFailed

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


class PriceField(models.DecimalField):
    """A unit price or cost: 18 digits, 4 places (unit prices carry sub-cent precision)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", PRICE_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs

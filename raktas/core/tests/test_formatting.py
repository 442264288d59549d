"""Money, numbers and dates per language, from Decimal without floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from raktas.core.formatting import NBSP, day, money, number, percent


def test_lithuanian_money_is_grouped_by_spaces_with_a_decimal_comma() -> None:
    assert money(Decimal("1234.56"), lang="lt") == f"1{NBSP}234,56{NBSP}€"
    assert money(Decimal("-1234567.5"), lang="lt") == f"-1{NBSP}234{NBSP}567,50{NBSP}€"
    assert money(Decimal("0"), lang="lt") == f"0,00{NBSP}€"


def test_english_money_puts_the_sign_first() -> None:
    assert money(Decimal("1234.56"), lang="en") == "€1,234.56"
    assert money(Decimal("-5"), lang="en") == "-€5.00"
    assert money(Decimal("10"), "PLN", lang="en") == f"10.00{NBSP}PLN"


def test_money_rounds_half_up_to_cents() -> None:
    assert money(Decimal("0.005"), lang="en") == "€0.01"
    assert money(Decimal("2.675"), lang="en") == "€2.68"  # a float would give 2.67
    assert money(Decimal("-0.001"), lang="en") == "€0.00"


def test_quantities_keep_only_significant_decimals() -> None:
    assert number(Decimal("5.000"), None, lang="lt") == "5"
    assert number(Decimal("2.500"), None, lang="lt") == "2,5"
    assert number(Decimal("12000"), None, lang="lt") == f"12{NBSP}000"
    assert percent(Decimal("12.50"), lang="en") == f"12.5{NBSP}%"


def test_empty_values_render_empty() -> None:
    assert money(None) == "" and number("") == "" and day(None) == ""


def test_the_active_language_is_used_by_default() -> None:
    with translation.override("lt"):
        assert money(Decimal("1234.56")) == f"1{NBSP}234,56{NBSP}€"
        assert day(dt.date(2026, 11, 28)) == "2026-11-28"
    with translation.override("en"):
        assert day(dt.date(2026, 11, 28)) == "28 Nov 2026"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2))
def test_lithuanian_money_reads_back_to_the_same_amount(amount: Decimal) -> None:
    text = money(amount, lang="lt")
    back = Decimal(text.removesuffix(f"{NBSP}€").replace(NBSP, "").replace(",", "."))
    assert back == amount

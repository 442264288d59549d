"""The analytics overview in Lithuanian: numbers inside SVG drawing attributes must not
take the locale's decimal comma (Chromium drops such a line), and the counts are
translated."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser
from django.utils import timezone

from raktas.ledger.services import invoice_create

pytestmark = pytest.mark.django_db

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NUMERIC_ATTR = re.compile(r'\s(x1|x2|y1|y2|x|y|width|height|points|viewBox)="([^"]*)"')
POINT = re.compile(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$")


def test_the_pareto_svg_keeps_dot_decimals_on_a_lithuanian_page(world):
    for n, client in enumerate((world.client_a, world.client_b, world.client_d), start=1):
        invoice_create(
            by=world.persona("finance"),
            client=client,
            issue_date=timezone.localdate().replace(day=1),
            lines=[{"description": "x", "quantity": 1, "unit_price": str(97 * n ** 3),
                    "vat_rate": "21", "product": world.products[0], "unit_cost": "10"}],
        )  # fmt: skip
    browser = Browser()
    browser.force_login(world.persona("director"))
    browser.cookies["django_language"] = "lt"
    html = browser.get("/analytics/").content.decode()
    assert 'lang="lt"' in html
    svgs = SVG.findall(html)
    assert svgs, "the Pareto curve is drawn"
    attrs = [a for svg in svgs for a in NUMERIC_ATTR.findall(svg)]
    assert any("." in value for _name, value in attrs), "fractional coordinates to check"
    # "x,y x,y" in points; a comma anywhere else is a localised decimal.
    bad = [
        (name, value)
        for name, value in attrs
        if (name == "points" and not all(POINT.match(p) for p in value.split()))
        or (name != "points" and "," in value)
    ]
    assert not bad
    assert "3 klientai" in html

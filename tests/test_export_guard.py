"""Every XLSX export, end to end through its URL: a client (or segment) named with a
hostile first character or a character XML cannot hold gives a file that opens, in
which no cell is a formula.

Before the one spreadsheet writer (raktas.core.spreadsheet), ``\\x01`` in a client name
made the clients, aging and statement exports answer 500 for everybody who saw that
client, and U+FFFF made a file that would not open.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from django.test import Client as HttpClient
from openpyxl import load_workbook

from raktas.analytics.reports import segment_workbook
from raktas.analytics.segments import SegmentRow
from raktas.analytics.selectors import Period
from raktas.ledger.services import invoice_create
from raktas.testing.api import as_persona

pytestmark = pytest.mark.django_db

NAMES = [
    '=HYPERLINK("http://x.test","x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＠SUM(A1)",
    "UAB \x01 Kontrolė",
    "UAB \uffff Ne simbolis",
]


def _check(data: bytes, name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for member in z.namelist():
            if member.endswith(".xml"):
                ElementTree.fromstring(z.read(member))  # well-formed: the file opens
    book = load_workbook(io.BytesIO(data))
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"formula in {ws.title}!{c.coordinate}: {c.value!r}"
                if isinstance(c.value, str):
                    texts.append(c.value)
    stem = name.replace("\x01", "").replace("\uffff", "").lstrip("\t\r")[-6:]
    assert any(stem in t for t in texts), (stem, texts[:20])


@pytest.fixture
def hostile(world, request):
    name = request.param
    client = world.client_a
    client.legal_name = name
    client.save()
    invoice_create(
        by=world.persona("finance"),
        client=client,
        issue_date=dt.date(2026, 3, 2),
        due_date=dt.date(2026, 4, 1),
        lines=[{"description": "Goods", "quantity": 1, "unit_price": Decimal("10"), "vat_rate": 0}],
    )
    return world, name


@pytest.mark.parametrize("hostile", NAMES, indirect=True, ids=repr)
def test_the_clients_export(hostile) -> None:
    world, name = hostile
    browser = HttpClient()
    browser.force_login(world.persona("kam_a"))
    response = browser.get("/clients/export.xlsx")
    assert response.status_code == 200
    _check(response.content, name)


@pytest.mark.parametrize("hostile", NAMES, indirect=True, ids=repr)
def test_the_aging_and_statement_exports(hostile) -> None:
    world, name = hostile
    api = as_persona(world, "finance")
    aging = api.get("receivables/aging.xlsx", as_of="2026-06-30")
    assert aging.status_code == 200, aging.content[:300]
    _check(aging.content, name)
    statement = api.get(
        f"clients/{world.client_a.pk}/statement",
        date_from="2026-01-01",
        date_to="2026-06-30",
        format="xlsx",
    )
    assert statement.status_code == 200, statement.content[:300]
    _check(statement.content, name)


@pytest.mark.parametrize("name", NAMES, ids=repr)
def test_the_segment_workbook(name: str) -> None:
    row = SegmentRow(
        segment_id=1,
        segment=name,
        revenue=Decimal("-10.00"),
        revenue_before=Decimal("5.00"),
        growth=-3.0,
        share=0.5,
        clients=1,
        clients_before=1,
        margin_rate=None,
        price_realisation=None,
        monthly=[(dt.date(2026, 1, 1), Decimal("-10.00"))],
        proposal=name,
    )
    data = segment_workbook([row], Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)))
    _check(data, name)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["B3"].value == -10 and ws["B3"].data_type == "n"  # a negative number stays one

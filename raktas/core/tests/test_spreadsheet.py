"""The one spreadsheet writer: no text cell can become a formula, numbers stay numbers,
and characters XML cannot hold never reach the file."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from openpyxl import Workbook, load_workbook

from raktas.core import spreadsheet
from raktas.core.spreadsheet import csv_bytes, safe_text

# Every character a spreadsheet may read as the start of a formula, in ASCII and in the
# full-width and small forms some programs fold to ASCII.
HOSTILE_STARTS = [
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "＝",
    "＋",
    "－",
    "＠",
    "﹦",
    "﹢",
    "﹣",
    "﹫",
]
NOT_XML = ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800"]


def _book(values: list[object]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    spreadsheet.append(ws, values)
    for col, value in enumerate(values, start=1):
        spreadsheet.put(ws, 2, col, value)
    return spreadsheet.workbook_bytes(wb)


def _write_only_book(values: list[object]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    spreadsheet.append(ws, values, bold=True)
    return spreadsheet.workbook_bytes(wb)


@pytest.mark.parametrize("start", HOSTILE_STARTS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("write", [_book, _write_only_book], ids=["normal", "write-only"])
def test_no_hostile_start_becomes_a_formula(start: str, write) -> None:
    evil = start + 'HYPERLINK("http://x.test","x")'
    data = write([evil, start + "1+1", start])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells
    for c in cells:
        assert c.data_type == "s", (c.coordinate, c.value)
        assert str(c.value).startswith("'"), (c.coordinate, c.value)


def test_numbers_stay_numbers_negative_ones_too() -> None:
    data = _book([Decimal("-12.50"), -3, -0.5, dt.date(2026, 1, 2), "-12.50"])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    a, b, c, d, e = (ws.cell(row=1, column=i) for i in range(1, 6))
    assert (a.value, a.data_type, a.number_format) == (-12.5, "n", "#,##0.00")
    assert (b.value, c.value) == (-3, -0.5)
    assert d.value == dt.datetime(2026, 1, 2)  # noqa: DTZ001 (a naive cell value)
    assert (e.value, e.data_type) == ("'-12.50", "s")  # text that looks like one stays text


@pytest.mark.parametrize("bad", NOT_XML, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_xml_cannot_hold_are_replaced_and_the_file_opens(bad: str) -> None:
    name = f"UAB {bad}Ąžuolas"
    data = _book([name, "=" + bad])
    # Every sheet is well-formed XML (a strict parser, not just openpyxl's reader).
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for member in z.namelist():
            if member.endswith(".xml"):
                ElementTree.fromstring(z.read(member))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A1"].value == "UAB \ufffdĄžuolas"
    assert ws["B1"].value == "'=\ufffd"


def test_ordinary_text_is_left_alone() -> None:
    assert safe_text("UAB „Ąžuolas“ – Vilnius") == "UAB „Ąžuolas“ – Vilnius"
    assert safe_text("") == ""
    assert safe_text("a\tb\r\nc") == "a\tb\r\nc"  # inside the text: harmless
    assert safe_text("x" * 40_000) == "x" * spreadsheet.MAX_CELL_TEXT


def test_csv_fields_pass_the_same_guard() -> None:
    data = csv_bytes([["Name", "Balance"], ["=1+1", Decimal("-5.00")], ["＠SUM(A1)\x01", None]])
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Name,Balance", "'=1+1,-5.00", "'＠SUM(A1)\ufffd,"]

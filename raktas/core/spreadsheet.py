"""The one spreadsheet writer: every XLSX and CSV export writes its cells through here.

Two guards, in one place so that no export can drift from them:

* **Formula injection** (OWASP "CSV injection"): text starting with ``=``, ``+``,
  ``-``, ``@``, a tab, a carriage return or a line feed — or their full-width and
  small-form look-alikes (``＝ ＋ － ＠``, ``﹦ ﹢ ﹣ ﹫``), which some spreadsheets fold
  to the ASCII sign — gets a leading single quote and is stored as a string, so a client
  named ``=HYPERLINK(...)`` stays text. Numbers are written as numbers and never
  touched: a negative balance stays a negative number, not the text ``'-5``.
* **Characters XML cannot hold**: C0 control characters other than tab, line feed and
  carriage return, lone surrogates, and the non-characters U+FFFE/U+FFFF are replaced
  by U+FFFD (�). openpyxl refuses the first kind with an exception (an export that
  answered 500 for everybody who saw a client named with ``\\x01``) and writes the
  others into a file that will not open.

A cell longer than a spreadsheet cell holds (32,767 characters) is cut there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = frozenset("=+-@\t\r\n" + "＝＋－＠" + "﹦﹢﹣﹫")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
MAX_CELL_TEXT = 32_767
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"

Sheet = Worksheet | WriteOnlyWorksheet


def clean_text(value: str) -> str:
    """``value`` with every character a spreadsheet file cannot hold replaced by �."""
    return _NOT_XML.sub(REPLACEMENT, value)


def safe_text(value: str) -> str:
    """Text a spreadsheet will show as written and never evaluate: cleaned, cut to a
    cell's length, and with a leading single quote when it would start a formula."""
    value = clean_text(value)
    if value[:1] in FORMULA_STARTS:
        value = "'" + value
    return value[:MAX_CELL_TEXT]


def _fill(target: Cell, value: Any, bold: bool) -> Cell:
    if isinstance(value, str):
        target.value = safe_text(value)
        target.data_type = "s"  # never a formula, whatever the text
    else:
        target.value = value
        if isinstance(value, Decimal):
            target.number_format = MONEY_FORMAT
        elif isinstance(value, dt.date):
            target.number_format = DATE_FORMAT
    if bold:
        target.font = Font(bold=True)
    return target


def cell(ws: Sheet, value: Any, *, bold: bool = False) -> Cell:
    """One cell for ``ws`` (either kind of worksheet): text safe and typed as a string,
    Decimal as a number with two places, dates as dates, anything else as given."""
    return _fill(WriteOnlyCell(ws), value, bold)


def append(ws: Sheet, values: Iterable[Any], *, bold: bool = False) -> None:
    """Append one row of values below the last one."""
    ws.append([cell(ws, v, bold=bold) for v in values])


def put(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False) -> Cell:
    """Write one cell at (row, col) of a normal worksheet."""
    target = ws.cell(row=row, column=col)
    assert isinstance(target, Cell), f"({row}, {col}) is inside a merged range"
    return _fill(target, value, bold)


def autosize(ws: Worksheet, widths: dict[int, int] | None = None) -> None:
    """Set the widths of the given columns (1-based) in characters."""
    from openpyxl.utils import get_column_letter

    for col, width in (widths or {}).items():
        ws.column_dimensions[get_column_letter(col)].width = width


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_value(value: Any) -> str:
    """One CSV field: text guarded like a cell; numbers and dates as ISO text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as a UTF-8 CSV file (with a byte-order mark, so spreadsheets read the
    Lithuanian letters right), every field through the same guard as a cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

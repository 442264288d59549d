"""Small openpyxl helpers shared by the aging and statement workbooks.

Text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
first) gets a leading single quote and the cell is typed as a string, so a client
named ``=HYPERLINK(...)`` stays text (OWASP formula injection).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
MONEY_FORMAT = "#,##0.00"


def safe_text(value: str) -> str:
    """Neutralise a string a spreadsheet would evaluate: prefix a single quote."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def put(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False) -> Cell:
    """Write one cell: Decimal as a number with two places, dates as dates, text safe."""
    from openpyxl.styles import Font

    if isinstance(value, str):
        cell = ws.cell(row=row, column=col, value=safe_text(value))
        cell.data_type = "s"  # never a formula, whatever the text
    else:
        cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def autosize(ws: Worksheet, widths: dict[int, int] | None = None) -> None:
    from openpyxl.utils import get_column_letter

    for col, width in (widths or {}).items():
        ws.column_dimensions[get_column_letter(col)].width = width

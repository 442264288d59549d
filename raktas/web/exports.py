"""XLSX export of the client table: the same scoped query and filters as the page.

Text cells that a spreadsheet would read as a formula (starting with = + - @, or a
tab/carriage return that some programs strip first) are written as explicit strings
with a leading apostrophe, so a client named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from raktas.org.models import User
from raktas.web.queries import ClientFilters, ClientRow, iter_client_rows

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise a string a spreadsheet would evaluate."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(ws: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> Any:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=safe_text(value))
        cell.data_type = "s"  # never a formula, whatever the text
    else:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, Decimal):
            cell.number_format = "#,##0.00"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _row_values(row: ClientRow) -> list[Any]:
    c = row.client
    return [
        c.legal_name,
        c.registration_code,
        c.segment.name if c.segment else "",
        c.get_tier_display(),
        c.get_status_display(),
        c.owner.get_full_name() or c.owner.get_username(),
        c.city,
        row.balance,
        row.overdue,
        row.last_order,
        row.revenue,
        c.currency,
    ]


def client_workbook(user: User, filters: ClientFilters) -> bytes:
    headers = [
        _("Client"),
        _("Registration code"),
        _("Segment"),
        _("Tier"),
        _("Status"),
        _("KAM"),
        _("City"),
        _("Balance"),
        _("Overdue"),
        _("Last order"),
        _("Revenue, 12 months"),
        _("Currency"),
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Clients")[:31])
    ws.append([_cell(ws, h, bold=True) for h in headers])
    rows: Iterable[ClientRow] = iter_client_rows(user, filters)
    for row in rows:
        ws.append([_cell(ws, v) for v in _row_values(row)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

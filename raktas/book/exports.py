"""XLSX export of the client table: the same scoped query and filters as the page.

Cells are written by the one spreadsheet writer, ``raktas.core.spreadsheet``: text a
spreadsheet would read as a formula stays text, characters XML cannot hold are replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from raktas.book.selectors import ClientFilters, ClientRow, iter_client_rows
from raktas.core.spreadsheet import append, safe_text, workbook_bytes
from raktas.org.models import User

__all__ = ["client_workbook", "safe_text"]


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
    append(ws, headers, bold=True)
    rows: Iterable[ClientRow] = iter_client_rows(user, filters)
    for row in rows:
        append(ws, _row_values(row))
    return workbook_bytes(wb)

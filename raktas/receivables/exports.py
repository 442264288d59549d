"""XLSX exports of the aging report (formula-injection safe, see ``xlsx.safe_text``)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from raktas.receivables.aging import AgingReport, OpenInvoice
from raktas.receivables.xlsx import autosize, put

_TITLES = {"client": "By client", "kam": "By KAM", "team": "By team", "company": "Company"}


def aging_workbook(report: AgingReport, invoices: list[OpenInvoice] | None = None) -> bytes:
    """One sheet per grouping (client, KAM, team, company) and, if given, the invoices."""
    wb = Workbook()
    first = True
    for by, title in _TITLES.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = title
        put(ws, 1, 1, f"Aging as of {report.as_of.isoformat()}", bold=True)
        head = ["Name"]
        if by == "client":
            head += ["KAM", "Team"]
        head += [*report.labels, "Open total", "Overdue", "Unapplied", "Net balance"]
        head += ["Open invoices"]
        head += [f"DSO ({report.dso_days} d)", "Avg days late"]
        for col, text in enumerate(head, start=1):
            put(ws, 3, col, text, bold=True)
        for r, row in enumerate(report.rows(by), start=4):
            values: list[object] = [row.label]
            if by == "client":
                values += [row.owner, row.team]
            # Unapplied money is a credit: shown negative, so Net = Open total + Unapplied.
            values += [*row.buckets, row.total, row.overdue, -row.unapplied, row.net]
            values += [row.open_invoices]
            values += [row.dso(report.dso_days), row.average_days_late]
            for col, value in enumerate(values, start=1):
                if value is not None:
                    put(ws, r, col, value)
        autosize(ws, {1: 36, 2: 18, 3: 14})
    if invoices is not None:
        ws = wb.create_sheet("Invoices")
        head = ["Invoice", "Client", "Issued", "Due", "Gross", "Open", "Days past due", "Bucket"]
        for col, text in enumerate(head, start=1):
            put(ws, 1, col, text, bold=True)
        for r, inv in enumerate(invoices, start=2):
            values = [
                inv.number,
                inv.client,
                inv.issue_date,
                inv.due_date,
                inv.gross_total,
                inv.open_amount,
                inv.days_past_due,
                inv.bucket,
            ]
            for col, value in enumerate(values, start=1):
                put(ws, r, col, value)
        autosize(ws, {1: 16, 2: 36, 3: 12, 4: 12})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

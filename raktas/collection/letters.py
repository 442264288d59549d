"""The formal demand letter as a PDF (fpdf2, with the Noto Sans font that ships in a
Python package, so Lithuanian and Cyrillic letters render on a fresh machine)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from fpdf import FPDF

# fontTools logs every glyph it subsets at INFO: a hundred lines per letter in the
# collection run's log. Its warnings still show.
logging.getLogger("fontTools").setLevel(logging.WARNING)

LABELS = {
    "en": {
        "title": "Formal demand for payment",
        "date": "Date",
        "to": "To",
        "invoice": "Invoice",
        "due": "Due date",
        "days": "Days overdue",
        "open": "Open amount",
        "total": "Total overdue",
        "signature": "Credit control",
    },
    "lt": {
        "title": "Oficialus reikalavimas sumokėti skolą",
        "date": "Data",
        "to": "Kam",
        "invoice": "Sąskaita",
        "due": "Mokėjimo terminas",
        "days": "Pradelsta dienų",
        "open": "Neapmokėta suma",
        "total": "Iš viso pradelsta",
        "signature": "Kredito kontrolė",
    },
}


@dataclass(frozen=True)
class LetterLine:
    number: str
    due_date: dt.date
    days_overdue: int
    open_amount: Decimal


@cache
def font_path() -> Path:
    """Noto Sans from the ``fontpkg-noto-sans`` package (the settlement statements use
    the same file)."""
    import fontpkg_noto_sans

    files = Path(fontpkg_noto_sans.ROOT) / "files"
    for candidate in sorted(files.glob("NotoSans*.ttf")):
        if "Italic" not in candidate.name:
            return candidate
    raise FileNotFoundError(f"Noto Sans not found in {files}")


def render_letter(
    *,
    language: str,
    company: str,
    client_name: str,
    client_address: str,
    body: str,
    lines: list[LetterLine],
    currency: str,
    on: dt.date,
) -> bytes:
    """The letter as PDF bytes."""
    labels = LABELS.get(language, LABELS["en"])
    pdf = FPDF(format="A4")
    pdf.set_title(labels["title"])
    pdf.set_creator("Raktas")
    font = str(font_path())
    # The variable font's default instance (regular) serves for both styles: asking
    # fpdf2 for a bold instance runs fontTools' instancer on every letter, which
    # costs seconds each; headings stand out by size instead.
    pdf.add_font("Noto", "", font)
    pdf.add_font("Noto", "B", font)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Noto", "B", 10)
    pdf.cell(0, 6, company, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 10)
    pdf.cell(0, 6, f"{labels['date']}: {on.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 6, f"{labels['to']}: {client_name}", new_x="LMARGIN", new_y="NEXT")
    if client_address:
        pdf.cell(0, 6, client_address, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Noto", "B", 14)
    pdf.cell(0, 9, labels["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Noto", "", 10)
    pdf.multi_cell(0, 5.5, body, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (50, 35, 35, 50)
    pdf.set_font("Noto", "B", 9)
    for width, key in zip(widths, ("invoice", "due", "days", "open"), strict=True):
        pdf.cell(width, 7, labels[key], border="B", align="R" if key != "invoice" else "L")
    pdf.ln()
    pdf.set_font("Noto", "", 9)
    total = Decimal("0.00")
    for line in lines:
        total += line.open_amount
        pdf.cell(widths[0], 6, line.number)
        pdf.cell(widths[1], 6, line.due_date.isoformat(), align="R")
        pdf.cell(widths[2], 6, str(line.days_overdue), align="R")
        pdf.cell(widths[3], 6, f"{line.open_amount} {currency}", align="R")
        pdf.ln()
    pdf.set_font("Noto", "B", 10)
    pdf.cell(sum(widths[:3]), 8, labels["total"], border="T")
    pdf.cell(widths[3], 8, f"{total} {currency}", border="T", align="R")
    pdf.ln(20)
    pdf.set_font("Noto", "", 10)
    pdf.cell(0, 6, "______________________", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{company} — {labels['signature']}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

"""PDF documents that can print any Lithuanian or Cyrillic name (fpdf2 + Noto Sans).

The font comes from the ``fontpkg-noto-sans`` package, installed from the lock file,
so nothing depends on the fonts of the machine. The settlement statement
(``raktas.receivables.statement``) and the demand letter (``raktas.collection.letters``)
were written first and carry the same approach; new documents use this module.

    pdf = new_document("Title")
    use(pdf, 12, bold=True)
    text_cell(pdf, 0, 7, "Pavadinimas — Название", new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "Noto"


@cache
def noto_sans_path() -> Path:
    """Noto Sans (Latin, Greek, Cyrillic): the variable font of ``fontpkg-noto-sans``."""
    import fontpkg

    return Path(fontpkg.path("Noto Sans"))


def new_document(
    title: str,
    *,
    orientation: str = "P",
    margin: float = 14,
    footer: str = "",
) -> FPDF:
    """An A4 document with the Noto font registered as ``FONT``, margins set, automatic
    page breaks on, and a footer line (``footer`` with ``{page}`` for the page number)."""
    from fpdf import FPDF

    # fontTools reports every table it subsets at INFO; that is noise in our logs.
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    class Document(FPDF):
        def footer(self) -> None:
            if not footer:
                return
            self.set_y(-12)
            self.set_font(FONT, size=7)
            self.set_text_color(110)
            self.cell(0, 5, footer.format(page=self.page_no()), align="L")
            self.set_text_color(0)

    pdf = Document(orientation=orientation, format="A4", unit="mm")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin=margin + 4)
    # The packaged font is variable; its default outlines are the regular weight. A
    # static bold instance takes fontTools ~20 s, so bold text is drawn by also
    # stroking the outline (see ``text_cell``), which reads as bold and costs nothing.
    pdf.add_font(FONT, fname=str(noto_sans_path()))
    pdf.set_font(FONT, size=9)
    pdf.set_draw_color(0)
    pdf.set_title(title)
    pdf.set_creator("Raktas")
    pdf._raktas_bold = False  # type: ignore[attr-defined]
    return pdf


def use(pdf: FPDF, size: float, *, bold: bool = False) -> None:
    """Set the font size, and whether the following ``text_cell`` calls are bold."""
    pdf.set_font(FONT, size=size)
    pdf._raktas_bold = bold  # type: ignore[attr-defined]


def text_cell(pdf: FPDF, *args: Any, multi: bool = False, **kwargs: Any) -> None:
    """``pdf.cell`` (or ``multi_cell``), bold when ``use(..., bold=True)`` was last set.
    A local graphics state per bold cell: fpdf2 leaves the text render mode set on the
    page otherwise, and the next regular text would be stroked too."""
    from fpdf.enums import TextMode

    draw = pdf.multi_cell if multi else pdf.cell
    if getattr(pdf, "_raktas_bold", False):
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.16):
            draw(*args, **kwargs)
    else:
        draw(*args, **kwargs)


def fit(pdf: FPDF, text: str, room: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``room`` millimetres."""
    while text and pdf.get_string_width(text) > room:
        text = text[:-2] + "…"
    return text

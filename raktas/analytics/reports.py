"""The segment prospects proposal report (duty 2.17) as a workbook and as a PDF.

Both take the rows ``segments.segment_prospects`` returns for the person asking (so
they are scoped like the page) and are written in the language asked for: the labels
are the same translated strings as the page's, looked up under
``translation.override``. Margin columns appear only for users who may see margin
(the rows carry ``None`` otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from raktas.analytics.segments import SegmentRow
from raktas.analytics.selectors import Period
from raktas.core import formatting, spreadsheet
from raktas.core import pdf as pdfdoc

LANGUAGES = ("en", "lt")


def _pct(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    return formatting.number(Decimal(repr(value * 100)), 1, lang=lang) + " %"


def _columns(margin: bool) -> list[tuple[str, float, str]]:
    """(label, width in mm, align) of the summary table, landscape A4."""
    cols: list[tuple[str, float, str]] = [
        (_("Segment"), 62, "L"),
        (_("Revenue"), 32, "R"),
        (_("Revenue before"), 32, "R"),
        (_("Growth"), 20, "R"),
        (_("Share"), 18, "R"),
        (_("Clients"), 18, "R"),
        (_("Clients before"), 28, "R"),
    ]
    if margin:
        cols.append((_("Margin rate"), 22, "R"))
    cols.append((_("Price realisation"), 28, "R"))
    return cols


def _values(row: SegmentRow, margin: bool, lang: str) -> list[str]:
    values = [
        row.segment,
        formatting.money(row.revenue, lang=lang),
        formatting.money(row.revenue_before, lang=lang),
        _pct(row.growth, lang),
        _pct(row.share, lang),
        str(row.clients),
        str(row.clients_before),
    ]
    if margin:
        values.append(_pct(row.margin_rate, lang))
    values.append(_pct(row.price_realisation, lang))
    return values


def segment_report_pdf(
    rows: list[SegmentRow],
    period: Period,
    *,
    language: str,
    margin: bool,
    prepared_for: str = "",
    on: dt.date | None = None,
) -> bytes:
    """The proposal report: a summary table of the segments, then per segment its
    proposal and monthly revenue. ``language`` is ``en`` or ``lt``."""
    lang = language if language in LANGUAGES else "en"
    on = on or dt.date.today()  # noqa: DTZ011 (a print date, the server's day)
    with translation.override(lang):
        title = _("Segment prospects — proposal report")
        footer = _("Raktas · generated %(date)s · page {page}") % {
            "date": formatting.day(on, lang=lang)
        }
        pdf = pdfdoc.new_document(title, orientation="L", footer=footer)
        pdf.add_page()
        pdfdoc.use(pdf, 14, bold=True)
        pdfdoc.text_cell(pdf, 0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdfdoc.use(pdf, 9)
        subtitle = _(
            "Period %(start)s … %(end)s, compared with the same number of months before."
        ) % {
            "start": formatting.month(period.start, lang=lang),
            "end": formatting.month(period.end, lang=lang),
        }
        pdfdoc.text_cell(pdf, 0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
        if prepared_for:
            line = _("Prepared for %(name)s; the segments cover the clients in their view.") % {
                "name": prepared_for
            }
            pdfdoc.text_cell(pdf, 0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

        columns = _columns(margin)

        def header() -> None:
            pdfdoc.use(pdf, 8, bold=True)
            pdf.set_fill_color(235, 238, 242)
            for label, width, align in columns:
                pdfdoc.text_cell(
                    pdf,
                    width,
                    6,
                    pdfdoc.fit(pdf, label, width - 2),
                    border=1,
                    align=align,
                    fill=True,
                )
            pdf.ln()
            pdfdoc.use(pdf, 8)

        header()
        for row in rows:
            if pdf.will_page_break(6):
                pdf.add_page()
                header()
            for (_label, width, align), value in zip(
                columns, _values(row, margin, lang), strict=True
            ):
                pdfdoc.text_cell(
                    pdf, width, 6, pdfdoc.fit(pdf, value, width - 2), border="B", align=align
                )
            pdf.ln()
        if not rows:
            pdfdoc.text_cell(
                pdf, 0, 6, _("No sales in this period."), new_x="LMARGIN", new_y="NEXT"
            )

        pdf.ln(5)
        pdfdoc.use(pdf, 11, bold=True)
        pdfdoc.text_cell(pdf, 0, 7, _("Proposals"), new_x="LMARGIN", new_y="NEXT")
        for row in rows:
            if pdf.will_page_break(22):
                pdf.add_page()
            pdfdoc.use(pdf, 9, bold=True)
            pdfdoc.text_cell(pdf, 0, 6, row.segment, new_x="LMARGIN", new_y="NEXT")
            pdfdoc.use(pdf, 9)
            pdfdoc.text_cell(pdf, 0, 5, row.proposal, multi=True, new_x="LMARGIN", new_y="NEXT")
            if row.monthly:
                trend = "; ".join(
                    f"{formatting.month(month, lang=lang)}: {formatting.money(value, lang=lang)}"
                    for month, value in row.monthly
                )
                pdfdoc.use(pdf, 7.5)
                pdf.set_text_color(80)
                pdfdoc.text_cell(
                    pdf,
                    0,
                    4,
                    _("Monthly revenue") + ": " + trend,
                    multi=True,
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
                pdf.set_text_color(0)
            pdf.ln(2)
        return bytes(pdf.output())


def segment_workbook(rows: list[SegmentRow], period: Period, *, language: str = "en") -> bytes:
    """The same report as a workbook: the segments, and their monthly revenue."""
    from openpyxl import Workbook

    lang = language if language in LANGUAGES else "en"
    with translation.override(lang):
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = _("Segments")[:31]
        spreadsheet.append(
            sheet,
            [
                _("Segment prospects %(start)s … %(end)s")
                % {"start": f"{period.start:%Y-%m}", "end": f"{period.end:%Y-%m}"}
            ],
        )
        spreadsheet.append(
            sheet,
            [
                _("Segment"),
                _("Revenue"),
                _("Revenue before"),
                _("Growth"),
                _("Share"),
                _("Clients"),
                _("Clients before"),
                _("Margin rate"),
                _("Price realisation"),
                _("Proposal"),
            ],
        )
        for r in rows:
            spreadsheet.append(
                sheet,
                [
                    r.segment,
                    r.revenue,
                    r.revenue_before,
                    r.growth,
                    r.share,
                    r.clients,
                    r.clients_before,
                    r.margin_rate,
                    r.price_realisation,
                    r.proposal,
                ],
            )
        trend = book.create_sheet(_("Monthly")[:31])
        spreadsheet.append(trend, [_("Segment"), _("Month"), _("Revenue")])
        for r in rows:
            for month, revenue in r.monthly:
                spreadsheet.append(trend, [r.segment, month, revenue])
    return spreadsheet.workbook_bytes(book)

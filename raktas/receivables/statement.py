"""The mutual settlement statement (tarpusavio atsiskaitymų suderinimo aktas).

For one client and one period: the balance at the start, every invoice, credit note,
payment and payment reversal in the period with a running balance, the balance at the
end, and a confirmation block for both parties to sign. Rendered as PDF (fpdf2, with
the Noto Sans font shipped by the ``fontpkg-noto-sans`` package, so Lithuanian and
Cyrillic letters render on any machine) or XLSX, in English or Lithuanian.

The labels live in ``LABELS`` below rather than in the project's gettext catalogue:
the statement is a legal document whose wording is fixed per language, and its
language is the client's choice, not the user's interface language.

Balance is from our side: what the client owes us. Invoices and payment reversals are
debits (raise it), payments and credit notes are credits (lower it).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Sum

from raktas.clients.models import Client
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO
from raktas.ledger.models import CreditNote, Invoice, Payment, PaymentReversal
from raktas.receivables.xlsx import autosize, put

LANGUAGES = ("en", "lt")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "MUTUAL SETTLEMENT STATEMENT",
        "period": "Period {start} – {end}",
        "seller": "Seller",
        "buyer": "Buyer",
        "reg_code": "Registration code",
        "vat_code": "VAT code",
        "date": "Date",
        "document": "Document",
        "description": "Description",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "opening": "Opening balance on {date}",
        "closing": "Closing balance on {date}",
        "turnover": "Turnover for the period",
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "payment": "Payment",
        "reversal": "Payment reversed",
        "owes": "On {date} {debtor} owes {creditor} {amount} {currency}.",
        "settled": "On {date} the parties owe each other nothing.",
        "confirm": (
            "Please check this statement and return a signed copy within 10 days. "
            "If we receive no reply, we shall take the balance as confirmed. "
            "If you disagree, state the differences and the documents behind them."
        ),
        "for": "For {party}",
        "name_position": "Name, position",
        "signature": "Signature",
        "stamp_date": "Date",
        "generated": "Generated {date} by Raktas",
        "page": "Page {n}",
        "sheet": "Statement",
    },
    "lt": {
        "title": "TARPUSAVIO ATSISKAITYMŲ SUDERINIMO AKTAS",
        "period": "Laikotarpis {start} – {end}",
        "seller": "Pardavėjas",
        "buyer": "Pirkėjas",
        "reg_code": "Įmonės kodas",
        "vat_code": "PVM mokėtojo kodas",
        "date": "Data",
        "document": "Dokumentas",
        "description": "Aprašymas",
        "debit": "Debetas",
        "credit": "Kreditas",
        "balance": "Likutis",
        "opening": "Likutis {date} pradžioje",
        "closing": "Likutis {date} pabaigoje",
        "turnover": "Apyvarta per laikotarpį",
        "invoice": "PVM sąskaita faktūra",
        "credit_note": "Kreditinė sąskaita faktūra",
        "payment": "Mokėjimas",
        "reversal": "Mokėjimo atšaukimas",
        "owes": "{date} {debtor} skolingas {creditor} {amount} {currency}.",
        "settled": "{date} šalys viena kitai nieko neskolingos.",
        "confirm": (
            "Prašome patikrinti šį aktą ir per 10 dienų grąžinti pasirašytą egzempliorių. "
            "Negavę atsakymo, likutį laikysime patvirtintu. Jei nesutinkate, nurodykite "
            "skirtumus ir juos pagrindžiančius dokumentus."
        ),
        "for": "{party} vardu",
        "name_position": "Vardas, pavardė, pareigos",
        "signature": "Parašas",
        "stamp_date": "Data",
        "generated": "Parengta {date}, Raktas",
        "page": "Puslapis {n}",
        "sheet": "Suderinimo aktas",
    },
}


def labels(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ValidationFailed(f"language: one of {', '.join(LANGUAGES)}", field="language")
    return LABELS[language]


@dataclass
class StatementLine:
    date: dt.date
    kind: str  # invoice, credit_note, payment, reversal
    document: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass
class Statement:
    client: Client
    date_from: dt.date
    date_to: dt.date
    currency: str
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def debit_total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit_total - self.credit_total


# Within one day: what raised the debt before what settled it.
_ORDER = {"invoice": 0, "reversal": 1, "credit_note": 2, "payment": 3}


def build_statement(client: Client, date_from: dt.date, date_to: dt.date) -> Statement:
    """The statement of ``client`` (already fetched through a visibility selector)."""
    if date_to < date_from:
        raise ValidationFailed("date_to: must not be before date_from", field="date_to")

    def before(qs, field_name: str, amount: str) -> Decimal:
        return qs.filter(**{f"{field_name}__lt": date_from}).aggregate(s=Sum(amount))["s"] or ZERO

    invoices = Invoice.objects.filter(client=client)
    payments = Payment.objects.filter(client=client)
    notes = CreditNote.objects.filter(client=client)
    reversals = PaymentReversal.objects.filter(client=client)
    opening = (
        before(invoices, "issue_date", "gross_total")
        - before(payments, "received_on", "amount")
        - before(notes, "issue_date", "gross_total")
        + before(reversals, "reversed_on", "amount")
    )
    lines: list[tuple[tuple[object, ...], StatementLine]] = []
    period = {"__gte": date_from, "__lte": date_to}

    def within(qs, field_name: str):
        return qs.filter(**{f"{field_name}{k}": v for k, v in period.items()})

    for inv in within(invoices, "issue_date").values_list(
        "pk", "issue_date", "number", "due_date", "gross_total"
    ):
        pk, day, number, due, gross = inv
        line = StatementLine(day, "invoice", number, due.isoformat(), gross, ZERO)
        lines.append(((day, _ORDER["invoice"], pk), line))
    for pk, day, number, gross, inv_number in within(notes, "issue_date").values_list(
        "pk", "issue_date", "number", "gross_total", "invoice__number"
    ):
        line = StatementLine(day, "credit_note", number, inv_number or "", ZERO, gross)
        lines.append(((day, _ORDER["credit_note"], pk), line))
    for pk, day, amount, reference in within(payments, "received_on").values_list(
        "pk", "received_on", "amount", "reference"
    ):
        line = StatementLine(day, "payment", f"P-{pk}", reference, ZERO, amount)
        lines.append(((day, _ORDER["payment"], pk), line))
    for pk, day, amount, payment_id, reason in within(reversals, "reversed_on").values_list(
        "pk", "reversed_on", "amount", "payment_id", "reason"
    ):
        line = StatementLine(day, "reversal", f"P-{payment_id}", reason, amount, ZERO)
        lines.append(((day, _ORDER["reversal"], pk), line))
    lines.sort(key=lambda pair: pair[0])
    statement = Statement(
        client=client,
        date_from=date_from,
        date_to=date_to,
        currency=client.currency,
        opening=opening,
        lines=[line for _, line in lines],
    )
    running = opening
    for line in statement.lines:
        running += line.debit - line.credit
        line.balance = running
    return statement


def money(value: Decimal, language: str) -> str:
    text = f"{value:,.2f}"
    if language == "lt":  # 1 234,56 (a narrow no-break space groups thousands)
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _company() -> dict[str, str]:
    return {
        "name": settings.COMPANY_NAME,
        "reg_code": settings.COMPANY_REGISTRATION_CODE,
        "vat_code": settings.COMPANY_VAT_CODE,
        "address": settings.COMPANY_ADDRESS,
    }


def _client_party(client: Client) -> dict[str, str]:
    address = ", ".join(p for p in (client.address, client.city) if p)
    return {
        "name": client.legal_name,
        "reg_code": client.registration_code,
        "vat_code": client.vat_code,
        "address": address,
    }


def balance_sentence(statement: Statement, language: str) -> str:
    lab = labels(language)
    closing = statement.closing
    company, client = _company()["name"], statement.client.legal_name
    if closing == 0:
        return lab["settled"].format(date=statement.date_to.isoformat())
    debtor, creditor = (client, company) if closing > 0 else (company, client)
    return lab["owes"].format(
        date=statement.date_to.isoformat(),
        debtor=debtor,
        creditor=creditor,
        amount=money(abs(closing), language),
        currency=statement.currency,
    )


def _describe(line: StatementLine, language: str) -> str:
    lab = labels(language)
    kind = lab[line.kind]
    if line.kind == "invoice":
        due = "due" if language == "en" else "apmokėti iki"
        return f"{kind}, {due} {line.description}"
    if line.kind == "reversal" and line.description:
        return f"{kind}: {line.description}"
    return f"{kind} {line.description}".strip()


# --- XLSX -----------------------------------------------------------------------------


def statement_xlsx(statement: Statement, language: str) -> bytes:
    from openpyxl import Workbook

    lab = labels(language)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = lab["sheet"]
    put(ws, 1, 1, lab["title"], bold=True)
    put(ws, 2, 1, lab["period"].format(start=statement.date_from, end=statement.date_to))
    row = 4
    for role, party in (
        (lab["seller"], _company()),
        (lab["buyer"], _client_party(statement.client)),
    ):
        put(ws, row, 1, role, bold=True)
        put(ws, row, 2, party["name"])
        if party["reg_code"]:
            put(ws, row, 3, f"{lab['reg_code']}: {party['reg_code']}")
        if party["vat_code"]:
            put(ws, row, 4, f"{lab['vat_code']}: {party['vat_code']}")
        row += 1
    row += 1
    heads = ["date", "document", "description", "debit", "credit", "balance"]
    for col, key in enumerate(heads, start=1):
        put(ws, row, col, lab[key], bold=True)
    row += 1
    put(ws, row, 3, lab["opening"].format(date=statement.date_from.isoformat()), bold=True)
    put(ws, row, 6, statement.opening, bold=True)
    for line in statement.lines:
        row += 1
        put(ws, row, 1, line.date)
        put(ws, row, 2, line.document)
        put(ws, row, 3, _describe(line, language))
        if line.debit:
            put(ws, row, 4, line.debit)
        if line.credit:
            put(ws, row, 5, line.credit)
        put(ws, row, 6, line.balance)
    row += 1
    put(ws, row, 3, lab["turnover"], bold=True)
    put(ws, row, 4, statement.debit_total, bold=True)
    put(ws, row, 5, statement.credit_total, bold=True)
    row += 1
    put(ws, row, 3, lab["closing"].format(date=statement.date_to.isoformat()), bold=True)
    put(ws, row, 6, statement.closing, bold=True)
    row += 2
    put(ws, row, 1, balance_sentence(statement, language))
    row += 1
    put(ws, row, 1, lab["confirm"])
    row += 2
    for col, signer in ((1, _company()["name"]), (4, statement.client.legal_name)):
        put(ws, row, col, lab["for"].format(party=signer), bold=True)
        put(ws, row + 1, col, f"{lab['name_position']}: ____________________")
        put(ws, row + 2, col, f"{lab['signature']}: ____________________")
        put(ws, row + 3, col, f"{lab['stamp_date']}: ____________________")
    autosize(ws, {1: 12, 2: 18, 3: 48, 4: 14, 5: 14, 6: 14})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------


@cache
def font_path() -> Path:
    """Noto Sans (Latin, Greek, Cyrillic) from the fontpkg-noto-sans package: installed
    from the lock file, so nothing depends on the fonts of the machine."""
    import fontpkg

    return Path(fontpkg.path("Noto Sans"))


def statement_pdf(statement: Statement, language: str) -> bytes:
    import logging

    from fpdf import FPDF
    from fpdf.enums import TextMode

    # fontTools reports every table it subsets at INFO; that is noise in our logs.
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    lab = labels(language)
    company, buyer = _company(), _client_party(statement.client)

    class Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Noto", size=7)
            self.set_text_color(110)
            generated = lab["generated"].format(date=dt.date.today().isoformat())  # noqa: DTZ011
            self.cell(0, 5, f"{generated} · {statement.client.legal_name}", align="L")
            self.set_x(-40)
            self.cell(30, 5, lab["page"].format(n=self.page_no()), align="R")
            self.set_text_color(0)

    pdf = Doc(format="A4", unit="mm")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=18)
    # The packaged font is variable; its default outlines are the regular weight. Making
    # a static bold instance with fontTools takes ~20 s, so bold is drawn by also
    # stroking the outline (fill + stroke), which reads as bold and costs nothing.
    pdf.add_font("Noto", fname=font_path())
    pdf.set_draw_color(0)

    bold_now = [False]

    def use(size: float, bold: bool = False) -> None:
        pdf.set_font("Noto", size=size)
        bold_now[0] = bold

    def cell(*args: Any, **kwargs: Any) -> None:
        # A local graphics state per bold cell: fpdf2 leaves the text render mode set
        # on the page otherwise, and the next regular text would be stroked too.
        if bold_now[0]:
            with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.16):
                pdf.cell(*args, **kwargs)
        else:
            pdf.cell(*args, **kwargs)

    def multi_cell(*args: Any, **kwargs: Any) -> None:
        if bold_now[0]:
            with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.16):
                pdf.multi_cell(*args, **kwargs)
        else:
            pdf.multi_cell(*args, **kwargs)

    pdf.set_title(f"{lab['title']} {statement.client.legal_name}")
    pdf.add_page()
    use(13, True)
    cell(0, 7, lab["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    use(9)
    period = lab["period"].format(start=statement.date_from, end=statement.date_to)
    cell(0, 6, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    for i, (role, party) in enumerate(((lab["seller"], company), (lab["buyer"], buyer))):
        pdf.set_xy(pdf.l_margin + i * half, top)
        use(9, True)
        cell(half, 5, f"{role}: {party['name']}", new_x="LEFT", new_y="NEXT")
        use(8)
        for key in ("reg_code", "vat_code"):
            if party[key]:
                cell(half, 4.5, f"{lab[key]}: {party[key]}", new_x="LEFT", new_y="NEXT")
        if party["address"]:
            cell(half, 4.5, party["address"], new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 20))
    pdf.ln(2)
    widths = (22, 30, 64, 22, 22, 22)
    aligns = ("L", "L", "L", "R", "R", "R")

    def header() -> None:
        use(8, True)
        pdf.set_fill_color(235, 238, 242)
        for w, key, align in zip(
            widths,
            ("date", "document", "description", "debit", "credit", "balance"),
            aligns,
            strict=True,
        ):
            cell(w, 6, lab[key], border=1, align=align, fill=True)
        pdf.ln()
        use(8)

    char_widths: dict[str, float] = {}

    def width(text: str) -> float:
        # Summed per character and cached: fpdf2's own measure costs a millisecond a
        # call, and a 5,000-document statement measures tens of thousands of strings.
        total = 0.0
        for ch in text:
            w = char_widths.get(ch)
            if w is None:
                w = char_widths[ch] = pdf.get_string_width(ch)
            total += w
        return total

    def fit(text: str, room: float) -> str:
        while text and width(text) > room:
            text = text[:-2] + "…"
        return text

    def row(values: tuple[str, ...], bold: bool = False) -> None:
        if pdf.will_page_break(5.5):
            pdf.add_page()
            header()
        use(8, bold)
        if bold:
            for w, value, align in zip(widths, values, aligns, strict=True):
                cell(w, 5.5, fit(value, w - 2), border="B", align=align)
            pdf.ln()
            return
        # Plain lines are placed with text() and one rule: cell() runs fpdf2's whole
        # styled-line machinery per call, 30 times slower for the same output.
        x, y = pdf.l_margin, pdf.get_y()
        for w, value, align in zip(widths, values, aligns, strict=True):
            text = fit(value, w - 2)
            if text:
                left = x + w - 1 - width(text) if align == "R" else x + 1
                pdf.text(left, y + 3.9, text)
            x += w
        pdf.line(pdf.l_margin, y + 5.5, x, y + 5.5)
        pdf.set_y(y + 5.5)

    header()
    m = lambda v: money(v, language)  # noqa: E731
    row(
        (
            "",
            "",
            lab["opening"].format(date=statement.date_from.isoformat()),
            "",
            "",
            m(statement.opening),
        ),
        bold=True,
    )
    for line in statement.lines:
        row(
            (
                line.date.isoformat(),
                line.document,
                _describe(line, language),
                m(line.debit) if line.debit else "",
                m(line.credit) if line.credit else "",
                m(line.balance),
            )
        )
    row(
        ("", "", lab["turnover"], m(statement.debit_total), m(statement.credit_total), ""),
        bold=True,
    )
    row(
        (
            "",
            "",
            lab["closing"].format(date=statement.date_to.isoformat()),
            "",
            "",
            m(statement.closing),
        ),
        bold=True,
    )
    pdf.ln(4)
    if pdf.will_page_break(70):
        pdf.add_page()
    use(9, True)
    multi_cell(0, 5, balance_sentence(statement, language), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    use(8)
    multi_cell(0, 4.5, lab["confirm"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    top = pdf.get_y()
    for i, signer in enumerate((company["name"], statement.client.legal_name)):
        x = pdf.l_margin + i * half
        pdf.set_xy(x, top)
        use(9, True)
        multi_cell(half - 6, 5, lab["for"].format(party=signer), new_x="LEFT", new_y="NEXT")
        use(8)
        for key in ("name_position", "signature", "stamp_date"):
            pdf.ln(6)
            pdf.set_x(x)
            cell(half - 6, 5, f"{lab[key]}: ", new_x="LEFT", new_y="NEXT")
            pdf.line(x + 38, pdf.get_y(), x + half - 8, pdf.get_y())
    return bytes(pdf.output())

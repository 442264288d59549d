import datetime as dt
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from raktas.core.exceptions import ValidationFailed
from raktas.ledger.services import payment_reverse
from raktas.receivables.statement import (
    build_statement,
    statement_pdf,
    statement_xlsx,
)
from raktas.receivables.tests.helpers import D, credit, invoice, pay


@pytest.fixture
def account(world):
    """client_a: one invoice before the period, then in March an invoice, a payment,
    a credit note and a bounced payment."""
    fin = world.persona("finance")
    client = world.client_a
    client.registration_code = "304512345"
    client.save()
    old = invoice(fin, client, "100.00", dt.date(2026, 2, 10))
    pay(fin, client, "40.00", dt.date(2026, 2, 20), to=old)
    new = invoice(fin, client, "250.00", dt.date(2026, 3, 5))
    paid = pay(fin, client, "60.00", dt.date(2026, 3, 10), to=old)
    credit(fin, client, "50.00", dt.date(2026, 3, 12), new)
    payment_reverse(by=fin, payment=paid, reversed_on=dt.date(2026, 3, 15), reason="Grąžinta")
    pay(fin, client, "10.00", dt.date(2026, 4, 2), to=new)  # after the period
    return client


@pytest.mark.django_db
def test_statement_runs_from_opening_to_closing_balance(account):
    st = build_statement(account, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert st.opening == D("60.00")  # 100 invoiced − 40 paid in February
    assert [(line.kind, line.debit, line.credit, line.balance) for line in st.lines] == [
        ("invoice", D("250.00"), D("0"), D("310.00")),
        ("payment", D("0"), D("60.00"), D("250.00")),
        ("credit_note", D("0"), D("50.00"), D("200.00")),
        ("reversal", D("60.00"), D("0"), D("260.00")),
    ]
    assert st.closing == D("260.00")
    # The closing balance is the client's balance on that day, whatever came later.
    after = build_statement(account, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert after.opening == st.closing and after.closing == D("250.00")
    with pytest.raises(ValidationFailed):
        build_statement(account, dt.date(2026, 3, 31), dt.date(2026, 3, 1))


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_lithuanian_pdf_carries_lithuanian_and_cyrillic_letters(account, settings):
    settings.COMPANY_NAME = "ООО «Ромашка» ir UAB Žąsų ūkis"
    st = build_statement(account, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    data = statement_pdf(st, "lt")
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    for expected in (
        "TARPUSAVIO ATSISKAITYMŲ SUDERINIMO AKTAS",
        "UAB „Ąžuolas“",
        "Kreditinė sąskaita faktūra",
        "Mokėjimo atšaukimas",
        "ООО «Ромашка»",
        "Žąsų ūkis",
        "Pardavėjas",
        "Parašas",
        "260,00",
    ):
        assert expected in text, expected


@pytest.mark.django_db
def test_english_pdf_and_both_xlsx_versions(account):
    st = build_statement(account, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    text = _pdf_text(statement_pdf(st, "en"))
    assert "MUTUAL SETTLEMENT STATEMENT" in text and "Closing balance on 2026-03-31" in text
    assert "UAB „Ąžuolas“ owes" in text
    for language, title in (("en", "MUTUAL SETTLEMENT STATEMENT"), ("lt", "TARPUSAVIO")):
        ws = load_workbook(io.BytesIO(statement_xlsx(st, language))).worksheets[0]
        values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        assert str(values[0]).startswith(title)
        assert D("260.00") in [D(str(v)) for v in values if isinstance(v, float | int)]


@pytest.mark.django_db
def test_a_formula_in_a_client_name_stays_text_in_the_xlsx(account):
    account.legal_name = '=HYPERLINK("http://evil","x")'
    account.save()
    st = build_statement(account, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    ws = load_workbook(io.BytesIO(statement_xlsx(st, "en"))).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_pdf_renders_to_an_image(account, tmp_path):
    st = build_statement(account, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(statement_pdf(st, "lt"))
    pdftoppm = shutil.which("pdftoppm") or "pdftoppm"
    args = [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")]
    subprocess.run(args, check=True)  # noqa: S603 (fixed arguments, a file we wrote)
    assert list(tmp_path.glob("p*.png"))

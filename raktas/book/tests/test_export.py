"""The XLSX export holds exactly the rows the user may see under the same filters, and
no cell can be read as a formula."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from raktas.book.exports import safe_text
from raktas.clients.models import Tier
from raktas.testing.factories import ClientFactory
from raktas.testing.pages import Book, browser_for

pytestmark = pytest.mark.django_db


def export(book: Book, persona: str, **params: str) -> list[list[object]]:
    response = browser_for(book.world.persona(persona)).get(reverse("book:clients_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    assert ws is not None
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
    return [[c.value for c in row] for row in ws.iter_rows()]


def names(rows: list[list[object]]) -> set[object]:
    return {r[0] for r in rows[1:]}


def test_export_holds_exactly_what_the_list_shows(book: Book) -> None:
    w = book.world
    assert names(export(book, "kam_a")) == {w.client_a.legal_name}
    assert names(export(book, "deputy")) == {w.client_a.legal_name, w.client_d.legal_name}
    assert names(export(book, "kam_b")) == {w.client_b.legal_name}
    all_three = {w.client_a.legal_name, w.client_b.legal_name, w.client_d.legal_name}
    assert names(export(book, "director")) == all_three


def test_export_applies_the_same_filters(book: Book) -> None:
    w = book.world
    ClientFactory.create(
        legal_name="UAB Kitas", owner=w.kam_a, price_column=w.column, tier=Tier.KEY
    )
    assert names(export(book, "kam_a", tier=Tier.KEY)) == {"UAB Kitas"}
    assert names(export(book, "kam_a", q="Ąžuol")) == {w.client_a.legal_name}
    assert names(export(book, "kam_a", overdue="1")) == {w.client_a.legal_name}


def test_export_carries_balances_only_for_clients_whose_account_is_visible(book: Book) -> None:
    rows = export(book, "kam_a")
    header, row = rows[0], rows[1]
    balance = row[header.index("Balance")]
    assert isinstance(balance, (int, float, Decimal)) and balance > 0
    desk_rows = export(book, "desk")
    desk_header = desk_rows[0]
    for r in desk_rows[1:]:
        assert r[desk_header.index("Balance")] is None
        assert r[desk_header.index("Revenue, 12 months")] is None


@pytest.mark.parametrize(
    "evil",
    ['=HYPERLINK("http://x.test","click")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_like_text_is_written_as_text(book: Book, evil: str) -> None:
    ClientFactory.create(legal_name=evil, owner=book.world.kam_a, price_column=book.world.column)
    rows = export(book, "kam_a")
    # XML stores a carriage return as a line feed; what matters is the apostrophe.
    written = {str(n).replace("\n", "\r") for n in names(rows) if str(n).startswith("'")}
    assert written == {"'" + evil.replace("\n", "\r")}


def test_safe_text_leaves_ordinary_text_alone() -> None:
    assert safe_text("UAB „Ąžuolas“") == "UAB „Ąžuolas“"
    assert safe_text("=1") == "'=1"

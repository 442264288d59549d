"""Reading files: encodings, delimiters, row numbers, spreadsheet cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raktas.core.exceptions import ValidationFailed
from raktas.imports import cells
from raktas.imports.readers import detect_delimiter, open_table
from raktas.imports.tests.helpers import write_csv, write_xlsx

# Spreadsheet cells hold naive date-times; so do these.
JAN_2 = dt.datetime(2024, 1, 2)  # noqa: DTZ001
MAR_15_1030 = dt.datetime(2024, 3, 15, 10, 30)  # noqa: DTZ001


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [True, False])
def test_it_reads_csv_with_any_supported_delimiter_with_or_without_bom(tmp_path, delimiter, bom):
    path = write_csv(
        tmp_path / "f.csv",
        ["external_id", "legal_name"],
        [["C-1", "Ąžuolas; „Šermukšnis“, Ltd"]],
        delimiter=delimiter,
        bom=bom,
    )
    table = open_table(path)
    try:
        assert table.header == ["external_id", "legal_name"]  # no BOM glued to the first name
        assert list(table.rows) == [(2, ["C-1", "Ąžuolas; „Šermukšnis“, Ltd"])]
        assert table.delimiter == delimiter
    finally:
        table.close()


def test_the_header_alone_decides_the_delimiter():
    assert detect_delimiter("a;b;c\n") == ";"
    assert detect_delimiter('"x,y";b;c\n') == ";"  # a quoted comma does not count
    assert detect_delimiter("a\tb\n") == "\t"
    assert detect_delimiter("single\n") == ","


def test_row_numbers_count_blank_lines_as_a_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n\n3,4\n,\n5,6\n", encoding="utf-8")
    table = open_table(path)
    assert [n for n, _ in table.rows] == [2, 4, 6]
    table.close()


def test_a_file_that_is_not_utf8_is_refused_not_mangled(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("a,b\n1,Šiauliai\n".encode("cp1257"))
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        # The decoder reads ahead, so the refusal may come at open or at the bad row.
        table = open_table(path)
        try:
            list(table.rows)
        finally:
            table.close()


def test_it_streams_xlsx_rows_with_their_sheet_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        ["sku", "price", "valid_from"],
        [["A", 1.5, JAN_2], [None, None, None], ["Б", 2, "03.01.2024"]],
    )
    table = open_table(path)
    assert table.format == "xlsx"
    assert list(table.rows) == [
        (2, ["A", 1.5, JAN_2]),
        (4, ["Б", 2, "03.01.2024"]),
    ]
    table.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-15", dt.date(2024, 3, 15)),
        ("2024-03-15 00:00:00.000", dt.date(2024, 3, 15)),
        ("15.03.2024", dt.date(2024, 3, 15)),
        ("2024.03.15", dt.date(2024, 3, 15)),
        (MAR_15_1030, dt.date(2024, 3, 15)),
    ],
)
def test_dates_in_iso_lithuanian_and_european_forms(raw, expected):
    assert cells.date(raw) == expected


@pytest.mark.parametrize("raw", ["2024-02-30", "15/03/2024", "tomorrow"])
def test_a_non_date_is_refused_with_the_accepted_forms(raw):
    with pytest.raises(cells.CellError):
        cells.date(raw)


def test_money_accepts_a_decimal_comma_and_spaces_and_refuses_extra_places():
    parse = cells.decimal(places=2)
    assert parse("1 250,50") == Decimal("1250.50")
    assert parse(2.55) == Decimal("2.55")
    with pytest.raises(cells.CellError, match="decimal places"):
        parse("1,005")
    with pytest.raises(cells.CellError, match="at least 0"):
        parse("-1")
    with pytest.raises(cells.CellError, match="not a number"):
        parse("12 eur")


def test_numbers_stored_as_spreadsheet_numbers_become_their_digits():
    assert cells.text(32)(300123456.0) == "300123456"
    assert cells.text(32)(42) == "42"


def test_choices_accept_the_value_or_the_label_in_any_case():
    from raktas.clients.models import BuyingRole

    parse = cells.choice(BuyingRole)
    assert parse("Decision maker") == "decision_maker"
    assert parse("DECISION_MAKER") == "decision_maker"
    with pytest.raises(cells.CellError, match="not one of"):
        parse("boss")

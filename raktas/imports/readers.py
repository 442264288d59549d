"""Stream the rows of a CSV or XLSX file, numbered as a spreadsheet shows them.

Both readers yield ``(row_number, cells)`` lazily, so nothing here holds more than
one row at a time. Row 1 is the header; blank rows keep their number (a user who
opens the file in a spreadsheet sees them) but are not yielded.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from raktas.core.exceptions import ValidationFailed

CANDIDATE_DELIMITERS = (",", ";", "\t")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"

# A cell may legitimately hold a long note; the csv module's default 128 KiB limit
# would turn one such cell into an unreadable file.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    format: str
    delimiter: str | None = None
    _closer: Any = field(default=None, repr=False)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size, read in chunks (the file may be larger than memory)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def detect_format(path: Path) -> str:
    if path.suffix.lower() in XLSX_SUFFIXES:
        return "xlsx"
    with path.open("rb") as fh:
        if fh.read(4) == ZIP_MAGIC:
            return "xlsx"
    return "csv"


def detect_delimiter(header_line: str) -> str:
    """The candidate that occurs most often in the header line; ',' on a tie.

    Header names practically never contain a delimiter, whereas data rows do
    (a decimal comma, a "Vilnius; Kaunas" address), so the header alone decides.
    """
    counts = {d: _count_outside_quotes(header_line, d) for d in CANDIDATE_DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in CANDIDATE_DELIMITERS if counts[d] == best)


def _count_outside_quotes(line: str, char: str) -> int:
    quoted = False
    n = 0
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            n += 1
    return n


def open_table(path: Path, *, fmt: str | None = None, sheet: str | None = None) -> Table:
    fmt = fmt or detect_format(path)
    if fmt == "xlsx":
        return _open_xlsx(path, sheet)
    if fmt == "csv":
        return _open_csv(path)
    raise ValidationFailed(f"format: {fmt!r} is not csv or xlsx", field="format")


def _open_csv(path: Path) -> Table:
    # utf-8-sig drops a byte-order mark if there is one (Excel writes it) and reads
    # plain UTF-8 otherwise. Invalid bytes fail loudly rather than import mojibake.
    fh = path.open("r", encoding="utf-8-sig", newline="")
    try:
        first = fh.readline()
    except UnicodeDecodeError as exc:
        fh.close()
        raise ValidationFailed(
            f"file: not UTF-8 text ({exc.reason}); save the file as CSV UTF-8", field="file"
        ) from None
    delimiter = detect_delimiter(first)
    fh.seek(0)
    # seek(0) on a utf-8-sig stream re-reads the BOM; the decoder skips it again.
    reader = csv.reader(fh, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise ValidationFailed("file: the file is empty", field="file") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if not cells or all(not c.strip() for c in cells):
                    continue
                yield number, cells
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                f"file: row {number + 1} is not UTF-8 text ({exc.reason})", field="file"
            ) from None
        except csv.Error as exc:
            raise ValidationFailed(f"file: row {number + 1}: {exc}", field="file") from None

    return Table(header, rows(), "csv", delimiter, fh.close)


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl

    # read_only streams the sheet XML row by row; data_only takes a formula's
    # last computed value instead of its text.
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ValidationFailed(
            f"file: not a readable XLSX workbook ({exc})", field="file"
        ) from None
    if sheet is not None:
        if sheet not in book.sheetnames:
            book.close()
            raise ValidationFailed(
                f"sheet: no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}",
                field="sheet",
            )
        ws: Any = book[sheet]
    else:
        ws = book.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header_row = next(it, None)
    if header_row is None:
        book.close()
        raise ValidationFailed("file: the sheet is empty", field="file")
    header = ["" if v is None else str(v) for v in header_row]
    while header and header[-1] == "":
        header.pop()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # read_only mode yields empty rows for gaps, so the count matches the sheet.
        for number, values in enumerate(it, start=2):
            cells = list(values)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            yield number, cells

    return Table(header, rows(), "xlsx", None, book.close)

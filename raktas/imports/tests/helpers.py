"""Write small CSV/XLSX files for import tests."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from raktas.imports.base import Report
from raktas.imports.services import import_file
from raktas.org.models import User


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    bom: bool = False,
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def run(user: User, kind: str, path: Path, **kwargs: Any) -> Report:
    return import_file(by=user, kind=kind, path=path, **kwargs)


def errors_of(report: Report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in report.errors]

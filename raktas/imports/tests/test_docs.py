"""docs/imports.md documents every column the importer reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from raktas.imports.kinds import KINDS

DOC = Path(__file__).resolve().parents[3] / "docs" / "imports.md"


def section(text: str, kind: str) -> str:
    match = re.search(rf"^### {kind}\n(.*?)(?=^### |^## |\Z)", text, re.S | re.M)
    assert match, f"docs/imports.md has no section for {kind}"
    return match.group(1)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_column_of_every_kind_is_documented_with_its_example(kind):
    text = section(DOC.read_text(encoding="utf-8"), kind)
    for column in KINDS[kind].columns:
        row = re.search(rf"^\| `{column.name}` \|(.*)$", text, re.M)
        assert row, f"{kind}: column {column.name} is not in docs/imports.md"
        assert f"`{column.example}`" in row.group(1), f"{kind}.{column.name}: example differs"
        required = "**always** (key)" if column.key else "to create" if column.needed else ""
        assert row.group(1).split("|")[0].strip() == required, f"{kind}.{column.name}: required"

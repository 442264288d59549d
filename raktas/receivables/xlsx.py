"""The aging and statement workbooks write through the one spreadsheet writer,
``raktas.core.spreadsheet`` (formula guard, characters XML cannot hold). The names
stay importable from here."""

from __future__ import annotations

from raktas.core.spreadsheet import FORMULA_STARTS as FORMULA_TRIGGERS
from raktas.core.spreadsheet import MONEY_FORMAT, autosize, put, safe_text

__all__ = ["FORMULA_TRIGGERS", "MONEY_FORMAT", "autosize", "put", "safe_text"]

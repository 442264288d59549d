"""Values no endpoint can store, refused before any endpoint runs.

Whatever an endpoint's schema says, some values cannot reach the database: a NUL
character (PostgreSQL text refuses it; psycopg raises before sending), an unpaired
UTF-16 surrogate (not encodable as UTF-8 — both databases), an integer outside 64 bits
(SQLite raises OverflowError; PostgreSQL's bigint overflows) and a non-finite number
(JSON's ``1e309`` parses as infinity). The probe and schemathesis found each of them
answering 500 from some endpoint. Every API request passes through ``check`` first
(``raktas/api/urls.py``), which answers 422 naming the field.

Integers in a query string or a path are only numbers if the endpoint says so (``q``
may be a long registration code), so they are not judged here; an integer parameter
too large for the database ends in ``OverflowError``, which ``raktas.api.errors``
maps to 422 naming the parameter.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest

INT64 = 2**63 - 1
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Unstorable(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = f"{field}: {message}" if field else message


def _walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, str(key)), str(key)  # keys are text too
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, str(i)))
    else:
        yield path, value


def check_text(field: str | None, value: str) -> None:
    found = _UNSTORABLE.search(value)
    if found:
        what = "a NUL character" if found.group() == "\x00" else "an unpaired surrogate"
        raise Unstorable(field, f"contains {what}, which cannot be stored")


def check_json(data: Any) -> None:
    for path, value in _walk(data):
        field = ".".join(path) or None
        if isinstance(value, str):
            check_text(field, value)
        elif isinstance(value, bool):
            continue
        elif (isinstance(value, int) and abs(value) > INT64) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise Unstorable(field, "the number is too large")


def check(request: HttpRequest) -> None:
    """Raise ``Unstorable`` for the first value of the request that cannot be stored."""
    for key, values in request.GET.lists():
        check_text(key, key)
        for value in values:
            check_text(key, value)
    if request.content_type != "application/json" or not request.body:
        return
    try:
        data = json.loads(request.body)
    except ValueError:
        return  # the endpoint's own parser says what is wrong with it
    check_json(data)

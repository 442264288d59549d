"""Run persona tables (``raktas.testing.api.Case``) whose 200 answers may be files.

The shared ``check_case`` reads every answer as JSON; the aging export and the
statement answer with XLSX or PDF, and the bank upload is multipart. This runner
builds the shared scene plus our own objects, calls each case as every persona in a
rolled-back transaction, and checks the status and, for errors, the error shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from raktas.testing.api import PERSONAS, Case, _fill, as_persona, build_scene
from raktas.testing.personas import World

Extra = Callable[[World, dict[str, int]], dict[str, Any]]


def run_case(world: World, case: Case, extra: Extra | None = None) -> None:
    ids: dict[str, Any] = build_scene(world)
    if extra is not None:
        ids.update(extra(world, ids))
    ids.setdefault("today", dt.date.today().isoformat())  # noqa: DTZ011
    url = case.path.format(**ids)
    failures = []
    for persona in PERSONAS:
        with transaction.atomic():
            api = as_persona(world, persona)
            if case.method == "GET":
                response = api.get(url, **_fill(case.params, ids))
            elif case.note == "upload":
                name, content = ids["upload"]
                from django.core.files.uploadedfile import SimpleUploadedFile

                response = api.client.post(
                    f"/api/v1/{url.lstrip('/')}" if not url.startswith("/api") else url,
                    {"file": SimpleUploadedFile(name, content, "application/xml")},
                    headers=api.headers,
                )
            else:
                response = api.request(case.method, url, _fill(case.body, ids))
            wanted = case.expect[persona]
            if response.status_code != wanted:
                failures.append(
                    f"{persona}: expected {wanted}, got {response.status_code}: "
                    f"{response.content[:200]!r}"
                )
            elif wanted >= 400:
                body = response.json()
                if set(body) != {"error"} or set(body["error"]) != {"code", "message", "field"}:
                    failures.append(f"{persona}: error not in the API's shape: {body!r}")
            transaction.set_rollback(True)
    assert not failures, f"{case.id}\n" + "\n".join(failures)

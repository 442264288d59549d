"""schemathesis against the API's own OpenAPI document, as a KAM, the order desk and the
commercial director: no input may make the server answer 5xx.

Bounded so that it costs a minute or two per database: every operation of
``/api/v1/openapi.json`` gets ``EXAMPLES`` valid and ``EXAMPLES`` invalid requests
(schemathesis' positive and negative generation), drawn with a fixed seed
(``derandomize``), no shrinking, and the run stops adding operations after
``TIME_CAP`` seconds (saying so). Requests go through Django's test client inside the
test's transaction, each in a savepoint, on a persona world with objects in every state
(``build_scene``): a path id is sometimes a real one (``REAL_IDS``), so requests reach
past the 404 of an unknown object.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.db import DatabaseError, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from raktas.org.models import ApiToken
from raktas.testing.api import build_scene

pytestmark = pytest.mark.django_db

# RAKTAS_FUZZ_EXAMPLES / RAKTAS_FUZZ_TIME_CAP: a deeper run by hand.
EXAMPLES = int(os.environ.get("RAKTAS_FUZZ_EXAMPLES", "3"))
TIME_CAP = float(os.environ.get("RAKTAS_FUZZ_TIME_CAP", "120"))  # seconds per persona
PERSONAS = ("kam_a", "desk", "director")  # kam1, desk1 and the director of the demo
BASE = "http://testserver"


@dataclass
class Failure:
    operation: str
    status: int
    method: str
    path: str
    body: str
    answer: str

    def __str__(self) -> str:
        return (
            f"{self.status} {self.operation}: {self.method} {self.path}\n"
            f"    body: {self.body[:300]}\n    answer: {self.answer[:300]}"
        )


def _schema() -> Any:
    doc = Client().get("/api/v1/openapi.json").json()
    return schemathesis.openapi.from_dict(doc)


def _send(client: Client, token: str, case: Any) -> tuple[int, str, str, str]:
    kw = case.as_transport_kwargs(base_url=BASE)
    headers = {k: v for k, v in kw.get("headers", {}).items() if k.lower() != "cookie"}
    headers["Authorization"] = f"Bearer {token}"
    prepared = requests.Request(
        method=kw["method"],
        url=kw["url"],
        headers=headers,
        params=kw.get("params"),
        json=kw.get("json"),
        data=kw.get("data"),
        files=kw.get("files"),
    ).prepare()
    url = urlsplit(prepared.url or "")
    path = url.path + (f"?{url.query}" if url.query else "")
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    sent = {
        k: v
        for k, v in prepared.headers.items()
        if k.lower() not in ("content-type", "content-length")
    }
    try:
        with transaction.atomic():
            response = client.generic(
                prepared.method or "GET",
                path,
                data=body,
                content_type=prepared.headers.get("Content-Type") or "",
                headers=sent,
            )
    except DatabaseError as exc:  # the view left the transaction broken: a 500 for real
        return 500, path, body[:300].decode("utf-8", "replace"), repr(exc)
    return (
        response.status_code,
        path,
        body[:300].decode("utf-8", "replace"),
        response.content[:300].decode("utf-8", "replace"),
    )


def _real_ids(operation: Any, ids: dict[str, int]) -> st.SearchStrategy[dict[str, Any]] | None:
    """Path parameters drawn from the scene's real ids, or None if the path has none."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    values = sorted(set(ids.values()))
    return st.fixed_dictionaries({name: st.sampled_from(values) for name in names})


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_request_makes_the_server_fail(world, persona: str) -> None:
    ids = build_scene(world)
    _, token = ApiToken.issue(world.persona(persona), "fuzz")
    client = Client(raise_request_exception=False)
    failures: list[Failure] = []
    started = time.monotonic()
    operations = [result.ok() for result in _schema().get_all_operations()]
    done = 0
    for operation in operations:
        if time.monotonic() - started > TIME_CAP:
            break
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        real = _real_ids(operation, ids)
        if real is not None:
            strategies.append(
                real.flatmap(
                    lambda p, op=operation: op.as_strategy(
                        GenerationMode.POSITIVE, path_parameters=p
                    )
                )
            )

        def check(case: Any, label: str = operation.label) -> None:
            status, path, body, answer = _send(client, token, case)
            if status >= 500:
                failures.append(Failure(label, status, case.method, path, body, answer))

        run = settings(
            max_examples=EXAMPLES * len(strategies),
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=st.one_of(strategies))(lambda case: check(case)))
        run()
        done += 1
    elapsed = time.monotonic() - started
    print(f"\n{persona}: {done} of {len(operations)} operations in {elapsed:.0f} s")
    if done < len(operations):
        print(
            f"time cap of {TIME_CAP:.0f} s reached: {len(operations) - done} operations not fuzzed"
        )
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(
        str(f) for f in failures[:40]
    )


def test_the_schema_loads_every_operation() -> None:
    operations = list(_schema().get_all_operations())
    assert len(operations) > 80
    bad = [r.err() for r in operations if isinstance(r, Err)]
    assert not bad, bad

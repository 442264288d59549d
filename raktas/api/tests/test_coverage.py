"""Every endpoint has its persona table, and none answers an anonymous caller."""

from __future__ import annotations

import importlib
import importlib.util
import re

import pytest
from django.apps import apps

from raktas.api.api import api
from raktas.testing.api import PERSONAS, ApiClient, Case


def _all_cases() -> list[Case]:
    """The persona tables of every app: ``CASES`` in ``raktas/<app>/tests/test_api.py``."""
    cases: list[Case] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("raktas."):
            continue
        if importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        name = f"{config.name}.tests.test_api"
        if importlib.util.find_spec(name) is None:
            continue
        cases.extend(getattr(importlib.import_module(name), "CASES", []))
    return cases


ALL_CASES = _all_cases()


def _routes() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    routes = set()
    for path, operations in schema["paths"].items():
        for method in operations:
            routes.add((method.upper(), re.sub(r"\{[^}]+\}", "{}", path)))
    return routes


ROUTES = sorted(_routes())


def test_every_endpoint_has_a_persona_table():
    covered = {case.route for case in ALL_CASES}
    missing = set(ROUTES) - covered
    assert not missing, f"endpoints without persona cases: {sorted(missing)}"
    # …and no table names an endpoint that does not exist.
    assert covered <= set(ROUTES), sorted(covered - set(ROUTES))


def test_every_case_says_what_each_persona_gets():
    for case in ALL_CASES:
        assert set(case.expect) == set(PERSONAS), case.id
        if case.visible is not None:
            assert set(case.visible) >= {p for p, s in case.expect.items() if s == 200}, case.id


def test_there_are_enough_endpoints_to_mean_something():
    assert len(ROUTES) >= 40


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=lambda v: v)
def test_an_anonymous_caller_gets_401_in_the_error_shape(method, path):
    url = path.replace("{}", "1")
    response = ApiClient().request(method, url, {} if method != "GET" else None)
    assert response.status_code == 401, response.content
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Log in, or send an API token as 'Authorization: Bearer TOKEN'.",
            "field": None,
        }
    }

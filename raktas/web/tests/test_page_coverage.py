"""Every page has its persona table, and none answers an anonymous caller.

Like the API's guard (``raktas/api/tests/test_coverage.py``): each URL pattern of the
site — outside the API, which has its own — must have at least one ``PageCase`` in
``PAGE_CASES`` of some app's ``tests/test_pages.py``; its cases together must let one
persona in and keep one out (or, for a page every signed-in user may open, the
anonymous check below keeps callers out); and an anonymous caller is sent to sign in.
"""

from __future__ import annotations

import importlib
import importlib.util

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from raktas.testing.api import PERSONAS
from raktas.testing.pages import PageCase

# Pages anyone may open without signing in.
PUBLIC = {"healthz", "web:login", "web:logout", "web:set_language"}


def _cases() -> list[PageCase]:
    cases: list[PageCase] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("raktas."):
            continue
        name = f"{config.name}.tests.test_pages"
        if importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        cases.extend(getattr(importlib.import_module(name), "PAGE_CASES", []))
    return cases


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    out: list[tuple[str, URLPattern]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("api/"):
                continue  # the API's own guard covers it
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            out.extend(_patterns(pattern, inner))
        elif pattern.name:
            out.append((f"{namespace}{pattern.name}", pattern))
    return out


ALL_CASES = _cases()
PAGES = sorted({name for name, _ in _patterns(get_resolver())})


def test_every_page_has_a_persona_table() -> None:
    covered = {case.name for case in ALL_CASES}
    missing = set(PAGES) - PUBLIC - covered
    assert not missing, f"pages without persona cases: {sorted(missing)}"
    assert covered <= set(PAGES), sorted(covered - set(PAGES))


def test_every_case_says_what_each_persona_gets() -> None:
    for case in ALL_CASES:
        assert set(case.expect) == set(PERSONAS), case.id


@pytest.mark.parametrize("name", sorted(set(PAGES) - PUBLIC))
def test_every_page_lets_someone_in(name: str) -> None:
    statuses = {s for case in ALL_CASES if case.name == name for s in case.expect.values()}
    assert any(s < 400 or s == 422 for s in statuses), f"{name}: nobody gets in"


def _kwargs(pattern: URLPattern) -> dict[str, int]:
    return {key: 1 for key in pattern.pattern.converters}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PAGES) - PUBLIC))
def test_an_anonymous_caller_is_sent_to_sign_in(name: str) -> None:
    pattern = dict(_patterns(get_resolver()))[name]
    url = reverse(name, kwargs=_kwargs(pattern))
    for method in ("get", "post"):
        response = getattr(HttpClient(), method)(url)
        assert response.status_code in (302, 405), (method, url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), (method, url)

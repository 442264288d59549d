"""The organisation's pages persona by persona (``raktas.testing.pages.PageCase``)."""

from __future__ import annotations

import pytest

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

PAGE_CASES = [
    # Who read and exported what: the commercial director only (org.access.reads_audit).
    PageCase("org:access_log", expect(403, director=200)),
    PageCase(
        "org:access_log",
        expect(403, director=200),
        query="user=kam_a&what=clients.export&since=2026-01-01&until=2026-12-31",
        note="filtered",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

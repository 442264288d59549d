"""The aging page persona by persona (``raktas.testing.pages.PageCase``)."""

from __future__ import annotations

import pytest

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

PAGE_CASES = [
    PageCase("receivables:aging", expect(200, desk=403, admin=403)),
    PageCase(
        "receivables:aging",
        expect(200, kam_b=404, desk=403, admin=403),
        query="client={client_a}",
        note="one client",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

"""The book's pages persona by persona (``raktas.testing.pages.PageCase``)."""

from __future__ import annotations

import pytest

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

# The lists: every business role; the administrator sees no business data.
LISTS = expect(200, admin=403)
# client_a's pages: its book (kam_a, the deputy, the head), the order desk (it has
# orders at the desk), finance and the director.
CLIENT_A = expect(200, kam_b=404, admin=404)

PAGE_CASES = [
    PageCase("book:today", expect(200, desk=403, finance=403, admin=403)),
    PageCase("book:clients", LISTS),
    PageCase("book:clients", LISTS, query="q=Ąžuolas&sort=-balance", note="search and sort"),
    PageCase("book:clients_export", LISTS),
    PageCase("book:client", CLIENT_A, kwargs={"pk": "client_a"}),
    PageCase("book:client", expect(404), kwargs={"pk": "missing"}, note="no such client"),
    PageCase(
        "book:team",
        expect(403, head=200, director=200),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

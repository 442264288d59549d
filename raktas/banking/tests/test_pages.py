"""The bank pages persona by persona (``raktas.testing.pages.PageCase``): finance's
work and the director's; nobody else may even learn that an entry exists (404)."""

from __future__ import annotations

import pytest

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

BANK_WORK = expect(404, finance=302, director=302)

PAGE_CASES = [
    PageCase("banking:queue", expect(403, finance=200, director=200)),
    # No file: the page says so and goes back to the queue.
    PageCase("banking:upload", expect(302), method="POST", note="no file"),
    PageCase(
        "banking:resolve",
        BANK_WORK,
        kwargs={"pk": "bank_entry"},
        method="POST",
        data={"invoice_id": "{invoice_a}"},
    ),
    PageCase("banking:ignore", BANK_WORK, kwargs={"pk": "bank_entry"}, method="POST"),
    PageCase(
        "banking:reverse",
        BANK_WORK,
        kwargs={"pk": "bank_entry"},
        method="POST",
        data={"credit_id": "{bank_entry}"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

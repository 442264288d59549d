"""The analytics pages persona by persona (``raktas.testing.pages.PageCase``)."""

from __future__ import annotations

import pytest

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

# Analytics is for KAMs, heads of sales, finance and the director, each within their
# scope; not the order desk nor the administrator.
ANALYSTS = expect(200, desk=403, admin=403)
CLIENT_A = expect(200, kam_b=404, desk=403, admin=403)

PAGE_CASES = [
    PageCase("analytics:overview", ANALYSTS),
    PageCase("analytics:client", CLIENT_A, kwargs={"pk": "client_a"}),
    PageCase("analytics:client_panel", CLIENT_A, kwargs={"pk": "client_a"}),
    PageCase("analytics:order_suggestions", CLIENT_A, kwargs={"pk": "draft_a"}),
    # Whoever may not decide is told so on the page (a message, then back): only the
    # head of client_a's team and the director change the tier.
    PageCase(
        "analytics:decide",
        expect(302, kam_b=404, desk=403, admin=403),
        kwargs={"pk": "proposal_a"},
        method="POST",
        data={"decision": "accept"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

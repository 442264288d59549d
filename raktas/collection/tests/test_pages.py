"""Collection's pages persona by persona (``raktas.testing.pages.PageCase``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from raktas.testing.api import expect
from raktas.testing.pages import PageCase, check_page_case

# Debt work on client_a: its book (kam_a, the deputy, the head), finance, the director.
DEBT_WORK_A = expect(302, kam_b=404, desk=404, admin=404)
IN_A_WEEK = (timezone.localdate() + dt.timedelta(days=7)).isoformat()

PAGE_CASES = [
    PageCase("collection:collection", expect(200, desk=403, admin=403)),
    PageCase(
        "collection:promise_new",
        DEBT_WORK_A,
        kwargs={"pk": "client_a"},
        method="POST",
        data={"promised_on": IN_A_WEEK, "amount": "5.00", "note": "Friday"},
    ),
    PageCase(
        "collection:task_done",
        DEBT_WORK_A,
        kwargs={"pk": "task_a"},
        method="POST",
        data={"outcome": "Will pay on Friday."},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

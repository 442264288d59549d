"""/me: who the caller is, their roles and what they may see."""

from __future__ import annotations

import pytest

from raktas.testing.api import Case, as_persona, check_case, expect

pytestmark = pytest.mark.django_db

CASES = [Case("GET", "/api/v1/me", expect(200))]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


def test_the_deputy_sees_whom_they_stand_in_for(world):
    body = as_persona(world, "deputy").get("me").json()
    assert body["username"] == "deputy"
    assert body["roles"] == ["kam"]
    assert body["team"] == "North"
    scope = body["scope"]
    assert [u["username"] for u in scope["deputising_for"]] == ["kam_a"]
    assert [u["username"] for u in scope["book_owners"]] == ["deputy", "kam_a"]
    assert scope["writable_owners"] == scope["book_owners"]
    assert (scope["all_clients"], scope["order_desk"], scope["sees_margin"]) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("persona", "all_clients", "desk", "margin", "owners"),
    [
        ("head", False, False, True, ["deputy", "head", "kam_a"]),
        ("desk", False, True, False, []),
        ("finance", True, False, False, []),
        ("finance_margin", True, False, True, []),
        ("director", True, False, True, []),
        ("admin", False, False, False, []),
    ],
)
def test_scope_summary_per_role(world, persona, all_clients, desk, margin, owners):
    scope = as_persona(world, persona).get("me").json()["scope"]
    assert scope["all_clients"] is all_clients
    assert scope["order_desk"] is desk
    assert scope["sees_margin"] is margin
    assert [u["username"] for u in scope["book_owners"]] == owners

"""The audit log over the API: the director reads it; nobody writes it."""

from __future__ import annotations

import pytest

from raktas.audit.models import AuditEntry
from raktas.testing.api import Case, as_persona, build_scene, check_case, expect

pytestmark = pytest.mark.django_db

CASES = [
    Case("GET", "/api/v1/audit", expect(403, director=200)),
    Case("GET", "/api/v1/audit/{audit_entry}", expect(403, director=200)),
    Case("GET", "/api/v1/access-log", expect(403, director=200)),
    Case("GET", "/api/v1/access-log/alerts", expect(403, director=200)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_log_cannot_be_written_through_the_api(world, method):
    ids = build_scene(world)
    before = AuditEntry.objects.count()
    api = as_persona(world, "director")
    for url in ("audit", f"audit/{ids['audit_entry']}"):
        response = getattr(api, method)(url)
        assert response.status_code == 405, (url, response.content)
        assert response.json()["error"]["code"] == "method_not_allowed"
        assert "GET" in response["Allow"]
    assert AuditEntry.objects.count() == before


def test_the_director_filters_the_log_by_entity_and_actor(world):
    ids = build_scene(world)
    api = as_persona(world, "director")
    body = api.get("audit", entity="clients.contact").json()
    assert body["count"] == 2
    assert {e["actor_username"] for e in body["items"]} == {"kam_a", "kam_b"}
    mine = api.get("audit", actor=world.kam_b.pk, entity="clients.contact").json()["items"]
    assert [(e["action"], e["after"]["name"]) for e in mine] == [("create", "Jonas Jonaitis")]
    one = api.get(f"audit/{ids['audit_entry']}").json()
    assert one["id"] == ids["audit_entry"]


def test_api_changes_land_in_the_log_with_before_and_after(world):
    api = as_persona(world, "kam_a")
    api.patch(f"clients/{world.client_a.pk}", {"city": "Panevėžys"})
    entry = (
        as_persona(world, "director")
        .get("audit", entity="clients.client", entity_id=str(world.client_a.pk))
        .json()["items"][0]
    )
    assert entry["actor_username"] == "kam_a"
    assert (entry["before"], entry["after"]) == ({"city": "Vilnius"}, {"city": "Panevėžys"})


def test_the_log_is_newest_first(world):
    build_scene(world)
    items = as_persona(world, "director").get("audit", limit=500).json()["items"]
    keys = [(e["at"], e["id"]) for e in items]
    assert keys == sorted(keys, reverse=True)

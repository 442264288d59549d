"""Tokens and sessions: who is asking is decided by the request's credentials only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from raktas.org.models import ApiToken
from raktas.org.services import token_create, token_revoke
from raktas.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def test_a_token_authenticates_as_its_user_and_notes_its_use(world):
    token, raw = token_create(user=world.kam_a, name="laptop")
    response = ApiClient(token=raw).get("me")
    assert response.status_code == 200
    assert response.json()["username"] == "kam_a"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer rk_not-a-real-token", "Bearer ", "Basic a2FtX2E6cHc=", "rk_no-scheme"],
)
def test_a_bad_authorization_header_is_401(world, header):
    response = Client().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_revoked_token_stops_working(world):
    token, raw = token_create(user=world.kam_a)
    assert ApiClient(token=raw).get("me").status_code == 200
    token_revoke(token=token)
    response = ApiClient(token=raw).get("me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API token is invalid or revoked."


def test_a_deactivated_users_token_stops_working(world):
    _, raw = token_create(user=world.kam_a)
    world.kam_a.is_active = False
    world.kam_a.save(update_fields=["is_active"])
    assert ApiClient(token=raw).get("me").status_code == 401


def test_a_wrong_token_is_not_rescued_by_a_session(world):
    client = Client()
    client.force_login(world.director)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer rk_wrong"})
    assert response.status_code == 401


def test_the_session_authenticates_the_browser(world):
    client = Client()
    client.force_login(world.kam_a)
    response = client.get("/api/v1/clients")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [world.client_a.pk]


def test_a_session_write_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    url = f"/api/v1/clients/{world.client_a.pk}"
    refused = client.patch(url, data={"city": "Utena"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    # The docs page hands out the token the browser then sends back.
    client.get("/api/v1/docs")
    csrf = client.cookies["csrftoken"].value
    allowed = client.patch(
        url, data={"city": "Utena"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["city"] == "Utena"


def test_a_token_write_needs_no_csrf_token(world):
    _, raw = ApiToken.issue(world.kam_a)
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"/api/v1/clients/{world.client_a.pk}",
        data={"city": "Utena"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200


def test_an_anonymous_write_is_401_not_a_csrf_failure(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/orders", data={}, content_type="application/json")
    assert response.status_code == 401


def test_the_token_user_is_also_request_user(world, rf):
    from raktas.api.auth import BearerToken

    _, raw = ApiToken.issue(world.finance)
    request = rf.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    user = BearerToken()(request)
    assert user == world.finance
    assert request.user == world.finance


def test_last_use_is_written_at_most_once_a_minute(world):
    token, raw = ApiToken.issue(world.kam_a)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        ApiClient(token=raw).get("me")
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert writes == []

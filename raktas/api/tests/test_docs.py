"""The OpenAPI document and the docs page, which must work with no internet."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from raktas.api.docs import ASSETS

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_the_api():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Raktas API"
    assert "/api/v1/clients" in schema["paths"]
    assert "/api/v1/orders/{order_id}/submit" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    # Money is documented as a string, not a number.
    client_out = schema["components"]["schemas"]["ClientOut"]["properties"]
    assert client_out["credit_limit"]["type"] == "string"
    # Inputs are allowlists.
    assert schema["components"]["schemas"]["OrderCreateIn"]["additionalProperties"] is False


def test_the_docs_page_uses_only_local_assets():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    external = re.findall(r"(?:src|href)=\"(https?:)?//", html)
    assert external == []
    assert "cdn" not in html.lower()
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert f'"/api/v1/docs/assets/{name}"' in html


def test_the_docs_page_carries_a_csrf_token_for_session_calls():
    client = Client()
    html = client.get("/api/v1/docs").content.decode()
    token = re.search(r'data-csrf-token="([^"]+)"', html)
    assert token and token.group(1)
    assert 'data-api-csrf="true"' in html


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_the_bundled_assets_are_served(name):
    response = Client().get(f"/api/v1/docs/assets/{name}")
    assert response.status_code == 200
    body = response.getvalue()
    assert body == ASSETS[name].read_bytes()
    assert len(body) > 100
    expected = {"css": "text/css", "js": "javascript", "png": "image/png", "svg": "image/svg"}
    assert expected[name.rsplit(".", 1)[1]] in response["Content-Type"]


@pytest.mark.parametrize("name", ["../../../settings.py", "redoc.standalone.js", "x.js"])
def test_nothing_else_is_served_as_an_asset(name):
    response = Client().get(f"/api/v1/docs/assets/{name}")
    assert response.status_code == 404

"""One error shape everywhere: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import pytest
from django.test import Client

from raktas.api.errors import _field_from_loc, validation_error_body
from raktas.core.exceptions import Conflict
from raktas.org.models import ApiToken
from raktas.testing.api import ApiClient, as_persona

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "field"}


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == SHAPE
    return body["error"]


def test_a_domain_error_keeps_its_status_code_and_field(world):
    api = as_persona(world, "kam_a")
    order = api.post("orders", {"client_id": world.client_a.pk}).json()
    response = api.post(
        f"orders/{order['id']}/lines", {"product_id": world.products[0].pk, "quantity": "0.0001"}
    )
    assert response.status_code == 422
    assert _error(response) == {
        "code": "invalid",
        "message": "quantity: Decimal input should have no more than 3 decimal places",
        "field": "quantity",
    }


def test_an_unknown_field_is_refused_and_named(world):
    response = as_persona(world, "kam_a").post(
        "orders", {"client_id": world.client_a.pk, "status": "confirmed"}
    )
    assert response.status_code == 422
    assert _error(response) == {
        "code": "unknown_field",
        "message": "status: unknown field; this field cannot be set here",
        "field": "status",
    }


def test_a_missing_field_is_named(world):
    response = as_persona(world, "kam_a").post("orders", {})
    assert response.status_code == 422
    assert _error(response)["code"] == "required"
    assert _error(response)["field"] == "client_id"


def test_a_missing_body_says_so(world):
    _, token = ApiToken.issue(world.kam_a)
    response = Client().post(
        "/api/v1/orders",
        data="",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert _error(response) == {
        "code": "required",
        "message": "The request body is missing.",
        "field": None,
    }


def test_an_empty_form_body_counts_as_no_fields(world):
    # What `curl -X POST` or a bare form post sends: the named required field is missing.
    response = as_persona(world, "kam_a").request("POST", "orders")
    assert response.status_code == 422
    assert _error(response)["field"] == "client_id"


def test_a_wrong_type_names_the_field(world):
    response = as_persona(world, "kam_a").post("orders", {"client_id": "abc"})
    assert response.status_code == 422
    assert _error(response)["field"] == "client_id"


def test_a_bad_query_parameter_names_it(world):
    response = as_persona(world, "kam_a").get("orders", date_from="yesterday")
    assert response.status_code == 422
    assert _error(response)["field"] == "date_from"


def test_a_bad_path_parameter_is_a_404_or_names_it(world):
    response = as_persona(world, "kam_a").get("clients/abc")
    assert response.status_code in (404, 422)
    _error(response)


def test_unparsable_json_is_400(world):
    _, token = ApiToken.issue(world.kam_a)
    response = Client().post(
        "/api/v1/orders",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_an_unknown_url_under_the_api_is_a_json_404(world):
    response = as_persona(world, "kam_a").get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(world):
    response = as_persona(world, "kam_a").delete("clients")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_an_invisible_object_and_a_missing_one_look_the_same(world):
    api = as_persona(world, "kam_a")
    invisible = api.get(f"clients/{world.client_b.pk}")
    missing = api.get("clients/999999")
    assert invisible.status_code == missing.status_code == 404
    assert _error(invisible) == _error(missing)


def test_a_crash_is_a_json_500_without_internals(world, monkeypatch, caplog):
    def boom(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("raktas.orders.api.orders_visible_to", boom)
    response = as_persona(world, "kam_a").get("orders")
    assert response.status_code == 500
    assert _error(response) == {
        "code": "server_error",
        "message": "Something went wrong on our side.",
        "field": None,
    }
    assert "secret internals" not in response.content.decode()
    assert "secret internals" in caplog.text


def test_a_conflict_maps_by_its_class(world, monkeypatch):
    def clash(**kwargs):
        raise Conflict("number: taken", code="duplicate_number", field="number")

    monkeypatch.setattr("raktas.orders.api.order_create", clash)
    response = as_persona(world, "kam_a").post("orders", {"client_id": world.client_a.pk})
    assert response.status_code == 409
    assert _error(response) == {
        "code": "duplicate_number",
        "message": "number: taken",
        "field": "number",
    }


def test_anonymous_is_401_in_the_shape():
    response = ApiClient().get("clients")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "payload", "client_id"), "client_id"),
        (("body", "payload", "lines", 2, "quantity"), "lines.2.quantity"),
        (("body", "payload", "allocate", "literal['oldest','none']"), "allocate"),
        (("body", "payload", "allocate", "list[AllocationIn]", 0, "x"), "allocate.0.x"),
        (("query", "limit"), "limit"),
        (("path", "client_id"), "client_id"),
        (("body", "payload"), None),
    ],
)
def test_field_is_the_dotted_location_the_client_sent(loc, field):
    assert _field_from_loc(loc) == field


def test_of_several_errors_the_deepest_is_reported():
    body = validation_error_body(
        [
            {"type": "literal_error", "loc": ("body", "p", "allocate", "literal['x']"), "msg": "m"},
            {"type": "extra_forbidden", "loc": ("body", "p", "allocate", "list[A]", 0, "note")},
        ]
    )
    assert body["error"]["field"] == "allocate.0.note"
    assert body["error"]["code"] == "unknown_field"

"""limit/offset pagination: the shape, the defaults and caps, a stable order."""

from __future__ import annotations

import pytest

from raktas.testing.api import as_persona
from raktas.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world):
    # Same names on purpose: only the id tie-breaker keeps their order stable.
    for i in range(23):
        ClientFactory.create(
            legal_name=f"UAB Vardas {i % 4}", owner=world.kam_a, price_column=world.column
        )
    return world


def test_the_page_shape(many):
    body = as_persona(many, "kam_a").get("clients", limit=5, offset=10).json()
    assert set(body) == {"items", "count", "limit", "offset"}
    assert (body["count"], body["limit"], body["offset"], len(body["items"])) == (24, 5, 10, 5)


def test_walking_the_pages_gives_every_row_once_in_order(many):
    api = as_persona(many, "kam_a")
    seen = []
    offset = 0
    while True:
        body = api.get("clients", limit=7, offset=offset).json()
        seen += [(c["legal_name"], c["id"]) for c in body["items"]]
        offset += 7
        if offset >= body["count"]:
            break
    assert len(seen) == len(set(seen)) == 24
    assert seen == sorted(seen)
    # Asking again gives the same pages.
    again = [(c["legal_name"], c["id"]) for c in api.get("clients", limit=24).json()["items"]]
    assert again == seen


def test_default_and_maximum_page_size_come_from_settings(many, settings):
    settings.API_PAGE_SIZE = 3
    settings.API_MAX_PAGE_SIZE = 10
    api = as_persona(many, "kam_a")
    default = api.get("clients").json()
    assert (default["limit"], len(default["items"])) == (3, 3)
    capped = api.get("clients", limit=1000).json()
    assert (capped["limit"], len(capped["items"])) == (10, 10)


def test_past_the_end_is_an_empty_page_with_the_true_count(many):
    body = as_persona(many, "kam_a").get("clients", offset=500).json()
    assert (body["items"], body["count"]) == ([], 24)


@pytest.mark.parametrize(("param", "value"), [("limit", 0), ("limit", -1), ("offset", -5)])
def test_nonsense_page_parameters_are_named(many, param, value):
    response = as_persona(many, "kam_a").get("clients", **{param: value})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == param


def test_every_list_endpoint_pages_the_same_way(world):
    api = as_persona(world, "director")
    for url in (
        "clients",
        "contacts",
        "products",
        "price-lists",
        "prices",
        "orders",
        "order-desk/queue",
        "invoices",
        "payments",
        "credit-notes",
        "balances",
        "audit",
    ):
        body = api.get(url, limit=2).json()
        assert set(body) == {"items", "count", "limit", "offset"}, url
        assert body["limit"] == 2 and len(body["items"]) <= 2, url

"""One client search (``raktas.clients.selectors.client_search``): the same text finds
the same clients in My clients, ``GET /api/v1/clients?q=`` and ``GET /api/v1/balances?q=``
— words in any order, without regard to case, Lithuanian letters, quotes or
punctuation, or the start of a registration or VAT code."""

from __future__ import annotations

import pytest

from raktas.book.selectors import ClientFilters, filtered_clients
from raktas.testing.api import as_persona
from raktas.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    ("UAB Aukštumos", {"aukstumos", "didmena"}),  # both names have both words
    ("uab aukstumos mazmena", {"aukstumos"}),
    ("mažmena aukštumos", {"aukstumos"}),
    ("„Aukštumos“", {"aukstumos", "didmena"}),
    ("AUKŠTUMOS, MAŽMENA!", {"aukstumos"}),
    ("aukštumos didmena", {"didmena"}),
    ("aukštumos", {"aukstumos", "didmena"}),
    ("Šiaul", {"didmena"}),  # the city
    ("mažmena kaunas", {"aukstumos"}),  # name and city together
    ("mazmena siauliai", set()),  # every word must match
    ("30451", {"aukstumos"}),  # the start of the registration code
    ("lt100004", {"didmena"}),  # the start of the VAT code, any case
    ("", {"aukstumos", "didmena", "other"}),
]


@pytest.mark.parametrize(("text", "names"), QUERIES, ids=[q for q, _ in QUERIES])
def test_the_same_text_finds_the_same_clients_everywhere(world, text, names) -> None:
    made = {
        "aukstumos": ClientFactory.create(
            legal_name="UAB „Aukštumos mažmena“",
            registration_code="304512345",
            city="Kaunas",
            owner=world.kam_a,
            price_column=world.column,
        ),
        "didmena": ClientFactory.create(
            legal_name="Aukštumos didmena, UAB",
            vat_code="LT100004567",
            city="Šiauliai",
            owner=world.kam_a,
            price_column=world.column,
        ),
    }
    made["other"] = world.client_a  # kam_a's own from the world
    wanted = {made[n].pk for n in names}
    kam = world.persona("kam_a")
    page = set(filtered_clients(kam, ClientFilters(q=text)).values_list("pk", flat=True))
    api = as_persona(world, "kam_a")
    clients = {c["id"] for c in api.get("clients", q=text, limit=500).json()["items"]}
    balances = {r["client"]["id"] for r in api.get("balances", q=text, limit=500).json()["items"]}
    assert page == clients == balances == wanted

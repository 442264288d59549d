"""Search without regard to case or Lithuanian letters (raktas.core.search), through the
real search paths on the database under test (SQLite, or PostgreSQL when configured):
the My clients box, the clients API ``q``, the products API ``q`` and the order entry's
product search."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raktas.book.selectors import ClientFilters, filtered_clients
from raktas.catalog.models import Product
from raktas.clients.models import Client
from raktas.core.search import client_search_text, fold, search_term, search_words
from raktas.orders import services as orders
from raktas.orders.selectors import product_search
from raktas.testing.api import as_persona
from raktas.testing.factories import ClientFactory, ProductFactory
from raktas.testing.personas import World

LT_LETTERS = "aąbcčdeęėfghiįyjklmnoprsštuųūvzž"
NAME_CHARS = LT_LETTERS + LT_LETTERS.upper() + " -„“"


def test_fold_drops_case_and_diacritics() -> None:
    assert fold("ŠIAULIŲ") == fold("Šiaulių") == fold("siauliu") == "siauliu"
    assert fold("Ąžuolas") == "azuolas"
    assert fold("ПЕТРОВ й") == "петров и"
    assert search_term("  ŠIAUL  ") == "siaul"


def test_the_stored_text_keeps_name_and_city_apart() -> None:
    # A term never matches across the end of the name and the start of the city.
    stored = client_search_text("UAB Alfa", "Beta")
    assert "alfa" in stored and "beta" in stored and "alfabeta" not in stored
    assert "alfa beta" not in stored


@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=40), data=st.data())
def test_any_piece_of_a_name_in_any_case_finds_it(name: str, data: st.DataObject) -> None:
    stored = client_search_text(name, "")
    start = data.draw(st.integers(0, len(name) - 1))
    end = data.draw(st.integers(start + 1, len(name)))
    piece = name[start:end]
    if not piece.strip():
        return
    for typed in (piece, piece.upper(), piece.lower(), fold(piece)):
        assert search_term(typed) in stored


@pytest.fixture
def siauliai(world: World) -> Client:
    return ClientFactory.create(
        legal_name="UAB „Šiaulių prekyba“",
        owner=world.kam_a,
        price_column=world.column,
        city="Šiauliai",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["šiaul", "ŠIAUL", "Šiaul", "siaul", "ŠIAULIŲ PREK"])
def test_my_clients_search_finds_lithuanian_names_in_any_case(
    world: World, siauliai: Client, typed: str
) -> None:
    ClientFactory.create(legal_name="UAB Saulė", owner=world.kam_a, price_column=world.column)
    found = filtered_clients(world.persona("kam_a"), ClientFilters(q=typed))
    assert list(found.values_list("pk", flat=True)) == [siauliai.pk]


@pytest.mark.django_db
def test_search_is_still_scoped(world: World, siauliai: Client) -> None:
    assert not filtered_clients(world.persona("kam_b"), ClientFilters(q="ŠIAUL")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["šiaul", "ŠIAUL", "šiauliai"])
def test_the_clients_api_q_finds_lithuanian_names_in_any_case(
    world: World, siauliai: Client, typed: str
) -> None:
    api = as_persona(world, "kam_a")
    items = api.get("clients", q=typed).json()["items"]
    assert [c["id"] for c in items] == [siauliai.pk]


@pytest.mark.django_db
def test_a_renamed_client_is_found_by_its_new_name(world: World, siauliai: Client) -> None:
    from raktas.clients.services import client_update

    client_update(by=world.kam_a, client=siauliai, legal_name="UAB „Žalgiris“")
    kam = world.persona("kam_a")
    assert list(filtered_clients(kam, ClientFilters(q="ŽALG")).values_list("pk", flat=True)) == [
        siauliai.pk
    ]
    assert not filtered_clients(kam, ClientFilters(q="šiaulių prek")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["šalti", "ŠALTI", "Šaltibarščių", "saltibarsciu"])
def test_product_search_in_order_entry_finds_lithuanian_names_in_any_case(
    world: World, typed: str
) -> None:
    soup = ProductFactory.create(sku="SB-1", name="Šaltibarščių mišinys")
    ProductFactory.create(sku="SB-2", name="Saldainiai")
    order = orders.order_create(by=world.kam_a, client=world.client_a)
    hits = product_search(world.persona("kam_a"), order, typed)
    assert [h.product.pk for h in hits] == [soup.pk]
    api = as_persona(world, "kam_a")
    assert [p["id"] for p in api.get("products", q=typed).json()["items"]] == [soup.pk]


@pytest.mark.django_db
def test_the_search_column_is_filled_by_save_and_by_update_fields(world: World) -> None:
    product = ProductFactory.create(sku="X-1", name="Ąžuolinė lenta")
    assert Product.objects.get(pk=product.pk).search_text == "azuoline lenta"
    product.name = "Beržinė lenta"
    product.save(update_fields=["name"])
    assert Product.objects.get(pk=product.pk).search_text == "berzine lenta"


@pytest.mark.django_db
def test_the_database_folds_nothing_itself(world: World, siauliai: Client) -> None:
    """What makes the column necessary: the database's own case-insensitive match
    misses "Šiaulių" for "šiaul" on SQLite (LIKE folds ASCII letters only)."""
    plain = Client.objects.filter(legal_name__icontains="šiaul").exists()
    if connection.vendor == "sqlite":
        assert not plain
    assert Client.objects.filter(search_text__contains=search_term("šiaul")).exists()


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(alphabet=NAME_CHARS, min_size=3, max_size=40), data=st.data())
def test_the_database_finds_a_client_by_any_piece_of_its_name(
    world: World, name: str, data: st.DataObject
) -> None:
    if not name.strip():
        return
    client = ClientFactory.create(legal_name=name, owner=world.kam_a, price_column=world.column)
    try:
        start = data.draw(st.integers(0, len(name) - 1))
        piece = name[start : data.draw(st.integers(start + 1, len(name)))]
        typed = data.draw(st.sampled_from([piece, piece.upper(), piece.lower()]))
        if search_words(typed):  # punctuation alone finds nothing: it is ignored
            found = filtered_clients(world.persona("director"), ClientFilters(q=typed))
            assert client.pk in set(found.values_list("pk", flat=True))
    finally:
        client.delete()


@pytest.mark.django_db
def test_imported_clients_and_products_are_searchable(world: World, tmp_path) -> None:
    """The importers write in bulk, around save(): they keep the column themselves."""
    from raktas.imports.tests.helpers import run, write_csv

    header = ["external_id", "legal_name", "price_column", "city"]
    first = [["C-1", "UAB „Šiaulių duona“", "WHOLESALE", "Joniškis"]]
    assert run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", header, first)).created == 1
    kam = world.persona("kam_a")
    assert filtered_clients(kam, ClientFilters(q="ŠIAULIŲ DUON")).count() == 1
    renamed = [["C-1", "UAB „Žemaitijos duona“", "WHOLESALE", "Joniškis"]]
    assert run(world.kam_a, "clients", write_csv(tmp_path / "c2.csv", header, renamed)).updated
    assert filtered_clients(kam, ClientFilters(q="žemaitij")).count() == 1
    assert filtered_clients(kam, ClientFilters(q="šiaulių duon")).count() == 0
    products = write_csv(tmp_path / "p.csv", ["sku", "name"], [["ŠB-1", "Šaltibarščių mišinys"]])
    report = run(world.director, "products", products)
    assert report.status == "committed", report.errors
    order = orders.order_create(by=world.kam_a, client=world.client_a)
    assert [h.product.sku for h in product_search(kam, order, "ŠALTIB")] == ["ŠB-1"]

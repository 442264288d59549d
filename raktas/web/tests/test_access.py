"""Persona tests for the pages, as for the API: 404 for what a user may not see,
403 for what they may see but not change; no state change on GET; CSRF on forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from raktas.orders.models import Order, OrderStatus
from raktas.testing.pages import Book, browser_for

pytestmark = pytest.mark.django_db


def status_of(book: Book, persona: str, url: str, method: str = "get", **data: str) -> int:
    browser = browser_for(book.world.persona(persona))
    return getattr(browser, method)(url, data).status_code


@pytest.mark.parametrize(
    ("persona", "client_attr", "expected"),
    [
        ("kam_a", "client_a", 200),
        ("deputy", "client_a", 200),  # deputises for kam_a today
        ("head", "client_a", 200),
        ("director", "client_a", 200),
        ("finance", "client_a", 200),
        ("desk", "client_a", 200),  # client_a has orders at the desk
        ("kam_b", "client_a", 404),
        ("kam_a", "client_b", 404),
        ("head", "client_b", 404),  # another team
        ("desk", "client_d", 404),  # no order of client_d ever reached the desk
        ("kam_a", "client_d", 404),
        ("deputy", "client_d", 200),
    ],
)
def test_client_360_is_shown_only_to_who_may_see_the_client(
    book: Book, persona: str, client_attr: str, expected: int
) -> None:
    client = getattr(book.world, client_attr)
    url = reverse("book:client", args=[client.pk])
    assert status_of(book, persona, url) == expected


def test_not_found_page_does_not_tell_invisible_from_missing(book: Book) -> None:
    browser = browser_for(book.world.kam_b)
    invisible = browser.get(reverse("book:client", args=[book.world.client_a.pk]))
    missing = browser.get(reverse("book:client", args=[999999]))
    assert invisible.status_code == missing.status_code == 404
    assert "Ąžuolas" not in invisible.content.decode()
    strip = re.compile(r'"X-CSRFToken": "[^"]+"|csrfmiddlewaretoken" value="[^"]+"|/clients/\d+/')
    assert strip.sub("", invisible.content.decode()) == strip.sub("", missing.content.decode())


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("kam_a", 302),
        ("deputy", 302),
        ("head", 302),
        ("director", 302),
        ("kam_b", 404),  # invisible
        ("desk", 403),  # visible, but the desk does not take orders
        ("finance", 403),
    ],
)
def test_new_order_for_a_client(book: Book, persona: str, expected: int) -> None:
    url = reverse("orders:order_new", args=[book.world.client_a.pk])
    before = Order.objects.count()
    assert status_of(book, persona, url, "post") == expected
    assert Order.objects.count() == before + (1 if expected == 302 else 0)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("kam_a", 200), ("deputy", 200), ("kam_b", 404), ("desk", 404), ("finance", 403)],
)
def test_adding_a_line_to_a_draft(book: Book, persona: str, expected: int) -> None:
    w = book.world
    url = reverse("orders:order_line_add", args=[book.draft.pk])
    browser = browser_for(w.persona(persona))
    response = browser.post(
        url, {"product": w.products[1].pk, "quantity": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == expected
    assert book.draft.lines.count() == (2 if expected == 200 else 1)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("kam_a", 200), ("kam_b", 404), ("desk", 404), ("finance", 403)],
)
def test_product_search_is_scoped_to_who_may_edit_the_order(
    book: Book, persona: str, expected: int
) -> None:
    url = reverse("orders:order_products", args=[book.draft.pk])
    assert status_of(book, persona, url, product_label="P-") == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("desk", 302), ("director", 302), ("kam_a", 403), ("kam_b", 404), ("finance", 403)],
)
def test_confirming_a_submitted_order(book: Book, persona: str, expected: int) -> None:
    url = reverse("orders:order_confirm", args=[book.submitted.pk])
    assert status_of(book, persona, url, "post") == expected
    book.submitted.refresh_from_db()
    confirmed = book.submitted.status == OrderStatus.CONFIRMED
    assert confirmed == (expected == 302)


def test_order_pages_of_another_kam_are_not_found(book: Book) -> None:
    for order in (book.draft, book.submitted, book.confirmed):
        assert status_of(book, "kam_b", reverse("orders:order", args=[order.pk])) == 404


def test_desk_does_not_see_drafts(book: Book) -> None:
    assert status_of(book, "desk", reverse("orders:order", args=[book.draft.pk])) == 404
    assert status_of(book, "desk", reverse("orders:order", args=[book.submitted.pk])) == 200


@pytest.mark.parametrize(
    "name",
    ["order_submit", "order_confirm", "order_return", "order_cancel", "order_line_add"],
)
def test_no_state_change_on_get(book: Book, name: str) -> None:
    url = reverse(f"orders:{name}", args=[book.submitted.pk])
    for persona in ("kam_a", "desk"):
        assert status_of(book, persona, url) == 405
    book.submitted.refresh_from_db()
    assert book.submitted.status == OrderStatus.SUBMITTED


def test_forms_need_the_csrf_token(book: Book) -> None:
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(book.world.desk)
    response = browser.post(reverse("orders:order_confirm", args=[book.submitted.pk]))
    assert response.status_code == 403
    book.submitted.refresh_from_db()
    assert book.submitted.status == OrderStatus.SUBMITTED


def test_every_form_on_the_pages_carries_a_csrf_token(book: Book) -> None:
    w = book.world
    pages = [
        (w.kam_a, reverse("orders:order", args=[book.draft.pk])),
        (w.kam_a, reverse("book:client", args=[w.client_a.pk])),
        (w.desk, reverse("orders:order", args=[book.submitted.pk])),
    ]
    for user, url in pages:
        html = browser_for(user).get(url).content.decode()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S):
            if 'method="post"' in form:
                assert "csrfmiddlewaretoken" in form, form[:200]


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("kam_a", ["client_a"], ["client_b", "client_d"]),
        ("deputy", ["client_a", "client_d"], ["client_b"]),
        ("head", ["client_a", "client_d"], ["client_b"]),
        ("kam_b", ["client_b"], ["client_a", "client_d"]),
        ("desk", ["client_a", "client_b"], ["client_d"]),
        ("finance", ["client_a", "client_b", "client_d"], []),
        ("director", ["client_a", "client_b", "client_d"], []),
    ],
)
def test_client_list_shows_exactly_the_clients_in_scope(
    book: Book, persona: str, visible: list[str], hidden: list[str]
) -> None:
    page = browser_for(book.world.persona(persona)).get(reverse("book:clients")).content.decode()
    for attr in visible:
        assert getattr(book.world, attr).legal_name in page, attr
    for attr in hidden:
        assert getattr(book.world, attr).legal_name not in page, attr


def test_search_box_finds_nothing_outside_the_scope(book: Book) -> None:
    browser = browser_for(book.world.kam_b)
    response = browser.get(
        reverse("book:clients"),
        {"q": "Ąžuolas"},
        headers={"HX-Request": "true", "HX-Target": "client-table"},
    )
    assert response.status_code == 200
    assert "Ąžuolas" not in response.content.decode()
    assert "No clients match" in response.content.decode()


def test_owner_filter_cannot_reach_outside_the_scope(book: Book) -> None:
    page = (
        browser_for(book.world.kam_a)
        .get(reverse("book:clients"), {"owner": book.world.kam_b.pk})
        .content.decode()
    )
    assert book.world.client_b.legal_name not in page


def test_desk_sees_no_balances_in_the_client_list(book: Book) -> None:
    page = browser_for(book.world.desk).get(reverse("book:clients")).content.decode()
    # The overdue amount of client_a is account data; the desk sees a placeholder.
    assert "Only with overdue debt" not in page
    assert "€" not in page

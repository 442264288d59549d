"""Every page renders for the roles it is for, and shows what that role should see."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from raktas.orders.models import OrderStatus
from raktas.testing.api import expect
from raktas.testing.pages import Book, PageCase, browser_for, check_page_case

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    for name in (
        "web:home",
        "book:today",
        "book:clients",
        "orders:desk",
        "book:team",
        "orders:orders",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("kam_a", "/today/"),
        ("deputy", "/today/"),
        ("desk", "/desk/"),
        # Override requests and tier proposals wait on their Today.
        ("head", "/today/"),
        ("director", "/today/"),
        # Bank entries to place and override requests wait on the finance page.
        ("finance", "/bank/"),
    ],
)
def test_each_role_lands_on_the_page_of_its_day(book: Book, persona: str, landing: str) -> None:
    response = browser_for(book.world.persona(persona)).get("/")
    assert response.status_code == 302
    assert response["Location"] == landing


def test_admin_without_a_business_role_sees_no_business_data(book: Book) -> None:
    browser = browser_for(book.world.admin)
    response = browser.get("/")
    assert response.status_code == 200
    assert "no business role" in text_of(response)
    assert browser.get(reverse("book:clients")).status_code == 403
    assert browser.get(reverse("book:client", args=[book.world.client_a.pk])).status_code == 404


def test_today_lists_what_needs_the_kam_now(book: Book) -> None:
    response = browser_for(book.world.kam_a).get(reverse("book:today"))
    assert response.status_code == 200
    page = text_of(response)
    # The returned order, with the desk's comment and a link to where it is fixed.
    assert "Price of P-1 is outdated" in page
    assert reverse("orders:order", args=[book.returned.pk]) in page
    # The submitted order waiting at the desk.
    assert reverse("orders:order", args=[book.submitted.pk]) in page
    # The overdue invoice, linking to the client's invoices.
    assert book.overdue_invoice.number in page
    assert reverse("book:client", args=[book.world.client_a.pk]) + "#invoices" in page
    # Nothing of kam_b's.
    assert str(book.other_submitted) not in page


def test_today_of_the_deputy_covers_the_clients_they_stand_in_for(book: Book) -> None:
    page = text_of(browser_for(book.world.deputy).get(reverse("book:today")))
    assert "Price of P-1 is outdated" in page
    assert book.overdue_invoice.number in page


def test_today_is_not_for_the_order_desk(book: Book) -> None:
    assert browser_for(book.world.desk).get(reverse("book:today")).status_code == 403


def test_client_360_shows_profile_credit_sales_and_ledger(book: Book) -> None:
    w = book.world
    response = browser_for(w.kam_a).get(reverse("book:client", args=[w.client_a.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "Ąžuolas" in page
    assert "Wholesale" in page  # price-list column
    assert "<svg" in page and 'class="bar' in page  # the sales chart
    assert "P-1" in page  # top products
    assert book.overdue_invoice.number in page
    assert "PAY-1" in page  # payments
    assert "Exposure" in page
    assert "New order" in page


def test_client_360_for_the_desk_hides_the_account(book: Book) -> None:
    w = book.world
    response = browser_for(w.desk).get(reverse("book:client", args=[w.client_a.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "PAY-1" not in page
    assert "Exposure" not in page
    assert "New order" not in page
    assert "Margin" not in page


def test_team_page_shows_each_kam_of_the_heads_team(book: Book) -> None:
    response = browser_for(book.world.head).get(reverse("book:team"))
    assert response.status_code == 200
    page = text_of(response)
    assert "North" in page
    assert "kam_a" in page and "deputy" in page
    assert "kam_b" not in page  # another team
    assert f"?owner={book.world.kam_a.pk}" in page


def test_director_sees_every_team(book: Book) -> None:
    page = text_of(browser_for(book.world.director).get(reverse("book:team")))
    assert "North" in page and "South" in page and "kam_b" in page


def test_team_page_is_for_heads_and_the_director_only(book: Book) -> None:
    for persona in ("kam_a", "desk", "finance"):
        response = browser_for(book.world.persona(persona)).get(reverse("book:team"))
        assert response.status_code == 403, persona


def test_desk_queue_lists_submitted_orders_oldest_first(book: Book) -> None:
    response = browser_for(book.world.desk).get(reverse("orders:desk"))
    assert response.status_code == 200
    page = text_of(response)
    first, second = str(book.submitted), str(book.other_submitted)
    assert first in page and second in page
    assert page.index(first) < page.index(second)
    assert str(book.confirmed) not in page


def test_desk_queue_is_refused_to_a_kam(book: Book) -> None:
    assert browser_for(book.world.kam_a).get(reverse("orders:desk")).status_code == 403


def test_orders_page_filters_by_status(book: Book) -> None:
    browser = browser_for(book.world.kam_a)
    page = text_of(browser.get(reverse("orders:orders"), {"status": OrderStatus.CONFIRMED}))
    assert str(book.confirmed) in page
    assert str(book.submitted) not in page


def test_pages_send_a_csp_without_inline_scripts(book: Book) -> None:
    response = browser_for(book.world.kam_a).get(reverse("book:today"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline <script>"
    assert re.search(r"\son[a-z]+\s*=", html) is None, "inline event handler"
    assert "style=" not in html


# --- persona by persona (raktas.testing.pages.PageCase) --------------------------------

PAGE_CASES = [
    # Everyone signed in lands somewhere; the administrator, who holds no business role,
    # gets the page that says so. (Anonymous callers go to sign in: test_page_coverage.)
    PageCase("web:home", expect(302, admin=200)),
    PageCase("web:password_change", expect(200)),
    PageCase("web:password_change_done", expect(200)),
]


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

"""The workbench in a real browser: a KAM finds a client and enters an order with the
keyboard, the order desk confirms it, the KAM sees it confirmed; another KAM gets a
not-found page for that client; the Lithuanian UI reads Lithuanian."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from raktas.orders.models import Order, OrderStatus
from raktas.testing.pages import Book, build_alerts

LT_MONEY = re.compile(r"\d{1,3}(?:\u00a0\d{3})*,\d{2}\u00a0€")

pytestmark = pytest.mark.usefixtures("audit_safe_flush")


def tab_to(page: Any, selector: str, limit: int = 25) -> None:
    """Press Tab until ``selector`` has the focus: the page's own focus order."""
    for _ in range(limit):
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_kam_enters_an_order_by_keyboard_desk_confirms_kam_sees_it(
    book: Book, session: Any
) -> None:
    w = book.world
    kam = session()
    kam.sign_in("kam_a")
    assert kam.page.url.endswith("/today/")
    assert kam.page.get_by_role("heading", name="Today").is_visible()
    kam.shot("01-today")

    # Find the client: search as you type narrows the table without a page load.
    kam.page.get_by_role("link", name="My clients").click()
    kam.page.wait_for_url("**/clients/")
    kam.page.fill("#f-q", "Ąžuol")
    kam.page.wait_for_url(re.compile(r"q=%C4%84%C5%BEuol|q=Ąžuol"))
    rows = kam.page.locator("#client-table tbody tr")
    expect(rows).to_have_count(1)
    # Sorting swaps the table in place and keeps the search.
    kam.page.get_by_role("link", name="Revenue, 12 months").click()
    kam.page.wait_for_url(re.compile(r"sort=-revenue"))
    assert "q=" in kam.page.url
    expect(kam.page.locator("th[aria-sort=descending]")).to_have_count(1)
    expect(kam.page.locator("header.topbar")).to_have_count(1)
    kam.shot("02-my-clients")
    kam.page.get_by_role("link", name=w.client_a.legal_name).click()
    kam.page.wait_for_url(f"**/clients/{w.client_a.pk}/")
    # A full page, not a page swapped into the table.
    expect(kam.page.locator("header.topbar")).to_have_count(1)
    assert kam.page.locator("svg.barchart").is_visible()
    kam.shot("03-client-360")

    # A new order, from here on with the keyboard alone.
    kam.page.focus("#client_reference")
    kam.page.keyboard.type("PO-2026-118")
    kam.page.keyboard.press("Enter")
    kam.page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order_id = int(kam.page.url.rstrip("/").split("/")[-1])
    page = kam.page
    assert page.evaluate("document.activeElement.id") == "product-search"

    page.keyboard.type("Prekė")
    page.wait_for_selector("#product-options:not([hidden]) [role=option]")
    assert page.locator("#product-options [role=option]").count() == 3
    page.keyboard.press("ArrowDown")  # from the first match to the second: P-2
    assert page.get_attribute("#product-search", "aria-activedescendant") is not None
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "new-quantity"
    assert page.input_value("#product-search").startswith("P-2")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    lines = page.locator("#order-lines tbody tr[id^=line-]")
    expect(lines).to_have_count(1)
    # After the line is added the focus is back in the product search, for the next.
    expect(page.locator("#product-search")).to_be_focused()

    # A wrong quantity is refused at the field, and the focus goes there.
    page.keyboard.type("P-1")
    page.wait_for_selector("#product-options:not([hidden]) [role=option]")
    page.keyboard.press("Enter")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#quantity-error")
    assert page.get_attribute("#new-quantity", "aria-invalid") == "true"
    expect(page.locator("#new-quantity")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(lines).to_have_count(2)

    order = Order.objects.get(pk=order_id)
    # 3 × P-2 at 20.00 less 5 % = 57.00; 2 × P-1 at 10.00 = 20.00; VAT 21 %.
    assert order.net_total == 77 and str(order.gross_total) == "93.17"
    assert page.inner_text("#total-gross") == "€93.17"
    kam.shot("04-order-entry")

    tab_to(page, "#submit-order")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg-success")
    assert "submitted to the order desk" in page.inner_text(".messages")
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED

    # The order desk confirms it, oldest first in its queue.
    desk = session()
    desk.sign_in("desk")
    assert desk.page.url.endswith("/desk/")
    desk.shot("05-order-desk")
    desk.page.get_by_role("link", name=order.number, exact=True).first.click()
    desk.page.wait_for_url(f"**/orders/{order_id}/")
    desk.shot("06-desk-order")
    desk.page.click("#confirm-order")
    desk.page.wait_for_url("**/desk/")
    assert "was confirmed" in desk.page.inner_text(".messages")

    # The KAM sees it confirmed.
    kam.go(f"/orders/{order_id}/")
    assert kam.page.inner_text("#order-status") == "Confirmed"
    kam.go("/orders/?status=confirmed")
    assert kam.page.get_by_role("link", name=order.number).is_visible()


def test_kam_b_opening_kam_a_client_gets_not_found(book: Book, session: Any) -> None:
    other = session()
    other.sign_in("kam_b")
    response = other.go(f"/clients/{book.world.client_a.pk}/")
    assert response.status == 404
    assert other.page.get_by_role("heading", name="Not found").is_visible()
    assert book.world.client_a.legal_name not in other.page.content()
    other.shot("07-not-found")


def test_lithuanian_ui_translates_and_formats_numbers(book: Book, session: Any) -> None:
    kam = session()
    kam.sign_in("kam_a")
    kam.page.get_by_role("button", name="LT").click()
    kam.page.wait_for_selector("html[lang=lt]")
    assert kam.page.get_by_role("heading", name="Šiandien").is_visible()
    assert kam.page.get_by_role("link", name="Mano klientai").is_visible()
    kam.shot("08-today-lt")
    kam.go(f"/clients/{book.world.client_a.pk}/")
    text = kam.page.inner_text("main")
    assert "Pardavimų istorija" in text and "Kredito limitas" in text
    assert LT_MONEY.search(text), "no amount formatted as 1 234,56 €"
    assert "1\u00a0573,00\u00a0€" in text  # the invoice of 1,573.00
    kam.shot("09-client-360-lt")
    kam.go("/clients/")
    kam.shot("10-my-clients-lt")


def test_team_and_tablet_width(book: Book, session: Any) -> None:
    with translation.override("en"):
        alerts = build_alerts(book)
    head = session()
    head.sign_in("head")
    # The head of sales starts on Today: the override request waits for them there.
    assert head.page.url.endswith("/today/")
    expect(
        head.page.get_by_role("heading", name=re.compile("Waiting for your decision"))
    ).to_be_visible()
    head.shot("11a-today-head")
    head.go("/team/")
    head.page.get_by_role("link", name="kam_a").click()
    head.page.wait_for_url(re.compile(r"/clients/\?owner=\d+"))
    # client_a and the client whose returns jumped (build_alerts)
    assert head.page.locator("#client-table tbody tr").count() == 2
    head.go("/team/")
    head.shot("11b-team")

    tablet = session(width=768)
    tablet.sign_in("kam_a")
    # Today with every alert (collection, churn, a rate jump) still fits the tablet.
    assert tablet.page.evaluate("document.documentElement.scrollWidth") <= 768
    tablet.shot("12-today-768")
    # A dunning call is closed from Today with its outcome, and leaves the list.
    call = tablet.page.locator(f"form[action$='/tasks/{alerts.call_a.pk}/done/']")
    call.get_by_label("Outcome").fill("Pays on Friday")
    call.get_by_role("button", name="Done").click()
    tablet.page.wait_for_url(re.compile(r"/today/$"))
    expect(tablet.page.locator(f"form[action$='/tasks/{alerts.call_a.pk}/done/']")).to_have_count(0)
    tablet.go(f"/orders/{book.draft.pk}/")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert tablet.page.evaluate("document.documentElement.scrollWidth") <= 768
    tablet.shot("13-order-entry-768")
    tablet.go(f"/clients/{book.world.client_a.pk}/")
    assert tablet.page.evaluate("document.documentElement.scrollWidth") <= 768
    tablet.shot("14-client-360-768")

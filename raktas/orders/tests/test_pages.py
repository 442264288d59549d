"""Order entry and the order desk through the pages: prices from the client's column,
running totals, inline errors at the field, and the round trip KAM → desk → KAM."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from raktas.catalog.models import Product
from raktas.clients.models import ClientStatus
from raktas.orders.models import Order, OrderStatus
from raktas.testing.api import expect
from raktas.testing.factories import ProductFactory
from raktas.testing.pages import Book, PageCase, browser_for, check_page_case

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def add_line(book: Book, order: Order, **data: object):
    return browser_for(book.world.kam_a).post(
        reverse("orders:order_line_add", args=[order.pk]), data, headers=HX
    )


def new_draft(book: Book) -> Order:
    response = browser_for(book.world.kam_a).post(
        reverse("orders:order_new", args=[book.world.client_a.pk]), {"client_reference": "PO-77"}
    )
    assert response.status_code == 302
    order = Order.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert order.client_reference == "PO-77"
    assert order.status == OrderStatus.DRAFT
    return order


def test_a_line_takes_the_price_of_the_clients_column_and_totals_include_vat(book: Book) -> None:
    order = new_draft(book)
    p2 = book.world.products[1]  # 20.00 in Wholesale, 24.00 in Retail
    response = add_line(book, order, product=p2.pk, quantity="3", discount_pct="10")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="order-lines"')  # a partial for htmx
    line = order.lines.get()
    assert line.list_price == Decimal("20.0000")
    assert line.net == Decimal("54.00")  # 3 × 20 − 10 %
    order.refresh_from_db()
    assert order.vat_total == Decimal("11.34")
    assert order.gross_total == Decimal("65.34")
    assert "€65.34" in html
    # After a good add the product search gets the focus back for the next line.
    assert re.search(r'id="product-search"[^>]*data-autofocus', html)


def test_a_decimal_comma_is_accepted_for_quantity(book: Book) -> None:
    order = new_draft(book)
    add_line(book, order, product=book.world.products[0].pk, quantity="2,5")
    assert order.lines.get().quantity == Decimal("2.5")


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"quantity": "0"}, "new-quantity", "greater than zero"),
        ({"quantity": "abc"}, "new-quantity", "greater than zero"),
        ({"quantity": "1", "discount_pct": "150"}, "new-discount", "from 0 to 100"),
        ({"quantity": "1", "product": ""}, "product-search", "Choose a product"),
    ],
)
def test_invalid_input_is_shown_at_the_field(
    book: Book, data: dict[str, str], field_id: str, message: str
) -> None:
    order = new_draft(book)
    payload = {"product": str(book.world.products[0].pk), **data}
    response = add_line(book, order, **payload)
    assert response.status_code == 422
    html = response.content.decode()
    field = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    described = re.search(r'aria-describedby="([^" ]+)', field.group(0))
    assert described is not None
    error = re.search(rf'id="{described.group(1)}">([^<]*)<', html)
    assert error is not None and message in error.group(1)
    assert order.lines.count() == 0
    # What the user typed is kept.
    if data.get("quantity"):
        assert f'value="{data["quantity"]}"' in html


def test_a_product_without_a_price_in_the_column_is_refused_at_the_product(book: Book) -> None:
    order = new_draft(book)
    unpriced = ProductFactory.create(sku="NP-1", name="No price")
    response = add_line(book, order, product=unpriced.pk, quantity="1")
    assert response.status_code == 422
    assert "no price in the client" in response.content.decode()


def test_changing_and_removing_a_line_updates_the_totals(book: Book) -> None:
    order = book.draft  # one line: 2 × P-1 at 10.00
    line = order.lines.get()
    browser = browser_for(book.world.kam_a)
    response = browser.post(
        reverse("orders:order_line_change", args=[order.pk, line.pk]),
        {"quantity": "5", "discount_pct": "0"},
        headers=HX,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.net_total == Decimal("50.00")
    response = browser.post(
        reverse("orders:order_line_change", args=[order.pk, line.pk]),
        {"quantity": "-1"},
        headers=HX,
    )
    assert response.status_code == 422
    assert "greater than zero" in response.content.decode()
    response = browser.post(
        reverse("orders:order_line_remove", args=[order.pk, line.pk]), headers=HX
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.lines.count() == 0 and order.gross_total == 0


def test_product_search_matches_sku_prefix_or_name_with_the_column_price(book: Book) -> None:
    browser = browser_for(book.world.kam_a)
    url = reverse("orders:order_products", args=[book.draft.pk])
    html = browser.get(url, {"product_label": "p-2"}).content.decode()
    assert html.count('role="option"') == 1
    assert "P-2" in html and "€20.00" in html
    by_name = browser.get(url, {"product_label": "Prekė"}).content.decode()
    assert by_name.count('role="option"') == 3
    Product.objects.filter(sku="P-3").update(active=False)
    assert "P-3" not in browser.get(url, {"product_label": "Prekė"}).content.decode()
    none = browser.get(url, {"product_label": "zzz"}).content.decode()
    assert "No product matches" in none and 'aria-disabled="true"' in none


def test_submitting_an_empty_order_shows_the_error_at_the_lines(book: Book) -> None:
    order = new_draft(book)
    response = browser_for(book.world.kam_a).post(reverse("orders:order_submit", args=[order.pk]))
    assert response.status_code == 422
    assert 'id="lines-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_round_trip_kam_submits_desk_returns_kam_fixes_desk_confirms(book: Book) -> None:
    w = book.world
    kam, desk = browser_for(w.kam_a), browser_for(w.desk)
    order = book.draft
    response = kam.post(reverse("orders:order_submit", args=[order.pk]), follow=True)
    assert "was submitted to the order desk" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED
    assert str(order) in desk.get(reverse("orders:desk")).content.decode()

    # The desk must say why it returns an order; the error sits at the comment.
    response = desk.post(reverse("orders:order_return", args=[order.pk]), {"comment": "  "})
    assert response.status_code == 422
    assert 'id="return-comment-error"' in response.content.decode()
    response = desk.post(reverse("orders:order_return", args=[order.pk]), {"comment": "Wrong qty"})
    assert response.status_code == 302 and response["Location"] == reverse("orders:desk")
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT and order.returned_count == 1

    today = kam.get(reverse("book:today")).content.decode()
    assert "Wrong qty" in today
    assert (
        "Returned by the order desk"
        in kam.get(reverse("orders:order", args=[order.pk])).content.decode()
    )

    kam.post(reverse("orders:order_submit", args=[order.pk]))
    response = desk.post(reverse("orders:order_confirm", args=[order.pk]), follow=True)
    assert "was confirmed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    page = kam.get(reverse("orders:order", args=[order.pk])).content.decode()
    assert 'id="order-status">Confirmed<' in page


def test_a_blocked_client_offers_no_new_order(book: Book) -> None:
    w = book.world
    w.client_a.status = ClientStatus.BLOCKED
    w.client_a.save()
    browser = browser_for(w.kam_a)
    page = browser.get(reverse("book:client", args=[w.client_a.pk])).content.decode()
    assert "New order" not in page
    response = browser.post(reverse("orders:order_new", args=[w.client_a.pk]), follow=True)
    assert "This client is blocked" in response.content.decode()


def test_the_desk_sees_no_cost_or_margin_on_an_order(book: Book) -> None:
    html = browser_for(book.world.desk).get(reverse("orders:order", args=[book.submitted.pk]))
    assert "Margin" not in html.content.decode()
    kam = browser_for(book.world.kam_a).get(reverse("orders:order", args=[book.submitted.pk]))
    assert "Margin" in kam.content.decode()


def test_a_credit_refusal_is_explained_with_the_figures(book: Book) -> None:
    w = book.world
    w.client_a.credit_limit = Decimal("50.00")
    w.client_a.save()
    order = book.draft
    response = browser_for(w.kam_a).post(reverse("orders:order_submit", args=[order.pk]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Credit control refused the order." in html
    assert "over the credit limit €50.00" in html
    assert "Override request #" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


# --- persona by persona (raktas.testing.pages.PageCase) --------------------------------

# Writing a draft of client_a: its book (kam_a, the deputy, the head) and the director.
# The order desk does not see drafts; finance sees them but takes no orders.
WRITE_A = expect(302, kam_b=404, desk=404, finance=403, admin=404)
# The desk's moves on a submitted order of client_a: the desk and the director.
HANDLE_A = expect(403, kam_b=404, desk=302, director=302, admin=404)

PAGE_CASES = [
    PageCase(
        "orders:order_new",
        expect(302, kam_b=404, desk=403, finance=403, admin=404),
        kwargs={"pk": "client_a"},
        method="POST",
    ),
    PageCase("orders:orders", expect(200, admin=403)),
    PageCase("orders:order", expect(200, kam_b=404, admin=404), kwargs={"pk": "submitted_a"}),
    PageCase(
        "orders:order",
        expect(200, kam_b=404, desk=404, admin=404),
        kwargs={"pk": "draft_a"},
        note="a draft",
    ),
    PageCase(
        "orders:order_line_add",
        WRITE_A,
        kwargs={"pk": "draft_a"},
        method="POST",
        data={"product": "{product}", "quantity": "1"},
    ),
    PageCase(
        "orders:order_line_change",
        WRITE_A,
        kwargs={"pk": "draft_a", "line_pk": "draft_a_line"},
        method="POST",
        data={"quantity": "3"},
    ),
    PageCase(
        "orders:order_line_remove",
        WRITE_A,
        kwargs={"pk": "draft_a", "line_pk": "draft_a_line"},
        method="POST",
    ),
    PageCase(
        "orders:order_products",
        expect(200, kam_b=404, desk=404, finance=403, admin=404),
        kwargs={"pk": "draft_a"},
        query="q=P-",
    ),
    # client_a is over its limit in the scene: the submission is refused (422) for
    # those who may submit.
    PageCase(
        "orders:order_submit",
        expect(422, kam_b=404, desk=404, finance=403, admin=404),
        kwargs={"pk": "draft_a"},
        method="POST",
    ),
    PageCase("orders:order_cancel", WRITE_A, kwargs={"pk": "draft_a"}, method="POST"),
    PageCase("orders:order_confirm", HANDLE_A, kwargs={"pk": "submitted_a"}, method="POST"),
    PageCase(
        "orders:order_return",
        HANDLE_A,
        kwargs={"pk": "submitted_a"},
        method="POST",
        data={"comment": "Check the quantities."},
    ),
    PageCase("orders:desk", expect(403, desk=200, director=200)),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

"""The orders API: drafts, lines, the moves through the order desk, the desk queue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from raktas.orders.models import Order, OrderStatus
from raktas.testing.api import Case, as_persona, build_scene, check_case, expect

pytestmark = pytest.mark.django_db

A_ORDERS = {"draft_a", "submitted_a", "confirmed_a", "shipped_a", "invoiced_a"}
SUBMITTED = {"submitted_a", "confirmed_a", "shipped_a", "invoiced_a", "submitted_d"}
ALL_ORDERS = A_ORDERS | {"submitted_d", "draft_b"}

# A draft of client_a: kam_a, their deputy, their head and the director may change it;
# finance sees it but may not; the desk does not see drafts at all.
DRAFT_WRITE = dict(kam_a=200, deputy=200, head=200, director=200, finance=403)
DRAFT_HIDDEN = dict(kam_b=404, desk=404, admin=404)
# A submitted/confirmed order of client_a: only the desk (and the director) handle it.
DESK_MOVE = expect(403, desk=200, director=200, kam_b=404, admin=404)

CASES = [
    Case(
        "GET",
        "/api/v1/orders",
        expect(200),
        visible={
            "kam_a": A_ORDERS,
            "kam_b": {"draft_b"},
            "deputy": A_ORDERS | {"submitted_d"},
            "head": A_ORDERS | {"submitted_d"},
            "desk": SUBMITTED,
            "finance": ALL_ORDERS,
            "director": ALL_ORDERS,
            "admin": set(),
        },
    ),
    Case(
        "GET",
        "/api/v1/order-desk/queue",
        expect(403, desk=200, director=200),
        visible={
            "desk": {"submitted_a", "submitted_d"},
            "director": {"submitted_a", "submitted_d"},
        },
    ),
    Case("GET", "/api/v1/orders/{draft_a}", expect(200, **DRAFT_HIDDEN)),
    Case(
        "GET",
        "/api/v1/orders/{submitted_a}",
        expect(200, kam_b=404, admin=404),
        note="(the desk sees what was submitted)",
    ),
    Case(
        "POST",
        "/api/v1/orders",
        expect(201, kam_b=404, admin=404, desk=403, finance=403),
        body={"client_id": "{client_a}", "lines": [{"product_id": "{product}", "quantity": "1"}]},
    ),
    Case(
        "POST",
        "/api/v1/orders/{draft_a}/lines",
        expect(201, **DRAFT_HIDDEN, finance=403),
        body={"product_id": "{product_2}", "quantity": "3", "discount_pct": "5"},
    ),
    Case(
        "PATCH",
        "/api/v1/orders/{draft_a}/lines/{draft_a_line}",
        expect(**DRAFT_WRITE, **DRAFT_HIDDEN),
        body={"quantity": "4"},
    ),
    Case(
        "DELETE",
        "/api/v1/orders/{draft_a}/lines/{draft_a_line}",
        expect(**DRAFT_WRITE, **DRAFT_HIDDEN),
    ),
    Case("POST", "/api/v1/orders/{draft_a}/submit", expect(**DRAFT_WRITE, **DRAFT_HIDDEN)),
    Case("POST", "/api/v1/orders/{submitted_a}/confirm", DESK_MOVE),
    Case(
        "POST",
        "/api/v1/orders/{submitted_a}/return",
        DESK_MOVE,
        body={"comment": "Trūksta pristatymo adreso"},
    ),
    Case("POST", "/api/v1/orders/{confirmed_a}/ship", DESK_MOVE),
    Case(
        "POST",
        "/api/v1/orders/{shipped_a}/invoice",
        expect(403, desk=201, finance=201, director=201, kam_b=404, admin=404),
    ),
    # Before the desk confirms, the KAM may still cancel; the desk may too.
    Case(
        "POST",
        "/api/v1/orders/{submitted_a}/cancel",
        expect(200, finance=403, kam_b=404, admin=404),
        body={"comment": "Klientas persigalvojo"},
    ),
    Case(
        "POST",
        "/api/v1/orders/{submitted_a}/refuse",
        expect(200, finance=403, kam_b=404, admin=404),
        body={"reason": "price", "comment": "Per brangu"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


def _lines(world):
    return [
        {"product_id": product.pk, "quantity": str(qty), "discount_pct": "10"}
        for product, qty in zip(world.products, (2, 1, 3), strict=True)
    ]


def test_an_order_is_created_with_lines_at_the_clients_column_price(world):
    response = as_persona(world, "kam_a").post(
        "orders",
        {"client_id": world.client_a.pk, "lines": _lines(world), "client_reference": "PO-7"},
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["kam"]["username"] == "kam_a"
    assert order["status"] == "draft"
    assert order["client_reference"] == "PO-7"
    assert [line["list_price"] for line in order["lines"]] == ["10.0000", "20.0000", "30.0000"]
    assert [line["net"] for line in order["lines"]] == ["18.00", "18.00", "81.00"]
    assert (order["net_total"], order["vat_total"], order["gross_total"]) == (
        "117.00",
        "24.57",
        "141.57",
    )
    assert (order["cost_total"], order["margin"]) == ("36.00", "81.00")


def test_the_kam_comes_from_the_caller_not_the_body(world):
    response = as_persona(world, "deputy").post(
        "orders", {"client_id": world.client_a.pk, "kam_id": world.kam_a.pk}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "kam_id"
    made = as_persona(world, "deputy").post("orders", {"client_id": world.client_a.pk})
    assert made.json()["kam"]["username"] == "deputy"


def test_a_bad_line_leaves_no_order_and_names_the_line(world):
    lines = _lines(world)
    lines[2]["product_id"] = 999999
    response = as_persona(world, "kam_a").post(
        "orders", {"client_id": world.client_a.pk, "lines": lines}
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "lines.2.product_id"
    assert not Order.objects.exists()


def test_a_zero_quantity_names_the_line_field(world):
    lines = _lines(world)
    lines[1]["quantity"] = "0"
    response = as_persona(world, "kam_a").post(
        "orders", {"client_id": world.client_a.pk, "lines": lines}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "lines.1.quantity"


def test_an_unknown_field_inside_a_line_is_named(world):
    lines = _lines(world)
    lines[0]["list_price"] = "0.01"
    response = as_persona(world, "kam_a").post(
        "orders", {"client_id": world.client_a.pk, "lines": lines}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_field"
    assert response.json()["error"]["field"] == "lines.0.list_price"


def test_an_order_for_an_invisible_client_is_a_404_on_client_id(world):
    response = as_persona(world, "kam_a").post("orders", {"client_id": world.client_b.pk})
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Client not found.",
        "field": "client_id",
    }


def test_lines_are_changed_and_removed_and_totals_follow(world):
    ids = build_scene(world)
    api = as_persona(world, "kam_a")
    changed = api.patch(
        f"orders/{ids['draft_a']}/lines/{ids['draft_a_line']}", {"discount_pct": "50"}
    )
    assert changed.status_code == 200
    # line 1: 2 × 10 at 50 % = 10; line 2: 1 × 20 = 20
    assert changed.json()["net_total"] == "30.00"
    removed = api.delete(f"orders/{ids['draft_a']}/lines/{ids['draft_a_line']}")
    assert [line["line_no"] for line in removed.json()["lines"]] == [2]
    assert removed.json()["net_total"] == "20.00"
    missing = api.delete(f"orders/{ids['draft_a']}/lines/{ids['draft_a_line']}")
    assert missing.status_code == 404


def test_a_line_of_another_order_is_not_found_through_this_one(world):
    ids = build_scene(world)
    response = as_persona(world, "kam_a").patch(
        f"orders/{ids['submitted_a']}/lines/{ids['draft_a_line']}", {"quantity": "1"}
    )
    assert response.status_code == 404


def test_a_submitted_order_cannot_be_edited(world):
    ids = build_scene(world)
    response = as_persona(world, "kam_a").post(
        f"orders/{ids['submitted_a']}/lines", {"product_id": ids["product"], "quantity": "1"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "order_not_editable"


def test_an_illegal_move_is_a_409_with_the_domain_code(world):
    ids = build_scene(world)
    response = as_persona(world, "desk").post(f"orders/{ids['submitted_a']}/ship")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"
    assert response.json()["error"]["field"] == "status"


def test_submitting_an_empty_order_is_refused(world):
    api = as_persona(world, "kam_a")
    order = api.post("orders", {"client_id": world.client_a.pk}).json()
    response = api.post(f"orders/{order['id']}/submit")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "order_empty"


def test_the_desk_returns_an_order_with_a_comment_and_the_kam_sees_it(world):
    ids = build_scene(world)
    desk = as_persona(world, "desk")
    assert desk.post(f"orders/{ids['submitted_a']}/return", {"comment": ""}).status_code == 422
    returned = desk.post(f"orders/{ids['submitted_a']}/return", {"comment": "Neaiškus kiekis"})
    assert returned.status_code == 200
    assert returned.json()["status"] == "draft"
    # Back in draft, it has left the desk's view…
    assert desk.get(f"orders/{ids['submitted_a']}").status_code == 404
    # …and is the KAM's again, with the reason.
    mine = as_persona(world, "kam_a").get(f"orders/{ids['submitted_a']}").json()
    assert (mine["status_comment"], mine["returned_count"]) == ("Neaiškus kiekis", 1)


def test_a_refusal_needs_a_known_reason(world):
    ids = build_scene(world)
    response = as_persona(world, "desk").post(
        f"orders/{ids['submitted_a']}/refuse", {"reason": "weather"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reason"
    ok = as_persona(world, "desk").post(
        f"orders/{ids['submitted_a']}/refuse", {"reason": "out_of_stock"}
    )
    assert (ok.json()["status"], ok.json()["refusal_reason"]) == ("refused", "out_of_stock")


def test_the_desk_queue_is_oldest_first_and_paged(world):
    ids = build_scene(world)
    body = as_persona(world, "desk").get("order-desk/queue", limit=1).json()
    assert body["count"] == 2
    assert [o["id"] for o in body["items"]] == [ids["submitted_a"]]
    second = as_persona(world, "desk").get("order-desk/queue", limit=1, offset=1).json()
    assert [o["id"] for o in second["items"]] == [ids["submitted_d"]]


def test_order_list_filters(world):
    ids = build_scene(world)
    api = as_persona(world, "director")

    def found(**params):
        return sorted(o["id"] for o in api.get("orders", **params).json()["items"])

    assert found(status="draft") == sorted([ids["draft_a"], ids["draft_b"]])
    assert found(client=ids["client_d"]) == [ids["submitted_d"]]
    assert found(kam=world.kam_b.pk) == [ids["draft_b"]]
    assert len(found(date_from="2000-01-01", date_to="2100-01-01")) == 7
    assert found(date_to="2000-01-01") == []


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("desk", False), ("finance", False), ("finance_margin", True), ("director", True)],
)
def test_order_cost_and_margin_only_for_those_who_may_see_them(world, persona, shown):
    ids = build_scene(world)
    api = as_persona(world, persona)
    order = api.get(f"orders/{ids['submitted_a']}").json()
    listed = next(o for o in api.get("orders").json()["items"] if o["id"] == ids["submitted_a"])
    for body in (order, listed):
        assert ("cost_total" in body) is shown
        assert ("margin" in body) is shown
    for line in order["lines"]:
        assert ({"unit_cost", "cost", "margin"} <= set(line)) is shown
        assert not ({"unit_cost", "cost", "margin"} & set(line)) or shown


def test_invoicing_answers_the_invoice(world):
    ids = build_scene(world)
    response = as_persona(world, "desk").post(
        f"orders/{ids['shipped_a']}/invoice", {"issue_date": "2026-11-20"}
    )
    assert response.status_code == 201
    invoice = response.json()
    assert invoice["order_id"] == ids["shipped_a"]
    assert (invoice["issue_date"], invoice["due_date"]) == ("2026-11-20", "2026-12-20")
    assert invoice["gross_total"] == "24.20"
    # The desk sees neither cost nor what the client owes (org.access.sees_account).
    assert "cost_total" not in invoice and "open_amount" not in invoice
    assert Order.objects.get(pk=ids["shipped_a"]).status == OrderStatus.INVOICED
    again = as_persona(world, "desk").post(f"orders/{ids['shipped_a']}/invoice")
    assert again.status_code == 409


def test_quantities_keep_three_places_and_money_two(world):
    ids = build_scene(world)
    response = as_persona(world, "kam_a").post(
        f"orders/{ids['draft_a']}/lines",
        {"product_id": ids["product"], "quantity": "1.125", "discount_pct": "0"},
    )
    line = response.json()["lines"][-1]
    assert (line["quantity"], line["net"]) == ("1.125", "11.25")
    assert Decimal(response.json()["net_total"]) == Decimal("51.25")

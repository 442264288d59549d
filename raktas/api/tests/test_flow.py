"""The issue's "done when", over HTTP with tokens, as a new user would try it.

A KAM lists their clients, creates an order with three lines at the client's column
price and submits it; the order desk confirms it; it is shipped and invoiced;
finance records a partial payment; the KAM sees the right balance.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from raktas.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _token_for(username: str, capsys) -> str:
    # Tokens are made the way an operator makes them: `raktas token create USERNAME`.
    call_command("token", "create", username, "--name", "flow")
    out = capsys.readouterr().out
    return next(word for word in out.split() if word.startswith("rk_"))


def test_done_when_flow_over_http(world, capsys):
    kam = ApiClient(token=_token_for("kam_a", capsys))
    desk = ApiClient(token=_token_for("desk", capsys))
    finance = ApiClient(token=_token_for("finance", capsys))

    # The KAM lists their clients: their own, nobody else's.
    clients = kam.get("clients").json()
    assert [c["legal_name"] for c in clients["items"]] == ["UAB „Ąžuolas“"]
    client = clients["items"][0]
    assert client["price_column"]["code"] == "WHOLESALE"
    assert client["balance"] == "0.00"

    # …creates an order with three lines at the client's column price, and submits it.
    products = {p["sku"]: p for p in kam.get("products").json()["items"]}
    order = kam.post("orders", {"client_id": client["id"]})
    assert order.status_code == 201, order.content
    order_id = order.json()["id"]
    for sku, qty in (("P-1", "2"), ("P-2", "1"), ("P-3", "3")):
        added = kam.post(
            f"orders/{order_id}/lines",
            {"product_id": products[sku]["id"], "quantity": qty, "discount_pct": "10"},
        )
        assert added.status_code == 201, added.content
    draft = added.json()
    prices = kam.get("prices", column=client["price_column"]["id"]).json()["items"]
    column_price = {p["product"]["sku"]: p["price"] for p in prices}
    assert [(line["product"]["sku"], line["list_price"]) for line in draft["lines"]] == [
        ("P-1", column_price["P-1"]),
        ("P-2", column_price["P-2"]),
        ("P-3", column_price["P-3"]),
    ]
    assert draft["gross_total"] == "141.57"
    submitted = kam.post(f"orders/{order_id}/submit")
    assert submitted.json()["status"] == "submitted"

    # The order desk finds it in its queue and confirms it; it is shipped and invoiced.
    queue = desk.get("order-desk/queue").json()
    assert [o["id"] for o in queue["items"]] == [order_id]
    assert "cost_total" not in queue["items"][0]
    assert desk.post(f"orders/{order_id}/confirm").json()["status"] == "confirmed"
    assert desk.post(f"orders/{order_id}/ship").json()["status"] == "shipped"
    invoice = desk.post(f"orders/{order_id}/invoice")
    assert invoice.status_code == 201, invoice.content
    assert invoice.json()["gross_total"] == "141.57"
    assert kam.get(f"orders/{order_id}").json()["status"] == "invoiced"

    # Finance records a partial payment, allocated to the oldest open invoice.
    payment = finance.post(
        "payments",
        {
            "client_id": client["id"],
            "amount": "100.00",
            "received_on": invoice.json()["issue_date"],
            "reference": "Mokėjimas Nr. 1",
        },
    )
    assert payment.status_code == 201, payment.content
    assert payment.json()["allocations"][0]["invoice"]["id"] == invoice.json()["id"]

    # The KAM sees the right balance, in the client list and on the account.
    balance = kam.get(f"clients/{client['id']}/balance").json()
    assert (balance["invoiced"], balance["paid"], balance["balance"]) == (
        "141.57",
        "100.00",
        "41.57",
    )
    assert kam.get("clients").json()["items"][0]["balance"] == "41.57"
    assert kam.get(f"invoices/{invoice.json()['id']}").json()["open_amount"] == "41.57"

    # And nobody strayed: KAM B sees none of it, the desk no account.
    kam_b = ApiClient(world.kam_b)
    assert kam_b.get(f"orders/{order_id}").status_code == 404
    assert kam_b.get(f"clients/{client['id']}/balance").status_code == 404
    assert desk.get(f"clients/{client['id']}/balance").status_code == 404
    assert (
        kam.post(
            "payments", {"client_id": client["id"], "amount": "1", "received_on": "2026-11-28"}
        ).status_code
        == 403
    )

"""The ledger API: invoices, payments and their allocation, credit notes, balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from raktas.audit.models import AuditEntry
from raktas.ledger.models import Invoice, Payment
from raktas.testing.api import Case, as_persona, build_scene, check_case, expect

pytestmark = pytest.mark.django_db

# The account side (payments, credit notes, balances) is the book's, finance's and the
# director's — never the order desk's.
ACCOUNT_A = expect(200, kam_b=404, desk=404, admin=404)
# Only finance and the director write the ledger; the book's KAMs see it but may not.
LEDGER_WRITE_A = expect(403, kam_b=404, admin=404, finance=201, director=201)

CASES = [
    Case(
        "GET",
        "/api/v1/invoices",
        expect(200),
        visible={
            "kam_a": {"invoice_a"},
            "kam_b": {"invoice_b"},
            "deputy": {"invoice_a"},
            "head": {"invoice_a"},
            # the invoice of an order the desk handled; not the imported one
            "desk": {"invoice_a"},
            "finance": {"invoice_a", "invoice_b"},
            "director": {"invoice_a", "invoice_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/invoices/{invoice_a}", expect(200, kam_b=404, admin=404)),
    Case(
        "GET",
        "/api/v1/invoices/{invoice_b}",
        expect(404, kam_b=200, finance=200, director=200),
        note="(imported, no order: not the desk's)",
    ),
    Case(
        "GET",
        "/api/v1/payments",
        expect(200),
        visible={
            "kam_a": {"payment_a"},
            "kam_b": {"payment_b"},
            "deputy": {"payment_a"},
            "head": {"payment_a"},
            "desk": set(),
            "finance": {"payment_a", "payment_b"},
            "director": {"payment_a", "payment_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/payments/{payment_a}", ACCOUNT_A),
    Case(
        "POST",
        "/api/v1/payments",
        # the desk sees client_a (orders were submitted) but may not touch its account
        LEDGER_WRITE_A,
        body={"client_id": "{client_a}", "amount": "5.00", "received_on": "2026-11-27"},
    ),
    Case(
        "POST",
        "/api/v1/payments/{payment_a}/allocate",
        expect(403, kam_b=404, desk=404, admin=404, finance=200, director=200),
        body={"allocate": "oldest"},
    ),
    Case(
        "GET",
        "/api/v1/credit-notes",
        expect(200),
        visible={
            "kam_a": {"credit_note_a"},
            "kam_b": {"credit_note_b"},
            "deputy": {"credit_note_a"},
            "head": {"credit_note_a"},
            "desk": set(),
            "finance": {"credit_note_a", "credit_note_b"},
            "director": {"credit_note_a", "credit_note_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/credit-notes/{credit_note_a}", ACCOUNT_A),
    Case(
        "POST",
        "/api/v1/credit-notes",
        LEDGER_WRITE_A,
        body={
            "client_id": "{client_a}",
            "invoice_id": "{invoice_a}",
            "net": "2.00",
            "vat_rate": "21",
            "reason": "shortage",
            "issue_date": "2026-11-28",
        },
    ),
    Case("GET", "/api/v1/clients/{client_a}/balance", ACCOUNT_A),
    Case(
        "GET",
        "/api/v1/balances",
        expect(200),
        visible={
            "kam_a": {"client_a"},
            "kam_b": {"client_b"},
            "deputy": {"client_a", "client_d"},
            "head": {"client_a", "client_d"},
            "desk": set(),
            "finance": {"client_a", "client_b", "client_d"},
            "director": {"client_a", "client_b", "client_d"},
            "admin": set(),
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


def test_invoice_detail_has_lines_and_hides_cost_from_finance(world):
    ids = build_scene(world)
    plain = as_persona(world, "finance").get(f"invoices/{ids['invoice_a']}").json()
    assert plain["number"].startswith("INV-")
    assert [(line["description"], line["gross"]) for line in plain["lines"]] == [
        ("P-3 Prekė 3", "36.30")
    ]
    assert "cost_total" not in plain and "margin" not in plain
    assert all("cost" not in line and "margin" not in line for line in plain["lines"])
    granted = as_persona(world, "finance_margin").get(f"invoices/{ids['invoice_a']}").json()
    assert (granted["cost_total"], granted["margin"]) == ("6.00", "24.00")
    assert (granted["lines"][0]["cost"], granted["lines"][0]["margin"]) == ("6.00", "24.00")


def test_invoice_filters(world):
    ids = build_scene(world)
    api = as_persona(world, "finance")

    def found(**params):
        return sorted(i["id"] for i in api.get("invoices", **params).json()["items"])

    assert found(overdue="true") == [ids["invoice_b"]]
    assert found(overdue="false") == [ids["invoice_a"]]
    assert found(client=ids["client_a"]) == [ids["invoice_a"]]
    today = timezone.localdate()
    assert found(date_to=(today - dt.timedelta(days=30)).isoformat()) == [ids["invoice_b"]]
    assert found(date_from=today.isoformat()) == [ids["invoice_a"]]
    assert found(open="false") == []
    overdue = api.get(f"invoices/{ids['invoice_b']}").json()
    assert overdue["overdue"] is True


def test_a_partial_payment_is_allocated_oldest_first(world):
    ids = build_scene(world)
    response = as_persona(world, "finance").post(
        "payments",
        {
            "client_id": ids["client_a"],
            "amount": "20.00",
            "received_on": "2026-11-28",
            "reference": "MB 123",
        },
    )
    assert response.status_code == 201, response.content
    payment = response.json()
    assert payment["recorded_by"]["username"] == "finance"
    assert (payment["amount"], payment["allocated_amount"], payment["unallocated"]) == (
        "20.00",
        "20.00",
        "0.00",
    )
    invoice = Invoice.objects.get(pk=ids["invoice_a"])
    assert payment["allocations"] == [
        {"invoice": {"id": invoice.pk, "number": invoice.number}, "amount": "20.00"}
    ]
    assert invoice.open_amount == Decimal("16.30")


def test_recorded_by_cannot_be_sent(world):
    response = as_persona(world, "finance").post(
        "payments",
        {
            "client_id": world.client_a.pk,
            "amount": "1.00",
            "received_on": "2026-11-28",
            "recorded_by": world.kam_a.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "recorded_by"
    assert not Payment.objects.exists()


def test_explicit_allocation_and_its_errors(world):
    ids = build_scene(world)
    api = as_persona(world, "finance")
    over = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "200.00",
            "received_on": "2026-11-28",
            "allocate": [{"invoice_id": ids["invoice_b"], "amount": "150.00"}],
        },
    )
    assert over.status_code == 409
    assert over.json()["error"]["code"] == "over_allocation"
    assert over.json()["error"]["field"] == "allocate.0.amount"
    other_client = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "10.00",
            "received_on": "2026-11-28",
            "allocate": [{"invoice_id": ids["invoice_a"], "amount": "10.00"}],
        },
    )
    assert other_client.status_code == 422
    assert other_client.json()["error"]["field"] == "allocate.0.invoice_id"
    unknown = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "10.00",
            "received_on": "2026-11-28",
            "allocate": [{"invoice_id": 999999, "amount": "10.00"}],
        },
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["field"] == "allocate.0.invoice_id"
    bad_word = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "10.00",
            "received_on": "2026-11-28",
            "allocate": "newest",
        },
    )
    assert bad_word.status_code == 422
    assert bad_word.json()["error"]["field"] == "allocate"
    extra = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "10.00",
            "received_on": "2026-11-28",
            "allocate": [{"invoice_id": ids["invoice_b"], "amount": "10.00", "note": "x"}],
        },
    )
    assert extra.status_code == 422
    assert extra.json()["error"]["field"] == "allocate.0.note"
    good = api.post(
        "payments",
        {
            "client_id": ids["client_b"],
            "amount": "100.00",
            "received_on": "2026-11-28",
            "allocate": [{"invoice_id": ids["invoice_b"], "amount": "60.00"}],
        },
    )
    assert good.status_code == 201
    assert good.json()["unallocated"] == "40.00"
    assert Invoice.objects.get(pk=ids["invoice_b"]).open_amount == Decimal("61.00")


def test_allocating_a_held_payment_later(world):
    ids = build_scene(world)
    api = as_persona(world, "finance")
    response = api.post(f"payments/{ids['payment_a']}/allocate", {"allocate": "oldest"})
    assert response.status_code == 200
    assert [a["amount"] for a in response.json()["allocations"]] == ["10.00"]
    assert response.json()["unallocated"] == "0.00"
    assert AuditEntry.objects.filter(entity="ledger.payment", action="allocate").exists()


def test_a_payment_in_another_currency_is_refused(world):
    response = as_persona(world, "finance").post(
        "payments",
        {
            "client_id": world.client_a.pk,
            "amount": "1.00",
            "received_on": "2026-11-28",
            "currency": "USD",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "currency"


def test_amounts_with_more_than_two_places_are_refused(world):
    response = as_persona(world, "finance").post(
        "payments", {"client_id": world.client_a.pk, "amount": "1.005", "received_on": "2026-11-28"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "amount"


def test_a_credit_note_against_an_invoice_lowers_its_open_amount(world):
    ids = build_scene(world)
    response = as_persona(world, "finance").post(
        "credit-notes",
        {
            "client_id": ids["client_a"],
            "invoice_id": ids["invoice_a"],
            "net": "10.00",
            "vat_rate": "21",
            "reason": "damage",
            "issue_date": "2026-11-28",
            "cost": "2.00",
        },
    )
    assert response.status_code == 201
    note = response.json()
    assert (note["gross_total"], note["invoice"]["id"]) == ("12.10", ids["invoice_a"])
    assert "cost_total" not in note
    assert Invoice.objects.get(pk=ids["invoice_a"]).open_amount == Decimal("24.20")
    too_much = as_persona(world, "finance").post(
        "credit-notes",
        {
            "client_id": ids["client_a"],
            "invoice_id": ids["invoice_a"],
            "net": "100.00",
            "vat_rate": "21",
            "reason": "damage",
            "issue_date": "2026-11-28",
        },
    )
    assert too_much.status_code == 409
    assert too_much.json()["error"]["field"] == "net"


def test_balance_is_invoices_less_payments_less_credit_notes(world):
    ids = build_scene(world)
    body = as_persona(world, "kam_a").get(f"clients/{ids['client_a']}/balance").json()
    assert body["client"]["id"] == ids["client_a"]
    # 36.30 invoiced − 10.00 paid (not yet allocated) − 1.21 credited
    assert {k: body[k] for k in ("invoiced", "paid", "credited", "balance")} == {
        "invoiced": "36.30",
        "paid": "10.00",
        "credited": "1.21",
        "balance": "25.09",
    }
    assert (body["open_invoices"], body["unallocated_payments"]) == ("36.30", "10.00")
    assert body["overdue"] == "0.00"


def test_balances_list_filters_overdue(world):
    ids = build_scene(world)
    api = as_persona(world, "finance")
    rows = api.get("balances", overdue="true").json()["items"]
    assert [(r["client"]["id"], r["overdue"], r["balance"]) for r in rows] == [
        (ids["client_b"], "121.00", "113.58")
    ]
    assert [
        r["client"]["id"] for r in api.get("balances", owner=world.kam_a.pk).json()["items"]
    ] == [ids["client_a"]]
    paged = api.get("balances", limit=2).json()
    assert (paged["count"], len(paged["items"])) == (3, 2)

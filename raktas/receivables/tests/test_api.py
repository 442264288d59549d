"""Persona tables of the receivables endpoints, and what the answers contain."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from raktas.receivables.tests.helpers import D, invoice, pay
from raktas.receivables.tests.personas import run_case
from raktas.testing.api import Case, as_persona, expect

READERS = {"kam_a": 200, "kam_b": 200, "deputy": 200, "head": 200, "finance": 200, "director": 200}
# The order desk and the administrator see no client accounts: the report is refused.
AGING = expect(403, **READERS)
# One client's statement: readers of client_a's account only; the rest do not see it.
STATEMENT_A = expect(404, kam_a=200, deputy=200, head=200, finance=200, director=200)

CASES = [
    Case("GET", "/api/v1/receivables/aging", AGING),
    Case(
        "GET",
        "/api/v1/receivables/aging",
        AGING,
        params={"by": "team", "as_of": "2026-03-31"},
        note="team",
    ),
    Case("GET", "/api/v1/receivables/aging/invoices", AGING),
    Case("GET", "/api/v1/receivables/aging.xlsx", AGING),
    Case(
        "GET",
        "/api/v1/clients/{client_a}/statement",
        STATEMENT_A,
        params={"date_from": "2026-01-01", "date_to": "{today}"},
    ),
    Case(
        "POST",
        "/api/v1/payments/{payment_a}/reverse",
        # KAMs who see client_a's payment may not reverse it (403); the rest do not see it.
        expect(404, kam_a=403, deputy=403, head=403, finance=201, director=201),
        body={"reason": "Bounced"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_persona_table(world, case):
    run_case(world, case)


@pytest.mark.django_db
def test_kam_sees_aging_of_own_clients_and_drills_down(world):
    fin = world.persona("finance")
    for client in (world.client_a, world.client_b):
        invoice(fin, client, "10.00", dt.date(2026, 1, 1))
    body = as_persona(world, "kam_b").get("receivables/aging", as_of="2026-03-15").json()
    assert [row["client_id"] for row in body["rows"]] == [world.client_b.pk]
    assert body["company"]["total"] == "10.00"
    assert [b["bucket"] for b in body["rows"][0]["buckets"]] == [
        "not_due", "1-30", "31-60", "61-90", "over_90",
    ]  # fmt: skip
    assert body["rows"][0]["buckets"][2] == {"bucket": "31-60", "amount": "10.00"}
    drill = as_persona(world, "kam_b").get(
        "receivables/aging/invoices", as_of="2026-03-15", bucket="31-60"
    )
    assert [i["client_id"] for i in drill.json()["items"]] == [world.client_b.pk]
    assert (
        as_persona(world, "kam_b").get("receivables/aging", client=world.client_a.pk).status_code
        == 404
    )


@pytest.mark.django_db
def test_aging_as_of_a_past_date_through_the_api(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "100.00", dt.date(2026, 1, 1))
    pay(fin, world.client_a, "100.00", dt.date(2026, 4, 15), to=inv)
    api = as_persona(world, "finance")
    march = api.get("receivables/aging", as_of="2026-03-31", by="company").json()
    assert march["rows"][0]["total"] == "100.00"
    assert api.get("receivables/aging", as_of="2026-05-01").json()["rows"] == []
    bad = api.get("receivables/aging", buckets="60,30")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "buckets"


@pytest.mark.django_db
def test_statement_downloads_as_pdf_xlsx_and_json(world):
    fin = world.persona("finance")
    invoice(fin, world.client_a, "121.00", dt.date(2026, 3, 2))
    api = as_persona(world, "kam_a")
    params = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    pdf = api.get(f"clients/{world.client_a.pk}/statement", **params)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = api.get(f"clients/{world.client_a.pk}/statement", format="xlsx", language="en", **params)
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert ws["A1"].value == "MUTUAL SETTLEMENT STATEMENT"
    data = api.get(f"clients/{world.client_a.pk}/statement", format="json", **params).json()
    assert (data["opening"], data["closing"]) == ("0.00", "121.00")
    assert data["lines"][0]["kind"] == "invoice"


@pytest.mark.django_db
def test_finance_reverses_a_payment_and_the_invoice_reopens(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "50.00", dt.date(2026, 1, 1))
    payment = pay(fin, world.client_a, "50.00", dt.date(2026, 1, 5), to=inv)
    response = as_persona(world, "finance").post(
        f"payments/{payment.pk}/reverse",
        {"reason": "Returned by the bank", "reversed_on": "2026-01-09"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "50.00"
    inv.refresh_from_db()
    assert inv.open_amount == D("50.00")
    again = as_persona(world, "finance").post(f"payments/{payment.pk}/reverse", {"reason": "x"})
    assert again.status_code == 409


@pytest.mark.django_db
def test_unapplied_money_in_the_aging_api_and_xlsx(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "100.00", dt.date(2026, 1, 1))
    pay(fin, world.client_a, "130.00", dt.date(2026, 2, 1), to=inv, part="60.00")
    api = as_persona(world, "finance")
    body = api.get("receivables/aging", as_of="2026-02-28").json()
    row = next(r for r in body["rows"] if r["client_id"] == world.client_a.pk)
    assert (row["total"], row["unapplied"], row["net"]) == ("40.00", "70.00", "-30.00")
    assert sum(D(b["amount"]) for b in row["buckets"]) == D(row["total"])
    assert body["company"]["unapplied"] == "70.00"
    # A KAM of other clients sees none of it.
    other = as_persona(world, "kam_b").get("receivables/aging", as_of="2026-02-28").json()
    assert other["company"]["unapplied"] == "0.00"
    xlsx = api.get("receivables/aging.xlsx", as_of="2026-02-28")
    ws = load_workbook(io.BytesIO(xlsx.content))["By client"]
    head = [c.value for c in ws[3]]
    values = dict(zip(head, [c.value for c in ws[4]], strict=False))
    assert (
        values["Open total"] == 40 and values["Unapplied"] == -70 and values["Net balance"] == -30
    )

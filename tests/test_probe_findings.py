"""Regression tests for the 500s and leaks the security probe and schemathesis found
(issue 11). Each test names its finding; each failed on the commit the fixes started
from (ff0f4c8) and passes after them. The exports' control characters, the audit
log's TRUNCATE/flush/REPLACE and the access log have their own files
(tests/test_export_guard.py, raktas/audit/tests/)."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection

from raktas.analytics.models import TierProposal
from raktas.banking.tests.conftest import read
from raktas.clients.models import Tier
from raktas.ledger.models import Allocation
from raktas.ledger.services import invoice_create, payment_record
from raktas.orders.models import Order
from raktas.testing.api import ApiClient, as_persona
from raktas.testing.personas import build_world

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def _error(response) -> dict:
    body = response.json()
    assert "error" in body, body
    return body["error"]


# --- integers beyond 64 bits ----------------------------------------------------------------


def test_integers_beyond_64_bits_are_refused_naming_the_field(world) -> None:
    api = as_persona(world, "director")
    page = api.get("products", offset=9682716013420431360, limit=178647)
    assert page.status_code == 422 and _error(page)["field"] == "offset"
    one = api.get("clients/99999999999999999999")
    assert one.status_code in (404, 422), one.content
    body = api.post("orders", {"client_id": 2**70})
    assert body.status_code == 422 and _error(body)["field"] == "client_id"
    nested = api.post(
        "orders",
        {"client_id": world.client_a.pk, "lines": [{"product_id": -(2**64), "quantity": 1}]},
    )
    assert nested.status_code == 422 and _error(nested)["field"] == "lines.0.product_id"


# --- null on optional text fields -------------------------------------------------------------


def test_null_on_optional_fields_is_no_value_not_a_server_error(world) -> None:
    """JSON null on a field the schema lets be null, or on text it does not: either
    "no value" (the field's default) or 422 naming the field, never a NOT NULL error."""
    api = as_persona(world, "kam_a")
    made = api.post("orders", {"client_id": world.client_a.pk, "order_date": None})
    assert made.status_code == 201, made.content
    assert Order.objects.get(pk=made.json()["id"]).order_date is not None
    client = f"clients/{world.client_a.pk}"
    director = as_persona(world, "director")
    level = director.get("dunning-levels").json()["items"][0]["id"]
    attempts = [
        (api, "post", "orders", {"client_id": world.client_a.pk}),
        (api, "post", f"{client}/contacts", {"name": "Ona"}),
        (api, "patch", client, {}),
        (director, "patch", f"dunning-levels/{level}", {}),
    ]
    fields = {
        "orders": ("note", "client_reference", "external_id", "order_date"),
        "contacts": ("position", "buying_role", "phone", "email", "external_id"),
        "clients": ("city", "address", "vat_code", "segment_id", "external_id", "legal_name"),
        "dunning-levels": ("subject_en", "subject_lt", "template_en", "template_lt", "name"),
    }
    for caller, method, url, base in attempts:
        kind = next(k for k in fields if k in url.split("/")[-1] or url.startswith(k))
        for field in fields[kind]:
            response = getattr(caller, method)(url, {**base, field: None})
            assert response.status_code < 500, (url, field, response.content)
            if response.status_code == 422:
                assert _error(response)["field"] == field, (url, field, response.content)


# --- bodies over 2.5 MB --------------------------------------------------------------------


def test_a_body_over_the_limit_answers_413(world) -> None:
    api = as_persona(world, "kam_a")
    huge = json.dumps({"client_id": world.client_a.pk, "note": "x" * (3 * 1024 * 1024)})
    response = api.client.post(
        "/api/v1/orders", huge, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 413 and _error(response)["code"] == "too_large"


# --- aging as of year one ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["receivables/aging", "receivables/aging/invoices", "receivables/aging.xlsx"]
)
def test_aging_as_of_year_one_is_refused(world, url: str) -> None:
    response = as_persona(world, "finance").get(url, as_of="0001-01-01")
    assert response.status_code == 422, response.content[:300]
    assert _error(response)["field"] == "as_of"


# --- a huge credit-status amount --------------------------------------------------------------


def test_a_huge_credit_preview_amount_is_refused(world) -> None:
    api = as_persona(world, "kam_a")
    response = api.get(f"clients/{world.client_a.pk}/credit-status", amount="1e30")
    assert response.status_code == 422 and _error(response)["field"] == "amount"
    fine = api.get(f"clients/{world.client_a.pk}/credit-status", amount="100.00")
    assert fine.status_code == 200 and "would_pass" in fine.json()


# --- a reused order external_id, and what a unique error tells ------------------------------


def test_a_reused_order_external_id_is_a_plain_validation_error(world) -> None:
    b = as_persona(world, "kam_b")
    assert (
        b.post("orders", {"client_id": world.client_b.pk, "external_id": "ERP-1"}).status_code
        == 201
    )
    a = as_persona(world, "kam_a")
    own = a.post("orders", {"client_id": world.client_a.pk, "external_id": "ERP-2"})
    assert own.status_code == 201
    theirs = a.post("orders", {"client_id": world.client_a.pk, "external_id": "ERP-1"})
    mine = a.post("orders", {"client_id": world.client_a.pk, "external_id": "ERP-2"})
    assert theirs.status_code == mine.status_code == 422
    # The same answer whether the holder is in the KAM's book or another team's, and it
    # names nothing of the other order.
    assert (
        _error(theirs)
        == _error(mine)
        == {
            "code": "invalid",
            "message": "external_id: is already in use",
            "field": "external_id",
        }
    )
    assert Order.objects.filter(external_id="ERP-1").count() == 1


def test_a_taken_registration_code_reads_the_same_whoever_holds_it(world) -> None:
    world.client_b.registration_code = "300000001"
    world.client_b.save()
    world.client_a.registration_code = "300000002"
    world.client_a.save()
    a = as_persona(world, "kam_a")
    theirs = a.post("clients", {"legal_name": "UAB Naujas", "registration_code": "300000001"})
    mine = a.post("clients", {"legal_name": "UAB Naujas", "registration_code": "300000002"})
    assert theirs.status_code == mine.status_code == 422
    assert _error(theirs) == _error(mine)
    text = json.dumps(_error(theirs), ensure_ascii=False)
    for secret in ("kam_b", "South", "Beržas", str(world.client_b.pk)):
        assert secret not in text


# --- NUL characters and unpaired surrogates -------------------------------------------------


def test_nul_and_unpaired_surrogates_are_refused_on_every_database(world) -> None:
    api = as_persona(world, "kam_a")
    search = api.get("clients", q="UAB\x00")
    assert search.status_code == 422 and _error(search)["field"] == "q"
    body = api.patch(f"clients/{world.client_a.pk}", {"city": "Vil\x00nius"})
    assert body.status_code == 422 and _error(body)["field"] == "city"
    raw = '{"city": "Vil\\ud800nius"}'
    surrogate = api.client.patch(
        f"/api/v1/clients/{world.client_a.pk}",
        raw,
        content_type="application/json",
        headers=api.headers,
    )
    assert surrogate.status_code == 422 and _error(surrogate)["field"] == "city"
    world.client_a.refresh_from_db()
    assert world.client_a.city == "Vilnius"


# --- camt amounts like 1e309 -------------------------------------------------------------------


def test_a_camt_amount_like_1e309_is_refused_with_a_reason(world) -> None:
    data = read("camt053_v08.xml").replace(b">1210.00</Amt>", b">1e309</Amt>", 1)
    api = as_persona(world, "finance")
    response = api.client.post(
        "/api/v1/bank/imports",
        {"file": SimpleUploadedFile("s.xml", data, "application/xml")},
        headers=api.headers,
    )
    assert response.status_code == 422, response.content[:300]
    assert "too large" in _error(response)["message"]


# --- the bank upload stops at the limit -----------------------------------------------------


def test_the_bank_upload_stops_at_the_limit_while_it_arrives(world, settings) -> None:
    settings.UPLOAD_MAX_MB = 1
    api = as_persona(world, "finance")
    big = SimpleUploadedFile(
        "big.xml", b"<x>" + b" " * (2 * 1024 * 1024) + b"</x>", "application/xml"
    )
    response = api.client.post("/api/v1/bank/imports", {"file": big}, headers=api.headers)
    assert response.status_code == 413, response.content[:300]
    # The handler refuses at the first chunk past the limit, not after the whole file.
    from raktas.core.uploads import LimitedUploadHandler

    handler = LimitedUploadHandler()
    handler.new_file("file", "big.xml", "application/xml", None)
    chunk = b" " * (64 * 1024)
    taken = 0
    with pytest.raises(Exception, match="larger than 1 MB"):
        for _ in range(10_000):
            handler.receive_data_chunk(chunk, taken)
            taken += len(chunk)
    assert taken <= 1024 * 1024
    # A declared length past the limit is refused before the body is parsed.
    with pytest.raises(Exception, match="larger than 1 MB"):
        handler.handle_raw_input(io.BytesIO(), {}, 50 * 1024 * 1024, b"b")


# --- tier-proposal reasons and margin -----------------------------------------------------


def test_tier_proposal_reasons_hide_margin_and_npv_from_readers_without_margin(world) -> None:
    from raktas.analytics.services import TierRules, propose_tier

    tier, reasons = propose_tier(
        share=0.08, margin_share=0.034, npv_rank=0.02, growth=0.1, rules=TierRules()
    )
    TierProposal.objects.create(
        client=world.client_a, current_tier=Tier.MAINTAIN, proposed_tier=tier, reasons=reasons
    )

    def read_as(persona: str) -> list[str]:
        items = as_persona(world, persona).get("analytics/tier-proposals").json()["items"]
        return items[0]["reasons"]

    plain = read_as("finance")
    assert plain and not any(
        "margin" in r.lower() or "npv in the top 2" in r.lower() for r in plain
    )
    assert any("8.0% of company revenue" in r for r in plain)
    full = read_as("finance_margin")
    assert any("3.4% of gross margin" in r for r in full)
    assert any("NPV in the top 2%" in r for r in full)


# --- PostgreSQL deadlocks under crossed allocations ----------------------------------------


@pytest.mark.skipif(not POSTGRES, reason="deadlocks are PostgreSQL's; SQLite has one writer")
@pytest.mark.django_db(transaction=True)
def test_crossed_allocations_at_once_never_answer_500() -> None:
    world = build_world()
    fin = world.finance
    day = dt.date(2026, 1, 1)
    line = [{"description": "Goods", "quantity": 1, "unit_price": Decimal("100"), "vat_rate": 0}]
    invoices = [
        invoice_create(by=fin, client=world.client_a, issue_date=day, lines=line) for _ in range(2)
    ]
    payments = [
        payment_record(
            by=fin, client=world.client_a, amount=Decimal("10.00"), received_on=day, allocate="none"
        )
        for _ in range(12)
    ]
    barrier = threading.Barrier(len(payments))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def allocate(i: int) -> None:
        try:
            api = ApiClient(fin)
            first, second = invoices if i % 2 else invoices[::-1]  # crossed orders
            body = {
                "allocate": [
                    {"invoice_id": first.pk, "amount": "5.00"},
                    {"invoice_id": second.pk, "amount": "5.00"},
                ]
            }
            barrier.wait(timeout=30)
            statuses.append(api.post(f"payments/{payments[i].pk}/allocate", body).status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=allocate, args=(i,)) for i in range(len(payments))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert statuses == [200] * len(payments), statuses
    for invoice in invoices:
        invoice.refresh_from_db()
        allocated = sum(a.amount for a in Allocation.objects.filter(invoice=invoice))
        assert allocated == Decimal("60.00")
        assert invoice.open_amount == Decimal("40.00")

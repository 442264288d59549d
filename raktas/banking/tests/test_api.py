"""Persona tables of the bank endpoints: finance and the director do bank work."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from raktas.banking.models import BankEntry, BankEntryStatus
from raktas.banking.services import bank_import
from raktas.banking.tests.conftest import D, read
from raktas.ledger.selectors import client_balance
from raktas.receivables.tests.personas import run_case
from raktas.testing.api import Case, as_persona, expect

BANK_WORK = {"finance": 200, "director": 200}

CASES = [
    # The queue is refused to every other role (403); one entry is invisible (404).
    Case("POST", "/api/v1/bank/imports", expect(403, finance=201, director=201), note="upload"),
    Case("GET", "/api/v1/bank/entries", expect(403, **BANK_WORK)),
    Case("GET", "/api/v1/bank/entries/{entry}", expect(404, **BANK_WORK)),
    Case(
        "POST",
        "/api/v1/bank/entries/{entry}/resolve",
        expect(404, **BANK_WORK),
        body={"client_id": "{client_a}", "allocate": "none"},
    ),
    Case(
        "POST",
        "/api/v1/bank/entries/{reversal}/reverse",
        expect(404, **BANK_WORK),
        body={"credit_id": "{credit}", "note": "returned by the payer's bank"},
    ),
    Case(
        "POST",
        "/api/v1/bank/entries/{entry}/ignore",
        expect(404, **BANK_WORK),
        body={"note": "Refund from a supplier"},
    ),
]


def _waiting_entry(world, ids):
    """An imported statement whose 99.99 from an unknown payer waits for finance."""
    # Reversals imported before the credits they take back wait for finance too.
    bank_import(by=world.persona("finance"), data=read("camt053_v08_reversals.xml"))
    bank_import(by=world.persona("finance"), data=read("camt053_v08.xml"))
    entry = BankEntry.objects.get(
        status=BankEntryStatus.UNMATCHED, amount="99.99", is_reversal=False
    )
    # A different file for the upload case, so the upload creates entries of its own.
    upload = read("camt054_v08.xml")
    reversal = BankEntry.objects.get(is_reversal=True, amount="242.00")
    credit = BankEntry.objects.get(is_reversal=False, amount="242.00")
    return {
        "entry": entry.pk,
        "upload": ("camt054.xml", upload),
        "reversal": reversal.pk,
        "credit": credit.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_persona_table(world, case):
    run_case(world, case, _waiting_entry)


@pytest.mark.django_db
def test_upload_then_resolve_through_the_api(world, books):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = as_persona(world, "finance")
    response = api.client.post(
        "/api/v1/bank/imports",
        {"file": SimpleUploadedFile("stmt.xml", read("camt053_v08.xml"), "application/xml")},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["statement"]["kind"] == "camt.053" and body["statement"]["matched"] == 4
    waiting = api.get("bank/entries", status="unmatched").json()["items"]
    assert [e["amount"] for e in waiting] == ["99.99"]
    inv = books["101"].__class__.objects.create(
        number="INV-9", client=world.client_b, issue_date="2026-11-01", due_date="2026-12-01",
        gross_total="99.99", open_amount="99.99",
    )  # fmt: skip
    wrong = api.post(
        f"bank/entries/{waiting[0]['id']}/resolve",
        {"client_id": world.client_a.pk, "allocate": [{"invoice_id": inv.pk, "amount": "99.99"}]},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "allocate.0.invoice_id"
    done = api.post(
        f"bank/entries/{waiting[0]['id']}/resolve",
        {"client_id": world.client_b.pk, "allocate": [{"invoice_id": inv.pk, "amount": "99.99"}]},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved" and done.json()["payment_id"]
    inv.refresh_from_db()
    assert str(inv.open_amount) == "0.00"


@pytest.mark.django_db
def test_a_malformed_upload_is_refused_and_imports_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = as_persona(world, "finance")
    response = api.client.post(
        "/api/v1/bank/imports",
        {"file": SimpleUploadedFile("x.xml", b"<Document>oops", "application/xml")},
        headers=api.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_camt"
    assert not BankEntry.objects.exists()


@pytest.mark.django_db
def test_a_waiting_reversal_is_placed_through_the_api(world, books):
    fin = world.persona("finance")
    bank_import(by=fin, data=read("camt053_v08.xml"))
    api = as_persona(world, "finance")
    imported = api.client.post(
        "/api/v1/bank/imports",
        {
            "file": SimpleUploadedFile(
                "rev.xml", read("camt053_v08_reversals.xml"), "application/xml"
            )
        },
        headers=api.headers,
    )
    assert imported.status_code == 201, imported.content
    body = imported.json()
    assert body["statement"]["reversals"] == 4
    by_amount = {e["amount"]: e for e in body["entries"]}
    assert by_amount["1210.00"]["is_reversal"] is True
    assert by_amount["1210.00"]["status"] == "matched"
    waiting = by_amount["242.00"]
    assert waiting["status"] == "unmatched" and waiting["reverses_id"] is None
    credit_id = waiting["suggestions"][0]["entry_id"]
    wrong = api.post(f"bank/entries/{waiting['id']}/reverse", {"credit_id": 999999})
    assert wrong.status_code == 404 and wrong.json()["error"]["field"] == "credit_id"
    done = api.post(f"bank/entries/{waiting['id']}/reverse", {"credit_id": credit_id})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved" and done.json()["reverses_id"] == credit_id
    assert client_balance(world.client_b)["balance"] == D("242.00")

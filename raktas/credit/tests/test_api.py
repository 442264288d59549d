"""The credit and collection API, persona by persona: 404 when the client's account is
invisible, 403 when visible but the role may not do it, 2xx when allowed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import transaction

from raktas.clients.models import Client
from raktas.testing.api import (
    PERSONAS,
    Case,
    _check_response,
    _fill,
    as_persona,
    expect,
)
from raktas.testing.credit import credit_scene, draft

pytestmark = pytest.mark.django_db


# Credit data is the account's: the book (kam_a, deputy, head), finance, the director.
ACCOUNT_A = expect(200, kam_b=404, desk=404, admin=404)
DECIDE_A = expect(403, kam_b=404, desk=404, admin=404, head=200, director=200)
CREDIT_WRITE_A = expect(403, kam_b=404, desk=404, admin=404, finance=200, director=200)
DEBT_WORK_A = expect(201, kam_b=404, desk=404, admin=404)
DIRECTOR_ONLY = expect(403, director=200)

CASES = [
    Case("GET", "/api/v1/clients/{client_a}/credit-status", ACCOUNT_A),
    Case(
        "GET",
        "/api/v1/clients/{client_b}/credit-status",
        expect(404, kam_b=200, finance=200, director=200),
    ),
    Case(
        "GET",
        "/api/v1/clients/{client_a}/credit-status",
        ACCOUNT_A,
        params={"amount": "5"},
        note="preview",
    ),
    Case(
        "GET",
        "/api/v1/credit/overrides",
        expect(200),
        visible={
            "kam_a": {"override_a"},
            "kam_b": {"override_b"},
            "deputy": {"override_a"},
            "head": {"override_a"},
            "desk": set(),
            "finance": {"override_a", "override_b"},
            "director": {"override_a", "override_b"},
            "admin": set(),
        },
    ),
    Case(
        "GET",
        "/api/v1/credit/overrides",
        expect(200),
        params={"to_decide": "true"},
        note="to decide",
        visible={
            "kam_a": set(),
            "kam_b": set(),
            "deputy": set(),
            "head": {"override_a"},
            "desk": set(),
            "finance": set(),
            "director": {"override_a", "override_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/credit/overrides/{override_a}", ACCOUNT_A),
    Case("POST", "/api/v1/credit/overrides/{override_a}/approve", DECIDE_A, body={"reason": "ok"}),
    Case("POST", "/api/v1/credit/overrides/{override_a}/reject", DECIDE_A, body={"reason": "no"}),
    Case(
        "POST",
        "/api/v1/credit/overrides/{override_b}/approve",
        expect(404, kam_b=403, finance=403, director=200),
        body={"reason": "ok"},
        note="(team South has no head)",
    ),
    Case(
        "POST",
        "/api/v1/clients/{client_a}/credit-holds",
        expect(403, kam_b=404, desk=404, admin=404, finance=201, director=201),
        body={"kind": "stop_shipments", "reason": "overdue"},
    ),
    Case("POST", "/api/v1/credit/holds/{hold_a}/lift", CREDIT_WRITE_A, body={"reason": "paid"}),
    Case("GET", "/api/v1/clients/{client_a}/credit-score", ACCOUNT_A),
    Case(
        "GET",
        "/api/v1/clients/{client_d}/credit-score",
        expect(200, kam_a=404, kam_b=404, desk=404, admin=404),
        note="(never scored: computed)",
    ),
    Case("POST", "/api/v1/clients/{client_a}/credit-score/refresh", CREDIT_WRITE_A),
    Case("GET", "/api/v1/dunning-levels", expect(200)),
    Case(
        "POST",
        "/api/v1/dunning-levels",
        expect(403, director=201),
        body={"order": 9, "name": "Final", "days_overdue": 120, "action": "legal_handover"},
    ),
    Case("PATCH", "/api/v1/dunning-levels/{level}", DIRECTOR_ONLY, body={"days_overdue": 4}),
    Case(
        "DELETE",
        "/api/v1/dunning-levels/{level}",
        expect(403, director=409),
        note="(reached already: deactivate instead)",
    ),
    Case(
        "GET",
        "/api/v1/promises",
        expect(200),
        visible={
            "kam_a": {"promise_a"},
            "kam_b": {"promise_b"},
            "deputy": {"promise_a"},
            "head": {"promise_a"},
            "desk": set(),
            "finance": {"promise_a", "promise_b"},
            "director": {"promise_a", "promise_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/clients/{client_a}/promises", ACCOUNT_A),
    Case(
        "POST",
        "/api/v1/clients/{client_a}/promises",
        DEBT_WORK_A,
        body={"promised_on": "2099-01-01", "amount": "10.00", "note": "by phone"},
    ),
    Case("GET", "/api/v1/clients/{client_a}/timeline", ACCOUNT_A),
    Case(
        "GET",
        "/api/v1/clients/{client_b}/timeline",
        expect(404, kam_b=200, finance=200, director=200),
    ),
    Case(
        "GET",
        "/api/v1/collection-tasks",
        expect(200),
        params={"kind": "dunning_call"},
        visible={
            "kam_a": {"task_a"},
            "kam_b": {"task_b"},
            "deputy": {"task_a"},
            "head": {"task_a"},
            "desk": set(),
            "finance": {"task_a", "task_b"},
            "director": {"task_a", "task_b"},
            "admin": set(),
        },
    ),
    Case("POST", "/api/v1/collection-tasks/{task_a}/done", ACCOUNT_A, body={"outcome": "called"}),
    Case("GET", "/api/v1/clients/{client_a}/letters", ACCOUNT_A),
    Case("GET", "/api/v1/collection/letters/{letter_a}.pdf", ACCOUNT_A),
    Case(
        "GET",
        "/api/v1/collection/letters/{letter_b}.pdf",
        expect(404, kam_b=200, finance=200, director=200),
    ),
]


def test_every_endpoint_persona_by_persona(world):
    """All cases on one scene (building it is the slow part: letters are PDFs); each
    persona's call is rolled back, so no call changes what the next one finds."""
    ids = credit_scene(world)
    failures = []
    for case in CASES:
        url = case.path.format(**ids)
        body = _fill(case.body, ids)
        params = _fill(case.params, ids)
        for persona in PERSONAS:
            with transaction.atomic():
                api = as_persona(world, persona)
                if case.method == "GET":
                    response = api.get(url, **params)
                else:
                    response = api.request(case.method, url, body)
                if response.get("Content-Type") == "application/pdf":
                    if response.status_code != case.expect[persona]:
                        failures.append(f"{case.id}: {persona}: got a PDF")
                else:
                    found = _check_response(case, persona, response, ids)
                    failures.extend(f"{case.id}: {f}" for f in found)
                transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def test_every_endpoint_of_the_routers_has_a_case():
    from raktas.api.api import api

    def route(method: str, path: str) -> tuple[str, str]:
        path = path if path.startswith("/api/v1") else "/api/v1" + path
        return method.upper(), re.sub(r"\{[^}]+\}", "{}", path)

    schema = api.get_openapi_schema()
    ours = {
        route(method, path)
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
        if set(op.get("tags", [])) & {"credit", "collection"}
    }
    assert len(ours) >= 20
    assert ours - {route(c.method, c.path) for c in CASES} == set()


def test_submitting_over_the_limit_is_refused_with_the_reason_and_approved_by_the_head(world):
    Client.objects.filter(pk=world.client_a.pk).update(credit_limit=Decimal("50.00"))
    kam = as_persona(world, "kam_a")
    order = draft(world, world.client_a, 5)  # 60.50
    preview = kam.get(f"clients/{world.client_a.pk}/credit-status", amount="60.50").json()
    assert preview["would_pass"] is False
    assert preview["headroom"] == "50.00"
    assert preview["reasons"][0]["code"] == "credit_limit_exceeded"

    refused = kam.post(f"orders/{order.pk}/submit")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "credit_limit_exceeded"
    assert "over the credit limit" in error["message"]
    assert "Override request #" in error["message"]

    head = as_persona(world, "head")
    waiting = head.get("credit/overrides", to_decide="true").json()
    assert waiting["count"] == 1
    item = waiting["items"][0]
    assert item["may_decide"] is True and item["order"]["id"] == order.pk
    assert item["order_amount"] == "60.50" and item["credit_limit"] == "50.00"
    approved = head.post(f"credit/overrides/{item['id']}/approve", {"reason": "Big season"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["order"]["status"] == "submitted"
    assert kam.get(f"clients/{world.client_a.pk}/timeline").json()["count"] == 2


def test_score_shows_each_factor(world):
    body = as_persona(world, "kam_a").get(f"clients/{world.client_a.pk}/credit-score").json()
    assert {f["key"] for f in body["factors"]} == {
        "days_late",
        "share_overdue",
        "trend",
        "broken_promises",
        "tenure",
        "utilisation",
    }
    assert body["grade"] in "ABCDE" and 0 <= body["score"] <= 100
    assert body["computed_at"] is None
    assert all({"value", "points", "max_points", "why"} <= set(f) for f in body["factors"])


def test_a_letter_downloads_as_pdf(world):
    ids = credit_scene(world)
    response = as_persona(world, "finance").get(f"collection/letters/{ids['letter_a']}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_unknown_fields_are_refused(world):
    response = as_persona(world, "kam_a").post(
        f"clients/{world.client_a.pk}/promises",
        {"promised_on": "2099-01-01", "amount": "1.00", "recorded_by": 1},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_field"

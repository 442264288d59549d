"""Helpers for the API tests of every app: a token client per persona, a scene of
objects in every state, and the table-driven persona check.

A ``Case`` is one endpoint called with one set of arguments, and the status each
persona must get: 2xx when allowed, 404 when the object is invisible to them, 403
when they may see it but not do this. For lists, ``visible`` says which scene
objects each persona must find in the items — the denial of a list is what it
leaves out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test import Client
from django.utils import timezone

from raktas.audit.models import AuditEntry
from raktas.clients.services import contact_create
from raktas.ledger.models import Invoice
from raktas.ledger.services import credit_note_create, payment_record
from raktas.orders.models import Order
from raktas.orders.services import (
    order_add_line,
    order_confirm,
    order_create,
    order_invoice,
    order_ship,
    order_submit,
)
from raktas.org.models import ApiToken, User
from raktas.testing.personas import World

# The seven personas of the issue, plus the administrator, who holds no business role
# and so must see no business data.
PERSONAS = ("kam_a", "kam_b", "deputy", "head", "desk", "finance", "director", "admin")
API = "/api/v1"


class ApiClient:
    """The Django test client speaking JSON with a Bearer token (or anonymously)."""

    def __init__(self, user: User | None = None, *, token: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None and token is None:
            _, token = ApiToken.issue(user, "test")
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, url: str, body: Any = None, **params: Any) -> Any:
        if not url.startswith("/"):
            url = f"{API}/{url}"
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, url: str, **params: Any) -> Any:
        return self.request("GET", url, **params)

    def post(self, url: str, body: Any = None) -> Any:
        return self.request("POST", url, body)

    def patch(self, url: str, body: Any = None) -> Any:
        return self.request("PATCH", url, body)

    def put(self, url: str, body: Any = None) -> Any:
        return self.request("PUT", url, body)

    def delete(self, url: str) -> Any:
        return self.request("DELETE", url)


def as_persona(world: World, name: str) -> ApiClient:
    return ApiClient(world.persona(name))


def build_scene(world: World) -> dict[str, int]:
    """Objects in every state the endpoints act on, made through the services by the
    people who would make them. Returns their ids by name.

    client_a (kam_a) has orders in draft, submitted, confirmed, shipped and invoiced;
    client_d (the deputy's) one submitted order; client_b (kam_b, team South) a draft
    and an imported invoice with no order — so the order desk sees client_a and
    client_d, and nothing of client_b.
    """
    w = world
    kam_a, kam_b, deputy, desk, finance = w.kam_a, w.kam_b, w.deputy, w.desk, w.finance
    p1, p2, p3 = w.products
    today = timezone.localdate()

    def order(client: Any, by: User, *lines: tuple[Any, str]) -> Order:
        made = order_create(by=by, client=client)
        for product, quantity in lines or ((p1, "2"),):
            order_add_line(by=by, order=made, product=product, quantity=Decimal(quantity))
        return made

    draft_a = order(w.client_a, kam_a, (p1, "2"), (p2, "1"))
    submitted_a = order(w.client_a, kam_a)
    order_submit(by=kam_a, order=submitted_a)
    confirmed_a = order(w.client_a, kam_a)
    order_submit(by=kam_a, order=confirmed_a)
    order_confirm(by=desk, order=confirmed_a)
    shipped_a = order(w.client_a, kam_a)
    order_submit(by=kam_a, order=shipped_a)
    order_confirm(by=desk, order=shipped_a)
    order_ship(by=desk, order=shipped_a)
    invoiced_a = order(w.client_a, kam_a, (p3, "1"))
    order_submit(by=kam_a, order=invoiced_a)
    order_confirm(by=desk, order=invoiced_a)
    order_ship(by=desk, order=invoiced_a)
    invoice_a = order_invoice(by=finance, order=invoiced_a, issue_date=today)
    submitted_d = order(w.client_d, deputy)
    order_submit(by=deputy, order=submitted_d)
    draft_b = order(w.client_b, kam_b)
    # An invoice that came in by import, with no order behind it.
    invoice_b = Invoice.objects.create(
        number="IMP-0001",
        client=w.client_b,
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=10),
        net_total=Decimal("100.00"),
        vat_total=Decimal("21.00"),
        gross_total=Decimal("121.00"),
        cost_total=Decimal("60.00"),
        open_amount=Decimal("121.00"),
    )
    payment_a = payment_record(
        by=finance, client=w.client_a, amount=Decimal("10.00"), received_on=today, allocate="none"
    )
    payment_b = payment_record(
        by=finance, client=w.client_b, amount=Decimal("5.00"), received_on=today, allocate="none"
    )
    credit_note_a = credit_note_create(
        by=finance,
        client=w.client_a,
        net=Decimal("1.00"),
        vat_rate=Decimal("21"),
        reason="price",
        issue_date=today,
    )
    credit_note_b = credit_note_create(
        by=finance,
        client=w.client_b,
        net=Decimal("2.00"),
        vat_rate=Decimal("21"),
        reason="price",
        issue_date=today,
    )
    contact_a = contact_create(by=kam_a, client=w.client_a, name="Ona Onaitė")
    contact_b = contact_create(by=kam_b, client=w.client_b, name="Jonas Jonaitis")
    audit_entry = AuditEntry.objects.order_by("id").first()
    assert audit_entry is not None
    draft_line = draft_a.lines.order_by("line_no").first()
    assert draft_line is not None
    ids = {
        "missing": 999_999_999,  # an id no row has: the object does not exist
        "client_a": w.client_a.pk,
        "client_b": w.client_b.pk,
        "client_d": w.client_d.pk,
        "contact_a": contact_a.pk,
        "contact_b": contact_b.pk,
        "draft_a": draft_a.pk,
        "draft_a_line": draft_line.pk,
        "submitted_a": submitted_a.pk,
        "confirmed_a": confirmed_a.pk,
        "shipped_a": shipped_a.pk,
        "invoiced_a": invoiced_a.pk,
        "submitted_d": submitted_d.pk,
        "draft_b": draft_b.pk,
        "invoice_a": invoice_a.pk,
        "invoice_b": invoice_b.pk,
        "payment_a": payment_a.pk,
        "payment_b": payment_b.pk,
        "credit_note_a": credit_note_a.pk,
        "credit_note_b": credit_note_b.pk,
        "audit_entry": audit_entry.pk,
        "product": p1.pk,
        "product_2": p2.pk,
        "column": w.column.pk,
        "price_list": w.column.price_list_id,
        "kam_a": kam_a.pk,
    }
    return ids


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: dict[str, int]
    body: Any = None
    # For lists: persona → the scene names that must be exactly the items' ids.
    visible: dict[str, set[str]] | None = None
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}{' ' + self.note if self.note else ''}"

    @property
    def route(self) -> tuple[str, str]:
        """The route in OpenAPI spelling: ``/clients/{client_id}`` whatever the placeholder."""
        return self.method, re.sub(r"\{[^}]+\}", "{}", self.path)


def expect(default: int | None = None, **per_persona: int) -> dict[str, int]:
    out = {name: default for name in PERSONAS if default is not None}
    out.update(per_persona)
    missing = set(PERSONAS) - set(out)
    if missing:
        raise ValueError(f"no expectation for {sorted(missing)}")
    return out


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\{(\w+)\}", value)
        if match:
            return ids[match.group(1)]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def check_case(world: World, case: Case) -> None:
    """Call ``case`` as every persona on one scene and check each status (and, for a
    list, exactly which scene objects came back).

    Each persona's call runs in a transaction that is rolled back, so a write by one
    persona (cancelling an order, deleting a contact) never changes what the next
    one finds — and the scene is built once per endpoint, not once per persona.
    """
    ids = build_scene(world)
    url = case.path.format(**ids)
    body = _fill(case.body, ids)
    params = _fill(case.params, ids)
    failures = []
    for persona in PERSONAS:
        with transaction.atomic():
            api = as_persona(world, persona)
            if case.method == "GET":
                response = api.get(url, **params)
            else:
                response = api.request(case.method, url, body)
            failures.extend(_check_response(case, persona, response, ids))
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def _check_response(case: Case, persona: str, response: Any, ids: dict[str, int]) -> list[str]:
    wanted = case.expect[persona]
    got = response.status_code
    if got != wanted:
        return [f"{persona}: expected {wanted}, got {got}: {response.content[:300]!r}"]
    payload = response.json()
    shape_ok = set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "field"}
    if wanted >= 400 and not shape_ok:
        return [f"{persona}: error not in the API's shape: {payload!r}"]
    if case.visible is not None and wanted == 200:
        names = case.visible[persona]
        expected_ids = sorted(ids[name] for name in names)
        seen = sorted(_item_id(item) for item in payload["items"])
        if seen != expected_ids:
            return [f"{persona}: expected {sorted(names)} = {expected_ids}, got ids {seen}"]
    return []


def _item_id(item: dict[str, Any]) -> int:
    # Balance rows are keyed by their client.
    return int(item["id"]) if "id" in item else int(item["client"]["id"])

"""The clients and contacts API: every endpoint for every persona, then the details."""

from __future__ import annotations

from decimal import Decimal

import pytest

from raktas.audit.models import AuditEntry
from raktas.clients.models import Client
from raktas.testing.api import Case, as_persona, build_scene, check_case, expect
from raktas.testing.factories import ClientFactory, ContactFactory, SegmentFactory

pytestmark = pytest.mark.django_db

BOOK_A = dict(kam_a=200, kam_b=404, deputy=200, head=200, finance=200, director=200, admin=404)

CASES = [
    Case(
        "GET",
        "/api/v1/clients",
        expect(200),
        visible={
            "kam_a": {"client_a"},
            "kam_b": {"client_b"},
            "deputy": {"client_a", "client_d"},
            "head": {"client_a", "client_d"},
            "desk": {"client_a", "client_d"},
            "finance": {"client_a", "client_b", "client_d"},
            "director": {"client_a", "client_b", "client_d"},
            "admin": set(),
        },
    ),
    # The desk sees client_a: it has orders submitted to the desk.
    Case("GET", "/api/v1/clients/{client_a}", expect(**BOOK_A, desk=200)),
    Case(
        "GET",
        "/api/v1/clients/{client_b}",
        expect(404, kam_b=200, finance=200, director=200),
        note="(nothing submitted: the desk does not see it)",
    ),
    Case(
        "POST",
        "/api/v1/clients",
        expect(201, desk=403, finance=403, admin=403, director=422),
        body={"legal_name": "UAB Naujas", "price_column_id": "{column}"},
        note="(for oneself; the director owns no book, so must name an owner)",
    ),
    Case(
        "POST",
        "/api/v1/clients",
        expect(201, kam_b=422, desk=403, finance=403, admin=403),
        body={"legal_name": "UAB Kitas", "price_column_id": "{column}", "owner_id": "{kam_a}"},
        note="(for kam_a)",
    ),
    Case(
        "PATCH",
        "/api/v1/clients/{client_a}",
        expect(200, kam_b=404, admin=404, desk=403, finance=403),
        body={"city": "Kaunas"},
    ),
    Case(
        "PUT",
        "/api/v1/clients/{client_a}/credit",
        expect(403, kam_b=404, admin=404, finance=200, director=200),
        body={"credit_limit": "5000.00", "payment_terms_days": 45},
    ),
    Case("GET", "/api/v1/clients/{client_a}/contacts", expect(**BOOK_A, desk=200)),
    Case(
        "POST",
        "/api/v1/clients/{client_a}/contacts",
        expect(201, kam_b=404, admin=404, desk=403, finance=403),
        body={"name": "Petras Petraitis", "buying_role": "decision_maker"},
    ),
    Case(
        "GET",
        "/api/v1/contacts",
        expect(200),
        visible={
            "kam_a": {"contact_a"},
            "kam_b": {"contact_b"},
            "deputy": {"contact_a"},
            "head": {"contact_a"},
            "desk": {"contact_a"},
            "finance": {"contact_a", "contact_b"},
            "director": {"contact_a", "contact_b"},
            "admin": set(),
        },
    ),
    Case("GET", "/api/v1/contacts/{contact_a}", expect(**BOOK_A, desk=200)),
    Case(
        "PATCH",
        "/api/v1/contacts/{contact_a}",
        expect(200, kam_b=404, admin=404, desk=403, finance=403),
        body={"phone": "+370 600 00000"},
    ),
    Case(
        "DELETE",
        "/api/v1/contacts/{contact_a}",
        expect(200, kam_b=404, admin=404, desk=403, finance=403),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_persona_gets_the_status_its_role_allows(world, case):
    check_case(world, case)


def test_client_list_carries_balance_and_overdue_but_not_for_the_desk(world):
    build_scene(world)
    items = as_persona(world, "kam_a").get("clients").json()["items"]
    assert [(c["legal_name"], c["balance"], c["overdue"]) for c in items] == [
        # invoice 36.30 − payment 10.00 − credit note 1.21
        (world.client_a.legal_name, "25.09", "0.00")
    ]
    for item in as_persona(world, "desk").get("clients").json()["items"]:
        assert "balance" not in item and "overdue" not in item


def test_client_list_filters_and_searches(world):
    segment = SegmentFactory.create(code="horeca", name="HoReCa")
    kaunas = ClientFactory.create(
        legal_name="UAB Kauno Medis",
        owner=world.kam_a,
        price_column=world.column,
        city="Kaunas",
        vat_code="LT100200300",
        segment=segment,
        tier="key",
        status="prospect",
    )
    api = as_persona(world, "director")

    def ids(**params):
        return [c["id"] for c in api.get("clients", **params).json()["items"]]

    assert ids(q="kaun") == [kaunas.pk]
    assert ids(q="LT100200") == [kaunas.pk]
    assert ids(q=world.client_b.registration_code) == [world.client_b.pk]
    assert ids(segment=segment.pk) == [kaunas.pk]
    assert ids(tier="key") == [kaunas.pk]
    assert ids(status="prospect") == [kaunas.pk]
    assert sorted(ids(owner=world.kam_a.pk)) == sorted([world.client_a.pk, kaunas.pk])
    bad = api.get("clients", status="sleeping")
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "status"


def test_client_list_is_ordered_by_name_then_id(world):
    twins = [
        ClientFactory.create(legal_name="UAB Dvynys", owner=world.kam_a, price_column=world.column)
        for _ in range(3)
    ]
    items = as_persona(world, "kam_a").get("clients").json()["items"]
    names = [(c["legal_name"], c["id"]) for c in items]
    assert names == sorted(names)
    assert [c["id"] for c in items if c["legal_name"] == "UAB Dvynys"] == [t.pk for t in twins]


def test_client_list_does_not_grow_queries_with_the_page(world, django_assert_max_num_queries):
    for i in range(60):
        ClientFactory.create(legal_name=f"UAB Nr {i}", owner=world.kam_a, price_column=world.column)
    api = as_persona(world, "kam_a")
    # auth (token, roles, delegations) + ids + page + count + the page's balances (one
    # grouped query per ledger table: invoices, payments, credit notes, reversals)
    with django_assert_max_num_queries(12):
        response = api.get("clients", limit=50)
    assert len(response.json()["items"]) == 50


def test_a_kam_creates_a_client_for_themself_and_it_is_audited(world):
    api = as_persona(world, "kam_a")
    response = api.post(
        "clients",
        {
            "legal_name": "UAB „Šermukšnis“",
            "registration_code": "305555555",
            "price_column_id": world.column.pk,
            "city": "Šiauliai",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["username"] == "kam_a"
    assert body["legal_name"] == "UAB „Šermukšnis“"
    assert body["credit_limit"] == "0.00"
    assert AuditEntry.objects.filter(entity="clients.client", entity_id=str(body["id"])).exists()


def test_a_kam_may_not_set_a_credit_limit_when_creating(world):
    response = as_persona(world, "kam_a").post(
        "clients",
        {"legal_name": "UAB X", "price_column_id": world.column.pk, "credit_limit": "1000"},
    )
    assert response.status_code == 403
    assert not Client.objects.filter(legal_name="UAB X").exists()


def test_owner_is_not_taken_from_a_kams_body_unless_they_hold_that_book(world):
    response = as_persona(world, "kam_b").post(
        "clients",
        {"legal_name": "UAB Y", "price_column_id": world.column.pk, "owner_id": world.kam_a.pk},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "owner_id"


def test_patch_changes_only_the_fields_sent(world):
    api = as_persona(world, "kam_a")
    response = api.patch(f"clients/{world.client_a.pk}", {"city": "Klaipėda", "tier": "key"})
    assert response.status_code == 200
    world.client_a.refresh_from_db()
    assert (world.client_a.city, world.client_a.tier) == ("Klaipėda", "key")
    assert world.client_a.legal_name == "UAB „Ąžuolas“"


def test_patch_refuses_a_field_outside_the_allowlist_and_names_it(world):
    response = as_persona(world, "kam_a").patch(
        f"clients/{world.client_a.pk}", {"city": "Alytus", "credit_limit": "999999"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "unknown_field",
        "message": "credit_limit: unknown field; this field cannot be set here",
        "field": "credit_limit",
    }
    world.client_a.refresh_from_db()
    assert world.client_a.city == "Vilnius"


def test_a_kam_cannot_reassign_a_client_but_the_head_can(world):
    kam = as_persona(world, "kam_a").patch(
        f"clients/{world.client_a.pk}", {"owner_id": world.deputy.pk}
    )
    assert kam.status_code == 403
    head = as_persona(world, "head").patch(
        f"clients/{world.client_a.pk}", {"owner_id": world.deputy.pk}
    )
    assert head.status_code == 200
    assert head.json()["owner"]["username"] == "deputy"


def test_unknown_segment_is_reported_on_its_field(world):
    response = as_persona(world, "kam_a").patch(
        f"clients/{world.client_a.pk}", {"segment_id": 999999}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "segment_id"


def test_finance_sets_the_credit_limit_and_it_is_audited(world):
    response = as_persona(world, "finance").put(
        f"clients/{world.client_a.pk}/credit", {"credit_limit": "2500.50"}
    )
    assert response.status_code == 200
    assert response.json()["credit_limit"] == "2500.50"
    entry = AuditEntry.objects.filter(entity="clients.client", action="update").latest("id")
    assert entry.before == {"credit_limit": "10000.00"}
    assert entry.after == {"credit_limit": "2500.50"}


def test_negative_credit_limit_is_refused_on_its_field(world):
    response = as_persona(world, "finance").put(
        f"clients/{world.client_a.pk}/credit", {"credit_limit": "-1"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "credit_limit"
    world.client_a.refresh_from_db()
    assert world.client_a.credit_limit == Decimal("10000.00")


def test_contacts_are_created_changed_and_deleted(world):
    api = as_persona(world, "deputy")  # deputising for kam_a today
    created = api.post(
        f"clients/{world.client_a.pk}/contacts",
        {"name": "Rūta Rūtaitė", "email": "ruta@example.lt", "buying_role": "buyer"},
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert created.json()["client"]["id"] == world.client_a.pk
    changed = api.patch(f"contacts/{contact_id}", {"position": "Pirkimų vadovė"})
    assert changed.json()["position"] == "Pirkimų vadovė"
    listed = api.get(f"clients/{world.client_a.pk}/contacts").json()
    assert [c["name"] for c in listed["items"]] == ["Rūta Rūtaitė"]
    assert api.delete(f"contacts/{contact_id}").json() == {"deleted": True, "id": contact_id}
    assert api.get(f"contacts/{contact_id}").status_code == 404


def test_bad_contact_email_names_the_field(world):
    response = as_persona(world, "kam_a").post(
        f"clients/{world.client_a.pk}/contacts", {"name": "X", "email": "not-an-email"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "email"


def test_contacts_q_finds_lithuanian_letters_without_regard_to_case(world):
    """SQLite's LIKE folds ASCII only, so icontains missed "ŠIAUL" in "Šiaulytė"."""
    ContactFactory.create(
        client=world.client_a,
        name="Rūta Šiaulytė",
        position="Pirkimų vadovė",
        email="ruta@zalgiris.lt",
        phone="+370 612 34567",
    )
    ContactFactory.create(
        client=world.client_a, name="Jonas Jonaitis", position="Direktorius", email="j@x.lt"
    )
    ContactFactory.create(client=world.client_b, name="Žilvinas Šiaulys", email="z@x.lt")
    kam_a = as_persona(world, "kam_a")
    for q in ("šiaul", "ŠIAULYTĖ", "siaulyte", "VADOVĖ", "vadove", "612 345", "RUTA@Z"):
        found = kam_a.get("contacts", q=q).json()["items"]
        assert [c["name"] for c in found] == ["Rūta Šiaulytė"], q
    assert [c["name"] for c in kam_a.get("contacts", q="  ").json()["items"]] == [
        "Jonas Jonaitis",
        "Rūta Šiaulytė",
    ]
    # Still scoped: kam_b finds only the contact of their own client.
    found = as_persona(world, "kam_b").get("contacts", q="ŠIAUL").json()["items"]
    assert [c["name"] for c in found] == ["Žilvinas Šiaulys"]
    # The search column follows a change made through the service.
    contact = world.client_a.contacts.get(name="Jonas Jonaitis")
    changed = kam_a.patch(f"contacts/{contact.pk}", {"position": "Tiekimo skyriaus vadovas"})
    assert changed.status_code == 200
    found = kam_a.get("contacts", q="VADOV").json()["items"]
    assert [c["name"] for c in found] == ["Jonas Jonaitis", "Rūta Šiaulytė"]

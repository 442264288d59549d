from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from raktas.audit.models import AuditEntry
from raktas.clients.services import client_set_credit, client_update, contact_create
from raktas.core.exceptions import PermissionDenied
from raktas.org.selectors import audit_entries_for
from raktas.org.services import delegation_create, role_grant


def test_a_change_records_who_when_and_the_values_before_and_after(world):
    client_update(by=world.kam_a, client=world.client_a, city="Kaunas", tier="key")
    entry = AuditEntry.objects.filter(
        entity="clients.client", entity_id=str(world.client_a.pk)
    ).first()
    assert entry is not None
    assert entry.actor_username == "kam_a" and entry.action == "update"
    assert entry.before == {"city": "Vilnius", "tier": "maintain"}
    assert entry.after == {"city": "Kaunas", "tier": "key"}


def test_credit_limit_changes_are_audited_with_the_amounts(world):
    client_set_credit(by=world.finance, client=world.client_a, credit_limit=Decimal("2500.00"))
    entry = AuditEntry.objects.filter(entity="clients.client").first()
    assert entry is not None
    assert entry.before == {"credit_limit": "10000.00"} and entry.after == {
        "credit_limit": "2500.00"
    }


def test_an_update_that_changes_nothing_writes_nothing(world):
    before = AuditEntry.objects.count()
    client_update(by=world.kam_a, client=world.client_a, city=world.client_a.city)
    assert AuditEntry.objects.count() == before


def test_contacts_roles_and_delegations_are_audited(world):
    contact_create(by=world.kam_a, client=world.client_a, name="Rūta Žukauskienė")
    role_grant(by=world.admin, user=world.kam_b, role="head_of_sales")
    import datetime as dt

    delegation_create(
        by=world.kam_b,
        kam=world.kam_b,
        deputy=world.kam_a,
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 5),
    )
    actions = set(AuditEntry.objects.values_list("entity", "action"))
    assert {
        ("clients.contact", "create"),
        ("org.user", "grant_role"),
        ("org.delegation", "create"),
    } <= actions


def test_nobody_can_edit_or_delete_the_log_even_through_the_orm(world):
    client_update(by=world.kam_a, client=world.client_a, city="Klaipėda")
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.note == ""


@pytest.mark.parametrize("name", ["kam_a", "kam_b", "deputy", "head", "desk", "finance", "admin"])
def test_only_the_director_reads_the_log(world, name):
    with pytest.raises(PermissionDenied):
        audit_entries_for(world.persona(name))


def test_the_director_reads_the_log(world):
    client_update(by=world.kam_a, client=world.client_a, city="Šiauliai")
    assert audit_entries_for(world.director).filter(entity="clients.client").exists()

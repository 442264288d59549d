from decimal import Decimal

import pytest

from raktas.clients.selectors import clients_visible_to
from raktas.clients.services import client_create, client_update, contact_create
from raktas.core.exceptions import PermissionDenied, ValidationFailed
from raktas.ledger.selectors import with_balances


def test_a_kam_creates_a_client_in_their_own_book(world):
    client = client_create(by=world.kam_a, legal_name="UAB „Žalgiris“", price_column=world.column)
    assert client.owner == world.kam_a
    assert client in clients_visible_to(world.persona("kam_a"))


def test_a_kam_cannot_give_a_client_to_another_team(world):
    with pytest.raises(ValidationFailed) as err:
        client_create(by=world.kam_a, owner=world.kam_b, legal_name="X", price_column=world.column)
    assert err.value.field == "owner"


def test_a_kam_may_not_set_credit_limit_but_finance_may(world):
    with pytest.raises(PermissionDenied):
        client_update(by=world.kam_a, client=world.client_a, credit_limit=Decimal("1"))
    client_update(by=world.finance, client=world.client_a, credit_limit=Decimal("1.00"))
    world.client_a.refresh_from_db()
    assert world.client_a.credit_limit == Decimal("1.00")


def test_finance_may_not_edit_the_profile(world):
    with pytest.raises(PermissionDenied):
        client_update(by=world.finance, client=world.client_a, city="Kaunas")


def test_the_head_reassigns_within_the_team_only(world):
    client_update(by=world.head, client=world.client_a, owner=world.deputy)
    world.client_a.refresh_from_db()
    assert world.client_a.owner == world.deputy
    with pytest.raises(ValidationFailed):
        client_update(by=world.head, client=world.client_a, owner=world.kam_b)


def test_bad_input_names_the_field_and_writes_nothing(world):
    with pytest.raises(ValidationFailed) as err:
        client_update(by=world.kam_a, client=world.client_a, city="Kaunas", status="bankrupt")
    assert err.value.field == "status"
    world.client_a.refresh_from_db()
    assert world.client_a.city == "Vilnius"


def test_an_unknown_field_is_refused_not_ignored(world):
    with pytest.raises(ValidationFailed) as err:
        client_update(by=world.kam_a, client=world.client_a, created_at="2020-01-01")
    assert err.value.field == "created_at"


def test_contacts_validate_email(world):
    with pytest.raises(ValidationFailed) as err:
        contact_create(by=world.kam_a, client=world.client_a, name="Jonas", email="not-an-email")
    assert err.value.field == "email"


def test_with_balances_annotates_zero_for_a_new_client(world):
    row = with_balances(clients_visible_to(world.persona("kam_a"))).get()
    assert (getattr(row, "balance"), getattr(row, "overdue")) == (Decimal("0"), Decimal("0"))  # noqa: B009

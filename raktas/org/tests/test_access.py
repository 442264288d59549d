"""Who sees what, per persona, through the one scoped selector per entity."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from raktas.clients.selectors import clients_visible_to, get_client_for
from raktas.core.exceptions import NotFound, PermissionDenied
from raktas.ledger.selectors import (
    get_balance_for,
    invoices_visible_to,
    payments_visible_to,
)
from raktas.ledger.services import payment_record
from raktas.orders.selectors import orders_visible_to
from raktas.orders.services import (
    order_add_line,
    order_confirm,
    order_create,
    order_invoice,
    order_ship,
    order_submit,
)
from raktas.org.access import compute_scope, sees_margin
from raktas.org.models import Delegation

EXPECTED_CLIENTS = {
    "kam_a": {"client_a"},
    "deputy": {"client_a", "client_d"},
    "kam_b": {"client_b"},
    "head": {"client_a", "client_d"},
    "desk": set(),
    "finance": {"client_a", "client_b", "client_d"},
    "director": {"client_a", "client_b", "client_d"},
    "admin": set(),
}


def _names(world, qs):
    by_pk = {getattr(world, n).pk: n for n in ("client_a", "client_b", "client_d")}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_CLIENTS.items())
def test_each_persona_sees_exactly_their_clients(world, persona, expected):
    assert _names(world, clients_visible_to(world.persona(persona))) == expected


def _submitted_order(world, client, by):
    order = order_create(by=by, client=client)
    order_add_line(by=by, order=order, product=world.products[0], quantity=Decimal(1))
    return order_submit(by=by, order=order)


def test_the_desk_sees_submitted_orders_and_their_clients_but_not_drafts(world):
    draft = order_create(by=world.kam_b, client=world.client_b)
    submitted = _submitted_order(world, world.client_a, world.kam_a)
    desk = world.persona("desk")
    assert list(orders_visible_to(desk)) == [submitted]
    assert draft not in orders_visible_to(desk)
    assert _names(world, clients_visible_to(desk)) == {"client_a"}


def test_the_desk_never_sees_payments_or_balances(world):
    order = _submitted_order(world, world.client_a, world.kam_a)
    order_confirm(by=world.desk, order=order)
    order_ship(by=world.desk, order=order)
    invoice = order_invoice(by=world.desk, order=order)
    payment_record(
        by=world.finance,
        client=world.client_a,
        amount=Decimal("5.00"),
        received_on=invoice.issue_date,
    )
    desk = world.persona("desk")
    assert list(invoices_visible_to(desk)) == [invoice]
    assert not payments_visible_to(desk).exists()
    with pytest.raises(NotFound):
        get_balance_for(desk, world.client_a.pk)


def test_invisible_is_404_and_visible_but_not_changeable_is_403(world):
    with pytest.raises(NotFound):
        get_client_for(world.persona("kam_b"), world.client_a.pk)
    with pytest.raises(PermissionDenied):
        get_client_for(world.persona("finance"), world.client_a.pk, write=True)
    assert get_client_for(world.persona("deputy"), world.client_a.pk, write=True) == world.client_a


def test_a_delegation_ends_by_itself(world):
    deputy = world.persona("deputy")
    later = timezone.localdate() + dt.timedelta(days=8)
    assert world.kam_a.pk in compute_scope(deputy).kam_ids
    assert world.kam_a.pk not in compute_scope(deputy, on=later).kam_ids


def test_a_revoked_delegation_stops_at_once(world):
    Delegation.objects.update(revoked_at=timezone.now())
    assert _names(world, clients_visible_to(world.persona("deputy"))) == {"client_d"}


def test_a_deactivated_user_sees_nothing(world):
    world.kam_a.is_active = False
    world.kam_a.save()
    assert not clients_visible_to(world.persona("kam_a")).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("kam_a", True),
        ("head", True),
        ("director", True),
        ("desk", False),
        ("finance", False),
        ("finance_margin", True),
        ("admin", False),
    ],
)
def test_cost_and_margin_are_hidden_from_the_desk_and_from_finance_unless_granted(
    world, persona, expected
):
    assert sees_margin(world.persona(persona)) is expected


def test_finance_sees_every_balance_kam_only_their_book(world):
    assert get_balance_for(world.persona("finance"), world.client_b.pk)["balance"] == Decimal("0")
    with pytest.raises(NotFound):
        get_balance_for(world.persona("kam_a"), world.client_b.pk)

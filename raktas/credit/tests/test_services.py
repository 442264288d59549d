"""Credit control: the exposure rule in order_submit, override requests and holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from raktas.audit.models import AuditEntry
from raktas.clients.models import Client, ClientStatus, TimelineEvent
from raktas.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from raktas.credit.models import CreditHold, HoldKind, OverrideRequest, OverrideStatus
from raktas.credit.services import (
    CreditRefused,
    credit_hold_lift,
    credit_hold_set,
    exposure_of,
    override_approve,
    override_reject,
)
from raktas.ledger.services import credit_note_create, payment_record
from raktas.orders.models import OrderStatus
from raktas.orders.services import (
    order_confirm,
    order_invoice,
    order_return,
    order_ship,
    order_submit,
)
from raktas.testing.credit import draft, invoice, set_limit

TODAY = timezone.localdate


def test_it_admits_an_order_within_the_limit(world):
    set_limit(world.client_a, "100.00")
    order = draft(world, world.client_a, 8)  # 96.80
    order_submit(by=world.kam_a, order=order)
    assert order.status == OrderStatus.SUBMITTED
    assert not OverrideRequest.objects.exists()


def test_it_blocks_order_over_credit_limit_and_opens_an_override(world):
    set_limit(world.client_a, "100.00")
    order = draft(world, world.client_a, 9)  # 108.90
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    error = refused.value
    assert error.code == "credit_limit_exceeded"
    assert error.field == "client"
    assert error.status == 409
    assert "108.90" in error.message and "100.00" in error.message
    assert "over the credit limit" in error.message
    override = OverrideRequest.objects.get()
    assert f"Override request #{override.pk}" in error.message
    assert override.status == OverrideStatus.PENDING
    assert override.order_amount == Decimal("108.90")
    assert override.exposure == Decimal("0.00")
    assert override.credit_limit == Decimal("100.00")
    assert override.requested_by == world.kam_a
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert AuditEntry.objects.filter(
        action="credit.override_request", entity="credit.overriderequest"
    ).exists()
    assert TimelineEvent.objects.filter(client=world.client_a, kind="override_requested").exists()


def test_exposure_is_open_balance_plus_orders_not_yet_invoiced(world):
    client = set_limit(world.client_a, "100000.00")
    today = TODAY()
    invoice(world, client, "1000.00", issued=today, due=today + dt.timedelta(days=30))
    payment_record(by=world.finance, client=client, amount=Decimal("300.00"), received_on=today)
    credit_note_create(
        by=world.finance,
        client=client,
        net=Decimal("100.00"),
        vat_rate=Decimal(0),
        reason="price",
        issue_date=today,
    )
    submitted = draft(world, client, 1)
    order_submit(by=world.kam_a, order=submitted)
    confirmed = draft(world, client, 2)
    order_submit(by=world.kam_a, order=confirmed)
    order_confirm(by=world.desk, order=confirmed)
    shipped = draft(world, client, 3)
    order_submit(by=world.kam_a, order=shipped)
    order_confirm(by=world.desk, order=shipped)
    order_ship(by=world.desk, order=shipped)
    draft(world, client, 50)  # drafts do not count

    exposure = exposure_of(client)
    assert exposure.balance == Decimal("600.00")
    assert exposure.open_orders == Decimal("72.60")  # (1 + 2 + 3) × 12.10
    assert exposure.exposure == Decimal("672.60")
    assert exposure.headroom == Decimal("99327.40")

    # Invoicing moves the shipped order from open orders into the balance: no change.
    order_invoice(by=world.finance, order=shipped, issue_date=today)
    after = exposure_of(client)
    assert after.open_orders == Decimal("36.30")
    assert after.exposure == Decimal("672.60")


def test_it_refuses_when_debt_is_overdue_past_the_grace_period(world):
    client = world.client_a
    today = TODAY()
    invoice(
        world,
        client,
        "50.00",
        issued=today - dt.timedelta(days=60),
        due=today - dt.timedelta(days=16),
    )
    order = draft(world, client, 1)
    with override_settings(CREDIT_OVERDUE_GRACE_DAYS=15), pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    assert refused.value.code == "overdue_debt"
    assert "overdue by more than 15 days" in refused.value.message
    assert OverrideRequest.objects.get().overdue_amount == Decimal("50.00")

    with override_settings(CREDIT_OVERDUE_GRACE_DAYS=20):
        order_submit(by=world.kam_a, order=order)
    assert order.status == OrderStatus.SUBMITTED


def test_an_unallocated_payment_offsets_overdue_debt(world):
    client = world.client_a
    today = TODAY()
    invoice(
        world,
        client,
        "50.00",
        issued=today - dt.timedelta(days=90),
        due=today - dt.timedelta(days=60),
    )
    payment_record(
        by=world.finance, client=client, amount=Decimal("50.00"), received_on=today, allocate="none"
    )
    assert exposure_of(client).overdue_past_grace == Decimal("0.00")
    order = draft(world, client, 1)
    order_submit(by=world.kam_a, order=order)
    assert order.status == OrderStatus.SUBMITTED


def test_it_refuses_a_blocked_client(world):
    order = draft(world, world.client_a, 1)
    Client.objects.filter(pk=world.client_a.pk).update(status=ClientStatus.BLOCKED)
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    assert refused.value.code == "client_blocked"
    assert OverrideRequest.objects.get().reason == "client_blocked"


def test_it_refuses_while_shipments_are_stopped_and_lifting_releases(world):
    hold = credit_hold_set(
        client=world.client_a, kind=HoldKind.STOP_SHIPMENTS, reason="45 days overdue"
    )
    order = draft(world, world.client_a, 1)
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    assert refused.value.code == "stop_shipments"
    credit_hold_lift(by=world.finance, hold=hold, reason="paid in full")
    order_submit(by=world.kam_a, order=order)
    assert order.status == OrderStatus.SUBMITTED
    assert AuditEntry.objects.filter(action="credit.hold_lift").exists()


def test_only_finance_or_the_director_set_and_lift_holds(world):
    with pytest.raises(PermissionDenied):
        credit_hold_set(client=world.client_a, kind="stop_shipments", reason="x", by=world.kam_a)
    hold = credit_hold_set(
        client=world.client_a, kind="stop_shipments", reason="x", by=world.finance
    )
    with pytest.raises(PermissionDenied):
        credit_hold_lift(by=world.head, hold=hold, reason="no")
    # Setting the same kind again keeps the one active hold.
    again = credit_hold_set(client=world.client_a, kind="stop_shipments", reason="y")
    assert again.pk == hold.pk
    assert CreditHold.objects.count() == 1


def test_a_second_refusal_refreshes_the_pending_request(world):
    set_limit(world.client_a, "10.00")
    order = draft(world, world.client_a, 1)
    for _ in range(2):
        with pytest.raises(CreditRefused):
            order_submit(by=world.kam_a, order=order)
    assert OverrideRequest.objects.filter(status=OverrideStatus.PENDING).count() == 1
    assert AuditEntry.objects.filter(action="credit.override_refresh").count() == 1


def _refused(world, units=9, limit="100.00"):
    set_limit(world.client_a, limit)
    order = draft(world, world.client_a, units)
    with pytest.raises(CreditRefused):
        order_submit(by=world.kam_a, order=order)
    return order, OverrideRequest.objects.get(order=order, status=OverrideStatus.PENDING)


def test_the_head_of_sales_approves_and_the_order_is_submitted(world):
    order, override = _refused(world)
    approved = override_approve(by=world.head, override=override, reason="Pays late but pays")
    assert approved.status == OverrideStatus.APPROVED
    assert approved.decided_by == world.head
    assert approved.decision_reason == "Pays late but pays"
    assert approved.admitted_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED
    actions = set(
        AuditEntry.objects.filter(entity="credit.overriderequest").values_list("action", flat=True)
    )
    assert actions == {
        "credit.override_request",
        "credit.override_approved",
        "credit.admit_override",
    }
    assert TimelineEvent.objects.filter(kind="override_decided", client=world.client_a).exists()


def test_an_approval_admits_that_order_once(world):
    order, override = _refused(world)
    override_approve(by=world.director, override=override, reason="Strategic client")
    order.refresh_from_db()
    order_return(by=world.desk, order=order, comment="Wrong delivery address")
    order.refresh_from_db()
    with pytest.raises(CreditRefused):
        order_submit(by=world.kam_a, order=order)
    assert OverrideRequest.objects.filter(order=order, status=OverrideStatus.PENDING).count() == 1


@pytest.mark.parametrize("name", ["kam_a", "deputy", "kam_b", "desk", "finance"])
def test_only_the_head_of_the_team_or_the_director_decide(world, name):
    _order, override = _refused(world)
    with pytest.raises(PermissionDenied):
        override_approve(by=world.persona(name), override=override, reason="ok")
    with pytest.raises(PermissionDenied):
        override_reject(by=world.persona(name), override=override, reason="no")


def test_a_head_of_another_team_may_not_decide(world):
    from raktas.testing.factories import UserFactory

    south_head = UserFactory.create(username="south_head", roles=("head_of_sales",))
    world.south.head = south_head
    world.south.save()
    _order, override = _refused(world)
    with pytest.raises(PermissionDenied):
        override_approve(by=south_head, override=override, reason="ok")


def test_the_head_may_not_approve_a_request_they_made(world):
    set_limit(world.client_a, "10.00")
    order = draft(world, world.client_a, 1, by=world.head)
    with pytest.raises(CreditRefused):
        order_submit(by=world.head, order=order)
    override = OverrideRequest.objects.get()
    with pytest.raises(PermissionDenied):
        override_approve(by=world.head, override=override, reason="mine")
    override_approve(by=world.director, override=override, reason="director's call")


def test_rejection_keeps_the_order_a_draft_and_says_why(world):
    order, override = _refused(world)
    rejected = override_reject(by=world.head, override=override, reason="Too much risk")
    assert rejected.status == OverrideStatus.REJECTED
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert AuditEntry.objects.filter(action="credit.override_rejected").exists()
    with pytest.raises(Conflict):
        override_approve(by=world.head, override=rejected, reason="changed my mind")


def test_a_decision_needs_a_reason(world):
    _order, override = _refused(world)
    with pytest.raises(ValidationFailed):
        override_approve(by=world.head, override=override, reason="  ")


def test_approval_is_refused_when_the_order_changed_since(world):
    from raktas.orders.services import order_add_line

    order, override = _refused(world)
    order_add_line(by=world.kam_a, order=order, product=world.products[1], quantity=Decimal(1))
    with pytest.raises(Conflict) as conflict:
        override_approve(by=world.head, override=override, reason="ok")
    assert conflict.value.code == "order_changed"
    override.refresh_from_db()
    assert override.status == OverrideStatus.PENDING


def test_a_zero_limit_grants_no_credit(world):
    set_limit(world.client_a, "0.00")
    order = draft(world, world.client_a, 1)
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    assert refused.value.code == "credit_limit_exceeded"


def test_every_reason_is_listed_with_the_worst_first(world):
    set_limit(world.client_a, "10.00")
    today = TODAY()
    invoice(
        world,
        world.client_a,
        "5.00",
        issued=today - dt.timedelta(days=90),
        due=today - dt.timedelta(days=60),
    )
    order = draft(world, world.client_a, 1)
    Client.objects.filter(pk=world.client_a.pk).update(status=ClientStatus.BLOCKED)
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    codes = [r.code for r in refused.value.refusals]
    assert codes == ["client_blocked", "overdue_debt", "credit_limit_exceeded"]
    assert [r["code"] for r in OverrideRequest.objects.get().reasons] == codes

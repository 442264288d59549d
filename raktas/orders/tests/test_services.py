from decimal import Decimal

import pytest

from raktas.core.exceptions import IllegalTransition, PermissionDenied, ValidationFailed
from raktas.ledger.selectors import client_balance
from raktas.ledger.services import payment_record
from raktas.orders.models import OrderStatus
from raktas.orders.selectors import desk_queue
from raktas.orders.services import (
    order_add_line,
    order_cancel,
    order_change_line,
    order_confirm,
    order_create,
    order_invoice,
    order_refuse,
    order_return,
    order_ship,
    order_submit,
)


def _order_with_lines(world, by=None):
    by = by or world.kam_a
    order = order_create(by=by, client=world.client_a)
    for product, qty in zip(world.products, (2, 1, 3), strict=True):
        order_add_line(
            by=by, order=order, product=product, quantity=Decimal(qty), discount_pct=Decimal("10")
        )
    return order


def test_lines_are_priced_at_the_clients_column_with_discount_and_vat(world):
    order = _order_with_lines(world)
    lines = list(order.lines.order_by("line_no"))
    assert [line.list_price for line in lines] == [
        Decimal("10.0000"),
        Decimal("20.0000"),
        Decimal("30.0000"),
    ]
    # 2*10*0.9=18, 1*20*0.9=18, 3*30*0.9=81 → net 117, VAT 21 % = 24.57
    assert order.net_total == Decimal("117.00")
    assert order.vat_total == Decimal("24.57")
    assert order.gross_total == Decimal("141.57")
    assert order.cost_total == Decimal("36.00")


def test_full_flow_from_draft_to_paid(world):
    order = _order_with_lines(world)
    order_submit(by=world.kam_a, order=order)
    assert list(desk_queue(world.desk)) == [order]
    order_confirm(by=world.desk, order=order)
    order_ship(by=world.desk, order=order)
    invoice = order_invoice(by=world.finance, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert invoice.gross_total == Decimal("141.57") and invoice.open_amount == Decimal("141.57")
    payment_record(
        by=world.finance,
        client=world.client_a,
        amount=Decimal("100.00"),
        received_on=invoice.issue_date,
        reference="part",
    )
    balance = client_balance(world.client_a)
    assert balance["balance"] == Decimal("41.57")
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("41.57")


def test_it_refuses_an_illegal_move(world):
    order = _order_with_lines(world)
    with pytest.raises(IllegalTransition):
        order_ship(by=world.desk, order=order)
    order_submit(by=world.kam_a, order=order)
    with pytest.raises(IllegalTransition):
        order_submit(by=world.kam_a, order=order)


def test_desk_returns_an_order_to_the_kam_with_a_comment(world):
    order = _order_with_lines(world)
    order_submit(by=world.kam_a, order=order)
    with pytest.raises(ValidationFailed):
        order_return(by=world.desk, order=order, comment=" ")
    order_return(by=world.desk, order=order, comment="Check quantity of P-3")
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT and order.returned_count == 1
    order_change_line(by=world.kam_a, line=order.lines.get(line_no=3), quantity=Decimal(1))
    order_submit(by=world.kam_a, order=order)


def test_lines_cannot_change_after_submission(world):
    order = _order_with_lines(world)
    order_submit(by=world.kam_a, order=order)
    with pytest.raises(ValidationFailed):
        order_add_line(by=world.kam_a, order=order, product=world.products[0], quantity=Decimal(1))


def test_kam_b_may_not_write_on_kam_a_client(world):
    with pytest.raises(PermissionDenied):
        order_create(by=world.kam_b, client=world.client_a)


def test_deputy_takes_orders_for_the_delegating_kam(world):
    order = _order_with_lines(world, by=world.deputy)
    assert order.kam == world.deputy


def test_refusal_needs_a_known_reason_and_cancel_is_final(world):
    order = _order_with_lines(world)
    order_submit(by=world.kam_a, order=order)
    with pytest.raises(ValidationFailed):
        order_refuse(by=world.desk, order=order, reason="bored")
    order_refuse(by=world.desk, order=order, reason="out_of_stock")
    with pytest.raises(IllegalTransition):
        order_cancel(by=world.desk, order=order)


def test_an_empty_order_cannot_be_submitted(world):
    order = order_create(by=world.kam_a, client=world.client_a)
    with pytest.raises(ValidationFailed) as err:
        order_submit(by=world.kam_a, order=order)
    assert err.value.field == "lines"

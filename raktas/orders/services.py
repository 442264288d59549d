"""Every change to orders: lines, and the moves draft → submitted → confirmed → shipped
→ invoiced, or cancelled / refused before shipping. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from raktas.audit.services import record, snapshot
from raktas.catalog.models import Product
from raktas.catalog.selectors import price_for
from raktas.clients.models import Client, ClientStatus
from raktas.core.events import publish
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO, q2
from raktas.core.services import assign, refusals_recorded
from raktas.ledger.models import Invoice
from raktas.ledger.services import IssuedLine, invoice_issue
from raktas.orders.events import OrderStatusChanged, OrderSubmitting
from raktas.orders.models import Order, OrderLine, OrderStatus, RefusalReason
from raktas.orders.selectors import require_on_order
from raktas.org.access import Action, handles_orders, require
from raktas.org.models import Role, User

HUNDRED = Decimal(100)
LINE_AUDIT_FIELDS = ("product", "quantity", "list_price", "discount_pct", "net", "vat", "gross")
MAX_DISCOUNT = Decimal("100")


def _lock(order: Order) -> Order:
    """Re-read the order under a row lock: its status is what every move checks."""
    fresh = Order.objects.select_for_update().select_related("client").get(pk=order.pk)
    order.__dict__.update(fresh.__dict__)
    return order


def _check_quantity(quantity: Decimal) -> Decimal:
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise ValidationFailed("quantity: must be greater than zero", field="quantity")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise ValidationFailed("quantity: at most three decimal places", field="quantity")
    return quantity


def _check_discount(discount: Decimal) -> Decimal:
    if not isinstance(discount, Decimal):
        discount = Decimal(str(discount))
    if discount < 0 or discount > MAX_DISCOUNT:
        raise ValidationFailed("discount_pct: must be between 0 and 100", field="discount_pct")
    if discount != discount.quantize(Decimal("0.01")):
        raise ValidationFailed("discount_pct: at most two decimal places", field="discount_pct")
    return discount


def price_line(line: OrderLine) -> None:
    """Compute net, VAT and gross of a line from quantity, list price and discount."""
    line.net = q2(line.quantity * line.list_price * (HUNDRED - line.discount_pct) / HUNDRED)
    line.vat = q2(line.net * line.vat_rate / HUNDRED)
    line.gross = line.net + line.vat


def recompute_totals(order: Order) -> None:
    sums = order.lines.aggregate(net=Sum("net"), vat=Sum("vat"), gross=Sum("gross"))
    cost = sum(
        (line.unit_cost * line.quantity for line in order.lines.only("unit_cost", "quantity")), ZERO
    )
    order.net_total = sums["net"] or ZERO
    order.vat_total = sums["vat"] or ZERO
    order.gross_total = sums["gross"] or ZERO
    order.cost_total = q2(cost)
    order.save(update_fields=["net_total", "vat_total", "gross_total", "cost_total"])


def _require_editable(order: Order) -> None:
    if not order.is_editable:
        raise ValidationFailed(
            f"Only a draft order can be changed; this one is {order.get_status_display()}.",
            code="order_not_editable",
            field="status",
        )


@transaction.atomic
def order_create(*, by: User, client: Client, **data: Any) -> Order:
    """A new draft for ``client`` at the client's price-list column."""
    require(by, Action.ORDER_WRITE, owner_id=client.owner_id)
    if client.status == ClientStatus.BLOCKED:
        raise ValidationFailed(
            "client: this client is blocked", code="client_blocked", field="client"
        )
    order = Order(
        client=client,
        kam=by if by.has_role(Role.KAM) else client.owner,
        currency=client.currency,
        price_column_id=client.price_column_id,
    )
    assign(order, data, ("order_date", "client_reference", "note", "external_id"))
    order.save()
    record(
        actor=by, action="create", obj=order, after={"client": client.pk, "status": order.status}
    )
    return order


@transaction.atomic
def order_add_line(
    *, by: User, order: Order, product: Product, quantity: Decimal, discount_pct: Decimal = ZERO
) -> OrderLine:
    """Add a line at the client's column price on the order date."""
    require_on_order(by, order, Action.ORDER_WRITE)
    _lock(order)
    _require_editable(order)
    if not product.active:
        raise ValidationFailed("product: this product is not sold any more", field="product")
    list_price = price_for(product.pk, order.price_column_id, order.order_date)
    if list_price is None:
        raise ValidationFailed(
            f"product: {product.sku} has no price in the client's column on {order.order_date}",
            code="no_price",
            field="product",
        )
    last = order.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    line = OrderLine(
        order=order,
        line_no=last + 1,
        product=product,
        quantity=_check_quantity(quantity),
        list_price=list_price,
        discount_pct=_check_discount(discount_pct),
        vat_rate=product.vat_rate,
        unit_cost=product.cost,
    )
    price_line(line)
    line.save()
    recompute_totals(order)
    record(actor=by, action="create", obj=line, after=snapshot(line, ("order", *LINE_AUDIT_FIELDS)))
    return line


@transaction.atomic
def order_change_line(
    *,
    by: User,
    line: OrderLine,
    quantity: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> OrderLine:
    order = line.order
    require_on_order(by, order, Action.ORDER_WRITE)
    _lock(order)
    _require_editable(order)
    before = snapshot(line, LINE_AUDIT_FIELDS)
    if quantity is not None:
        line.quantity = _check_quantity(quantity)
    if discount_pct is not None:
        line.discount_pct = _check_discount(discount_pct)
    price_line(line)
    line.save()
    recompute_totals(order)
    record(
        actor=by, action="update", obj=line, before=before, after=snapshot(line, LINE_AUDIT_FIELDS)
    )
    return line


@transaction.atomic
def order_remove_line(*, by: User, line: OrderLine) -> None:
    order = line.order
    require_on_order(by, order, Action.ORDER_WRITE)
    _lock(order)
    _require_editable(order)
    before = snapshot(line, ("order", *LINE_AUDIT_FIELDS))
    pk = line.pk
    line.delete()
    recompute_totals(order)
    record(actor=by, action="delete", entity="orders.orderline", entity_id=pk, before=before)


def _move(order: Order, by: User, target: str, *, comment: str = "", **extra: Any) -> Order:
    before = order.status
    order.move_to(target)
    now = timezone.now()
    stamps: dict[str, str] = {
        OrderStatus.SUBMITTED: "submitted_at",
        OrderStatus.CONFIRMED: "confirmed_at",
        OrderStatus.SHIPPED: "shipped_at",
        OrderStatus.INVOICED: "invoiced_at",
        OrderStatus.CANCELLED: "closed_at",
        OrderStatus.REFUSED: "closed_at",
    }
    stamp = stamps.get(target)
    fields = ["status", "status_comment", *extra]
    if stamp:
        setattr(order, stamp, now)
        fields.append(stamp)
    order.status_comment = comment
    for name, value in extra.items():
        setattr(order, name, value)
    order.save(update_fields=fields)
    record(
        actor=by,
        action="transition",
        obj=order,
        before={"status": before},
        after={"status": target, **({"comment": comment} if comment else {})},
    )
    # The refusal and cancellation analytics move in this transaction.
    publish(OrderStatusChanged(order=order, before=before, after=target, by=by))
    return order


@refusals_recorded
@transaction.atomic
def order_submit(*, by: User, order: Order) -> Order:
    """Hand a draft to the order desk. It needs at least one line and the consent of
    every subscriber to ``OrderSubmitting`` — credit control (``raktas.credit``:
    blocked client, holds, overdue debt, limit), whose refusal raises ``CreditRefused``
    and records an override request once this transaction has rolled back."""
    require_on_order(by, order, Action.ORDER_WRITE)
    _lock(order)
    if order.status != OrderStatus.DRAFT:
        order.move_to(OrderStatus.SUBMITTED)  # raises the domain error
    if not order.lines.exists():
        raise ValidationFailed(
            "lines: an order needs at least one line", code="order_empty", field="lines"
        )
    publish(OrderSubmitting(order=order, by=by))  # same transaction: check and admission
    extra: dict[str, Any] = {}
    if not order.number:
        extra["number"] = f"SO-{order.pk:07d}"
    return _move(order, by, OrderStatus.SUBMITTED, **extra)


@transaction.atomic
def order_confirm(*, by: User, order: Order, comment: str = "") -> Order:
    require_on_order(by, order, Action.ORDER_HANDLE)
    _lock(order)
    return _move(order, by, OrderStatus.CONFIRMED, comment=comment)


@transaction.atomic
def order_return(*, by: User, order: Order, comment: str) -> Order:
    """The desk sends a submitted order back to the KAM as a draft, saying why."""
    require_on_order(by, order, Action.ORDER_HANDLE)
    if not comment.strip():
        raise ValidationFailed("comment: say why the order goes back", field="comment")
    _lock(order)
    return _move(
        order,
        by,
        OrderStatus.DRAFT,
        comment=comment.strip(),
        returned_count=order.returned_count + 1,
    )


@transaction.atomic
def order_ship(*, by: User, order: Order) -> Order:
    require_on_order(by, order, Action.ORDER_HANDLE)
    _lock(order)
    return _move(order, by, OrderStatus.SHIPPED)


@transaction.atomic
def order_cancel(*, by: User, order: Order, comment: str = "") -> Order:
    """Cancel before shipping: the KAM while draft or submitted, the desk until shipped."""
    _lock(order)
    if order.status in (OrderStatus.DRAFT, OrderStatus.SUBMITTED) and not handles_orders(by):
        require_on_order(by, order, Action.ORDER_WRITE)
    else:
        require_on_order(by, order, Action.ORDER_HANDLE)
    return _move(order, by, OrderStatus.CANCELLED, comment=comment)


@transaction.atomic
def order_refuse(*, by: User, order: Order, reason: str, comment: str = "") -> Order:
    """The client refused the order before shipping; the reason code feeds refusal analysis."""
    if reason not in RefusalReason.values:
        raise ValidationFailed(
            f"reason: must be one of {', '.join(RefusalReason.values)}", field="reason"
        )
    _lock(order)
    if handles_orders(by):
        require_on_order(by, order, Action.ORDER_HANDLE)
    else:
        require_on_order(by, order, Action.ORDER_WRITE)
    return _move(order, by, OrderStatus.REFUSED, comment=comment, refusal_reason=reason)


@transaction.atomic
def order_invoice(*, by: User, order: Order, issue_date: dt.date | None = None) -> Invoice:
    """Invoice a shipped order: the ledger issues the document from the order's lines
    as priced (``raktas.ledger.services.invoice_issue``) and the order is invoiced.

    The order row is locked first, so two clicks on "invoice" make one invoice."""
    require_on_order(by, order, Action.ORDER_INVOICE)
    _lock(order)
    if order.status != OrderStatus.SHIPPED:
        order.move_to(OrderStatus.INVOICED)  # raises IllegalTransition with the reason
    invoice = invoice_issue(
        by=by,
        client=order.client,
        order_id=order.pk,
        issue_date=issue_date or timezone.localdate(),
        currency=order.currency,
        cost_total=order.cost_total,
        lines=[
            IssuedLine(
                line_no=line.line_no,
                product_id=line.product_id,
                description=f"{line.product.sku} {line.product.name}",
                quantity=line.quantity,
                unit_price=line.list_price * (HUNDRED - line.discount_pct) / HUNDRED,
                net=line.net,
                vat_rate=line.vat_rate,
                vat=line.vat,
                gross=line.gross,
                cost=q2(line.unit_cost * line.quantity),
            )
            for line in order.lines.select_related("product").order_by("line_no")
        ],
    )
    _move(order, by, OrderStatus.INVOICED)
    return invoice

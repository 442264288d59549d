"""Orders with their lines: one row per line, grouped by the order's ``external_id``.

Imported orders are history: they keep the status written in the file (an order
invoiced years ago arrives invoiced) instead of walking the state machine.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from raktas.audit.services import _jsonable
from raktas.catalog.models import Price, Product
from raktas.clients.models import Client, ClientStatus
from raktas.core.exceptions import PermissionDenied
from raktas.core.money import ZERO, q2
from raktas.imports import cells
from raktas.imports.base import (
    KEY_TAKEN,
    UNKNOWN_CLIENT,
    Column,
    Group,
    Importer,
    noon,
)
from raktas.imports.kinds.clients import clients_by_external_id
from raktas.imports.sql import insert_rows, update_rows, values_of
from raktas.ledger.models import Invoice
from raktas.orders.models import Order, OrderLine, OrderStatus, RefusalReason
from raktas.orders.selectors import orders_visible_to
from raktas.orders.services import price_line
from raktas.org.access import Action, has_right, holds_client_owner, today
from raktas.org.models import Role

ORDER_AUDIT_FIELDS = (
    "client",
    "kam",
    "status",
    "number",
    "order_date",
    "client_reference",
    "note",
    "refusal_reason",
    "net_total",
    "vat_total",
    "gross_total",
)
# The moment each status was reached, for the stages an imported status implies.
STAMPS: dict[str, tuple[str, ...]] = {
    OrderStatus.DRAFT: (),
    OrderStatus.SUBMITTED: ("submitted_at",),
    OrderStatus.CONFIRMED: ("submitted_at", "confirmed_at"),
    OrderStatus.SHIPPED: ("submitted_at", "confirmed_at", "shipped_at"),
    OrderStatus.INVOICED: ("submitted_at", "confirmed_at", "shipped_at", "invoiced_at"),
    OrderStatus.CANCELLED: ("closed_at",),
    OrderStatus.REFUSED: ("submitted_at", "closed_at"),
}
ALL_STAMPS = ("submitted_at", "confirmed_at", "shipped_at", "invoiced_at", "closed_at")
OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.SUBMITTED)


# Everything the importer writes on an order, and on an update (not its key or birth).
ORDER_ATTNAMES = tuple(f.attname for f in Order._meta.concrete_fields if not f.primary_key)
ORDER_UPDATE_ATTNAMES = tuple(a for a in ORDER_ATTNAMES if a not in ("external_id", "created_at"))
LINE_ATTNAMES = (
    "order_id",
    "line_no",
    "product_id",
    "quantity",
    "list_price",
    "discount_pct",
    "vat_rate",
    "unit_cost",
    "net",
    "vat",
    "gross",
)


class OrderRecord:
    """An order as the importer builds it: the attributes of ``Order`` in a plain
    object. A model instance costs more to build than the row costs to write."""

    pk: Any
    external_id: str
    client_id: int
    kam_id: int
    status: str
    number: str | None
    order_date: dt.date
    currency: str
    price_column_id: int
    client_reference: str
    note: str
    refusal_reason: str
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    cost_total: Decimal
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class Line:
    """An order line before it has an order: a plain object, not a model instance
    (building 2,000 model instances per batch costs more than writing them)."""

    __slots__ = (
        "discount_pct",
        "gross",
        "line_no",
        "list_price",
        "net",
        "product_id",
        "quantity",
        "unit_cost",
        "vat",
        "vat_rate",
    )

    def __init__(
        self,
        line_no: int,
        product_id: int,
        quantity: Decimal,
        list_price: Decimal,
        discount_pct: Decimal,
        vat_rate: Decimal,
        unit_cost: Decimal,
    ) -> None:
        self.line_no = line_no
        self.product_id = product_id
        self.quantity = quantity
        self.list_price = list_price
        self.discount_pct = discount_pct
        self.vat_rate = vat_rate
        self.unit_cost = unit_cost
        self.net = self.vat = self.gross = ZERO
        price_line(self)  # type: ignore[arg-type]  # the same arithmetic as order_add_line

    def values(self) -> tuple[Any, ...]:
        return (
            self.line_no,
            self.product_id,
            self.quantity,
            self.list_price,
            self.discount_pct,
            self.vat_rate,
            self.unit_cost,
            self.net,
            self.vat,
            self.gross,
        )


def products_by_sku(skus: set[str]) -> dict[str, Product]:
    return {p.sku: p for p in Product.objects.filter(sku__in=skus)}


class PriceBook:
    """Column prices for one batch: (column, product) → prices, newest first."""

    def __init__(self, column_ids: set[int], product_ids: set[int]):
        self._prices: dict[tuple[int, int], list[Price]] = defaultdict(list)
        if column_ids and product_ids:
            for price in Price.objects.filter(
                column_id__in=column_ids, product_id__in=product_ids
            ).order_by("-valid_from"):
                self._prices[(price.column_id, price.product_id)].append(price)

    def price(self, column_id: int, product_id: int, day: dt.date) -> Decimal | None:
        for price in self._prices[(column_id, product_id)]:
            if price.is_valid_on(day):
                return price.price
        return None


def line_numbers(group: Group, importer: Importer) -> list[int] | None:
    """``line_no`` from the file, or the position in the group; duplicates are refused."""
    numbers: list[int] = []
    seen: dict[int, int] = {}
    for position, row in enumerate(group.rows, start=1):
        number = row.get("line_no", position)
        if number in seen:
            importer.reject(row, "line_no", f"line {number} already given at row {seen[number]}")
            return None
        seen[number] = row.number
        numbers.append(number)
    return numbers


class OrderImporter(Importer):
    kind = "orders"
    label = "order"
    group_by = "external_id"
    columns = (
        Column(
            "external_id",
            cells.text(64),
            key=True,
            fmt="text, ≤ 64",
            example="SO-2024-0001",
            note="The order's id in your system; all rows of one order share it and "
            "must be consecutive.",
            aliases=("order",),
        ),
        Column(
            "client",
            cells.text(64),
            needed=True,
            header=True,
            fmt="client external_id",
            example="C-10042",
        ),
        Column(
            "order_date", cells.date, needed=True, header=True, fmt="date", example="2024-03-15"
        ),
        Column(
            "status",
            cells.choice(OrderStatus),
            header=True,
            fmt="draft | submitted | confirmed | shipped | invoiced | cancelled | refused",
            example="invoiced",
            note="Default draft. Kept as given (historical data).",
        ),
        Column(
            "number",
            cells.text(32),
            header=True,
            fmt="text, ≤ 32",
            example="U-000123",
            note="Default for non-drafts: SO-<id>.",
        ),
        Column(
            "kam",
            cells.text(150),
            header=True,
            fmt="username",
            example="kam1",
            note="Who took the order. Default: the importing KAM, else the client's owner.",
        ),
        Column(
            "client_reference", cells.text(64), header=True, fmt="text, ≤ 64", example="PO-7781"
        ),
        Column("note", cells.text(5000), header=True, fmt="text", example="Pristatyti iki 10 val."),
        Column(
            "refusal_reason",
            cells.choice(RefusalReason),
            header=True,
            fmt=" | ".join(RefusalReason.values),
            example="price",
            note="Required when status is refused.",
        ),
        Column(
            "line_no",
            cells.integer(minimum=1, maximum=100_000),
            fmt="whole number ≥ 1",
            example="1",
            note="Default: the row's position within the order.",
        ),
        Column(
            "sku",
            cells.text(64),
            key=True,
            fmt="product SKU",
            example="KAV-250-ARABICA",
            aliases=("product",),
        ),
        Column(
            "quantity",
            cells.decimal(places=3, positive=True),
            key=True,
            fmt="number > 0, up to 3 decimals",
            example="12",
            aliases=("qty",),
        ),
        Column(
            "unit_price",
            cells.decimal(places=4),
            fmt="amount ≥ 0, up to 4 decimals",
            example="4,99",
            aliases=("price", "list_price"),
            note="The list price before discount. Empty: the client's column price on the "
            "order date.",
        ),
        Column(
            "discount_pct",
            cells.decimal(places=2, maximum=Decimal(100)),
            fmt="percent 0–100",
            example="5",
            aliases=("discount",),
            note="Default 0.",
        ),
        Column(
            "vat_rate",
            cells.decimal(places=2, maximum=Decimal(100)),
            fmt="percent 0–100",
            example="21",
            note="Default: the product's VAT rate.",
        ),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_defaults = {
            f.attname: f.get_default()
            for f in Order._meta.concrete_fields
            if not f.primary_key and f.attname != "external_id"
        }
        self.order_defaults["created_at"] = self.now
        self._noon: dict[dt.date, dt.datetime] = {}
        # The id range of the orders this run created, for the run's audit entry.
        self.first_id: int | None = None
        self.last_id: int | None = None

    def check_file(self) -> None:
        if not has_right(self.by, Action.ORDER_WRITE):
            raise PermissionDenied("Your role may not import orders.")

    def process_groups(self, groups: list[Group]) -> None:
        if not groups:
            return
        keys = [g.key for g in groups]
        existing = {
            o.external_id: o
            for o in Order.objects.filter(external_id__in=keys).select_related("client")
        }
        visible = set(
            orders_visible_to(self.by)
            .filter(pk__in=[o.pk for o in existing.values()])
            .values_list("pk", flat=True)
        )
        invoiced = set(
            Invoice.objects.filter(order_id__in=[o.pk for o in existing.values()]).values_list(
                "order_id", flat=True
            )
        )
        client_refs = {g.first.values["client"] for g in groups if g.first.get("client")}
        clients = clients_by_external_id(self.by, client_refs, writable=False)
        products = products_by_sku({r.values["sku"] for g in groups for r in g.rows})
        column_ids = {c.price_column_id for c in clients.values()}
        column_ids |= {o.price_column_id for o in existing.values()}
        book = PriceBook(column_ids, {p.pk for p in products.values()})
        numbers = {g.first.values["number"] for g in groups if g.first.get("number")}
        number_holder = dict(
            Order.objects.filter(number__in=numbers).values_list("number", "external_id")
        )
        old_lines: dict[int, list[OrderLine]] = defaultdict(list)
        for line in OrderLine.objects.filter(order_id__in=[o.pk for o in existing.values()]):
            old_lines[line.order_id].append(line)

        new_orders: list[OrderRecord] = []
        changed: list[OrderRecord] = []
        lines_of: dict[str, list[Line]] = {}
        audits: list[tuple[OrderRecord, dict[str, Any]]] = []
        for group in groups:
            old = existing.get(group.key)
            if old is not None and not (
                old.pk in visible and holds_client_owner(self.by, old.client.owner_id)
            ):
                self.reject_group(group, "external_id", KEY_TAKEN)
                continue
            built = self._build(group, old, clients, products, book)
            if built is None:
                continue
            order, lines = built
            number = order.number
            if number:
                if number_holder.get(number, group.key) != group.key:
                    self.reject_group(group, "number", "already used by another order")
                    continue
                number_holder[number] = group.key
            if old is None:
                new_orders.append(order)
                self._touch(order, lines)
            else:
                before = self._audit_view(old, old_lines[old.pk])
                if before == self._audit_view(order, lines):
                    self.report.unchanged += 1
                    continue
                if old.pk in invoiced:
                    self.reject_group(
                        group, "external_id", "the order is already invoiced; it cannot change"
                    )
                    continue
                changed.append(order)
                audits.append((order, before))
                self._touch(old, old_lines[old.pk])
                self._touch(order, lines)
            lines_of[group.key] = lines
        if not lines_of:
            return
        insert_rows(Order, ORDER_ATTNAMES, [values_of(o, ORDER_ATTNAMES) for o in new_orders])
        update_rows(
            Order,
            ORDER_UPDATE_ATTNAMES,
            [(*values_of(o, ORDER_UPDATE_ATTNAMES), o.pk) for o in changed],
        )
        if new_orders:
            ids = dict(
                Order.objects.filter(
                    external_id__in=[o.external_id for o in new_orders]
                ).values_list("external_id", "pk")
            )
            for order in new_orders:
                order.pk = ids[order.external_id]
        OrderLine.objects.filter(order_id__in=[o.pk for o in changed]).delete()
        insert_rows(
            OrderLine,
            LINE_ATTNAMES,
            [
                (order.pk, *line.values())
                for order in (*new_orders, *changed)
                for line in lines_of[order.external_id or ""]
            ],
        )
        # Submitted and later orders carry a number, as order_submit gives them.
        Order.objects.filter(
            pk__in=[o.pk for o in new_orders if not o.number and o.status != OrderStatus.DRAFT]
        ).update(number=Concat(Value("SO-"), LPad(Cast("id", CharField()), 7, Value("0"))))
        new_ids = [o.pk for o in new_orders]
        if new_ids:
            self.first_id = min(self.first_id or new_ids[0], *new_ids)
            self.last_id = max(self.last_id or 0, *new_ids)
        self.report.created += len(new_orders)
        self.report.updated += len(changed)
        for order, before in audits:
            after = self._audit_view(order, lines_of[order.external_id or ""])
            self.audit_update_of("orders.order", order.pk, before, after)

    def _build(
        self,
        group: Group,
        old: Order | None,
        clients: dict[str, Client],
        products: dict[str, Product],
        book: PriceBook,
    ) -> tuple[OrderRecord, list[Line]] | None:
        head = group.first
        v = head.values
        if old is None:
            missing = [c for c in ("client", "order_date") if v.get(c) is None]
            if missing:
                self.reject_group(group, missing[0], "required to create a new order")
                return None
            order = OrderRecord(**self.order_defaults, external_id=group.key, pk=None)
        else:
            order = OrderRecord(**{a: getattr(old, a) for a in ORDER_ATTNAMES}, pk=old.pk)
        client: Client | None = old.client if old is not None else None
        if v.get("client") is not None:
            client = clients.get(v["client"])
            if client is None:
                self.reject_group(group, "client", UNKNOWN_CLIENT)
                return None
            if not holds_client_owner(self.by, client.owner_id):
                self.reject_group(group, "client", "this client is not in your book")
                return None
        assert client is not None
        if old is None or order.client_id != client.pk:
            order.client_id = client.pk
            order.currency = client.currency
            order.price_column_id = client.price_column_id
        if v.get("order_date") is not None:
            order.order_date = v["order_date"]
        if "status" in v:
            order.status = v["status"] or OrderStatus.DRAFT
        for name in ("client_reference", "note"):
            if name in v:
                setattr(order, name, v[name] or "")
        if v.get("number") is not None:
            order.number = v["number"]
        if "refusal_reason" in v:
            order.refusal_reason = v["refusal_reason"] or ""
        if order.status == OrderStatus.REFUSED and not order.refusal_reason:
            self.reject_group(group, "refusal_reason", "required when the status is refused")
            return None
        if order.status != OrderStatus.REFUSED:
            order.refusal_reason = ""
        if order.status in OPEN_STATUSES and client.status == ClientStatus.BLOCKED:
            self.reject_group(group, "client", "this client is blocked; it takes no new orders")
            return None
        if v.get("kam") is not None:
            kam = self.kam_named(head, "kam")
            if kam is None:
                self.reject_group(group, "kam", "unknown user")
                return None
            order.kam_id = kam.pk
        elif old is None:
            order.kam_id = self.by.pk if self.by.has_role(Role.KAM) else client.owner_id
        if old is None or old.status != order.status or old.order_date != order.order_date:
            stamp = self.noon(order.order_date)
            for name in ALL_STAMPS:
                setattr(order, name, stamp if name in STAMPS[order.status] else None)
        lines = self._lines(group, order, products, book)
        if lines is None:
            return None
        order.net_total = sum((line.net for line in lines), ZERO)
        order.vat_total = sum((line.vat for line in lines), ZERO)
        order.gross_total = sum((line.gross for line in lines), ZERO)
        order.cost_total = q2(sum((line.unit_cost * line.quantity for line in lines), ZERO))
        return order, lines

    def _touch(self, order: Order | OrderRecord, lines: Sequence[Line | OrderLine]) -> None:
        """A refused order, or a cancelled one the desk had seen, is in the rollups (in
        the month it closed); other orders are not."""
        counted = order.status == OrderStatus.REFUSED or (
            order.status == OrderStatus.CANCELLED and order.submitted_at is not None
        )
        if counted:
            closed = order.closed_at
            day = timezone.localtime(closed).date() if closed is not None else today()
            self.touch(order.client_id, day, (line.product_id for line in lines))

    def noon(self, day: dt.date) -> dt.datetime:
        if day not in self._noon:
            if len(self._noon) > 10_000:
                self._noon.clear()
            self._noon[day] = noon(day)
        return self._noon[day]

    def _lines(
        self, group: Group, order: OrderRecord, products: dict[str, Product], book: PriceBook
    ) -> list[Line] | None:
        numbers = line_numbers(group, self)
        if numbers is None:
            self.reject_group(group, "line_no", "has a repeated line number")
            return None
        lines = []
        for row, line_no in zip(group.rows, numbers, strict=True):
            v = row.values
            product = products.get(v["sku"])
            if product is None:
                self.reject(row, "sku", "unknown product")
                self.reject_group(group, "sku", f"row {row.number} names an unknown product")
                return None
            if not product.active and order.status in OPEN_STATUSES:
                self.reject(row, "sku", "this product is not sold any more")
                self.reject_group(group, "sku", f"row {row.number} names an inactive product")
                return None
            list_price = v.get("unit_price")
            if list_price is None:
                list_price = book.price(order.price_column_id, product.pk, order.order_date)
                if list_price is None:
                    reason = (
                        f"{product.sku} has no price in the client's column on {order.order_date}"
                    )
                    self.reject(row, "unit_price", reason)
                    self.reject_group(group, "unit_price", f"row {row.number}: {reason}")
                    return None
            lines.append(
                Line(
                    line_no,
                    product.pk,
                    v["quantity"],
                    list_price,
                    row.get("discount_pct", ZERO),
                    row.get("vat_rate", product.vat_rate),
                    product.cost,
                )
            )
        return lines

    @staticmethod
    def _audit_view(
        order: Order | OrderRecord, lines: Sequence[Line | OrderLine]
    ) -> dict[str, Any]:
        view = {
            name: _jsonable(getattr(order, name + "_id" if name in ("client", "kam") else name))
            for name in ORDER_AUDIT_FIELDS
        }
        view["lines"] = [
            f"{ln.line_no}: product {ln.product_id} × {ln.quantity.normalize():f} @ "
            f"{ln.list_price.normalize():f} −{ln.discount_pct.normalize():f}% VAT {ln.vat_rate.normalize():f}"
            for ln in sorted(lines, key=lambda x: x.line_no)
        ]
        return view

    def finish(self) -> dict[str, Any]:
        if self.first_id is None:
            return {}
        return {"created_id_range": [self.first_id, self.last_id]}

"""Keep the rollup tables (``raktas.analytics.models``) equal to the documents.

Two paths produce the same rows:

* **incremental**: the ledger and order services call ``invoice_posted``,
  ``credit_note_posted``, ``order_refused`` and ``order_cancelled`` inside their own
  transaction, so a rolled-back document never reaches the rollups and a committed one
  always has. Each call touches only the document's own lines and adds to the
  affected rollup rows with ``INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x``
  (SQLite ≥ 3.24 and PostgreSQL): no order line is read twice.
* **rebuild** (``raktas analytics-rebuild``, and the end of ``raktas seed``, which
  writes documents with raw SQL): the invoice lines are aggregated in one SQL
  statement per table; credit notes, refusals and cancellations go through the same
  contribution functions as the incremental path, batched.

A property test (``tests/test_rollups.py``) holds the two paths equal after random
postings, credit notes, refusals and cancellations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from raktas.analytics.models import (
    ClientCategoryMonth,
    ClientDay,
    ClientMonth,
    ProductMonth,
    ReasonKind,
    ReasonMonth,
)
from raktas.core.money import ZERO, q2
from raktas.ledger.models import CreditNote, CreditReason, Invoice, InvoiceLine
from raktas.orders.models import Order, OrderLine, OrderStatus

ROLLUPS: tuple[type[models.Model], ...] = (
    ClientMonth,
    ClientCategoryMonth,
    ProductMonth,
    ClientDay,
    ReasonMonth,
)
# The key columns of each rollup, in the order of its unique constraint.
KEYS: dict[type[models.Model], tuple[str, ...]] = {
    ClientMonth: ("client_id", "month"),
    ClientCategoryMonth: ("client_id", "category_key", "month"),
    ProductMonth: ("product_id", "month"),
    ClientDay: ("client_id", "day"),
    ReasonMonth: ("client_id", "month", "kind", "reason"),
}

Key = tuple[Any, ...]
Contributions = dict[type[models.Model], dict[Key, dict[str, Any]]]


def value_columns(model: type[models.Model]) -> list[str]:
    keys = set(KEYS[model])
    return [
        str(f.column)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in keys
    ]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


class Batch:
    """Contributions to the rollups, added up in memory, then written in one go."""

    def __init__(self) -> None:
        self.rows: Contributions = defaultdict(dict)

    def add(self, model: type[models.Model], key: Key, **deltas: Any) -> None:
        row = self.rows[model].setdefault(key, {})
        for name, value in deltas.items():
            row[name] = row.get(name, 0) + value

    def write(self) -> None:
        for model in ROLLUPS:
            rows = self.rows.get(model)
            if rows:
                _upsert_add(model, rows)
        self.rows.clear()


def _upsert_add(model: type[models.Model], rows: dict[Key, dict[str, Any]]) -> None:
    table = model._meta.db_table
    keys = KEYS[model]
    values = value_columns(model)
    columns = [*keys, *values]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in values)
    )
    # Sorted keys: two transactions adding to the same rows lock them in the same
    # order on PostgreSQL, so they wait for each other instead of deadlocking.
    params = [
        [*key, *(row.get(c, 0) for c in values)] for key, row in sorted(rows.items(), key=_sortable)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _sortable(item: tuple[Key, dict[str, Any]]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])


# --- Contributions of one document ---------------------------------------------------


def _invoice_lines(invoice_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .order_by("invoice_id", "line_no", "id")
        .values_list("invoice_id", "product_id", "product__category_id", "quantity", "net", "cost")
    ):
        out[row[0]].append(row[1:])
    return out


def add_invoice(batch: Batch, invoice: Invoice, lines: Iterable[tuple[Any, ...]]) -> None:
    """Lines: (product_id, category_id, quantity, net, cost)."""
    month = month_of(invoice.issue_date)
    client = invoice.client_id
    net = cost = qty = ZERO
    count = 0
    for product_id, category_id, quantity, line_net, line_cost in lines:
        net += line_net
        cost += line_cost
        qty += quantity
        count += 1
        batch.add(
            ClientCategoryMonth,
            (client, category_id or 0, month),
            net=line_net,
            cost=line_cost,
            quantity=quantity,
            lines=1,
        )
        if product_id is not None:
            batch.add(
                ProductMonth,
                (product_id, month),
                net=line_net,
                cost=line_cost,
                quantity=quantity,
                lines=1,
            )
    batch.add(
        ClientMonth,
        (client, month),
        invoiced_net=net,
        invoiced_cost=cost,
        quantity=qty,
        invoices=1,
        lines=count,
    )
    batch.add(ClientDay, (client, invoice.issue_date), net=net, cost=cost, invoices=1)


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights`` in cents that add up exactly:
    each share is rounded down and the leftover cents go to the largest remainders
    (first line first on ties). With no positive weight, all goes to the first."""
    if not weights:
        return []
    positive = [max(w, ZERO) for w in weights]
    base = sum(positive, ZERO)
    if base == 0:
        return [amount] + [ZERO] * (len(weights) - 1)
    cents = int(q2(amount) * 100)
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    exact = [Decimal(cents) * w / base for w in positive]
    floors = [int(e) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(sign * f) / 100 for f in floors]


def add_credit_note(
    batch: Batch, note: CreditNote, invoice_lines: Sequence[tuple[Any, ...]] | None
) -> None:
    """A credit note lowers revenue in its month. Against an invoice it is spread over
    that invoice's lines in proportion to their net (the note itself names no products);
    without one it is booked to no category and no product."""
    month = month_of(note.issue_date)
    client = note.client_id
    is_return = note.reason == CreditReason.RETURN
    batch.add(
        ClientMonth,
        (client, month),
        credited_net=note.net_total,
        credited_cost=note.cost_total,
        returned_net=note.net_total if is_return else ZERO,
        credit_notes=1,
    )
    batch.add(
        ReasonMonth,
        (client, month, ReasonKind.CREDIT.value, note.reason),
        count=1,
        net=note.net_total,
    )
    lines = list(invoice_lines or [])
    if not lines:
        batch.add(
            ClientCategoryMonth,
            (client, 0, month),
            credited_net=note.net_total,
            credited_cost=note.cost_total,
        )
        return
    weights = [line[3] for line in lines]
    nets = spread(note.net_total, weights)
    costs = spread(note.cost_total, weights)
    for (product_id, category_id, *_rest), net, cost in zip(lines, nets, costs, strict=True):
        batch.add(
            ClientCategoryMonth,
            (client, category_id or 0, month),
            credited_net=net,
            credited_cost=cost,
        )
        if product_id is not None:
            batch.add(
                ProductMonth,
                (product_id, month),
                credited_net=net,
                credited_cost=cost,
                returned_net=net if is_return else ZERO,
            )


def _closed_month(order: Order) -> dt.date:
    when = order.closed_at or timezone.now()
    return month_of(timezone.localtime(when).date())


def add_refusal(batch: Batch, order: Order, lines: Iterable[tuple[Any, ...]]) -> None:
    """Lines: (product_id, quantity, net)."""
    month = _closed_month(order)
    batch.add(ClientMonth, (order.client_id, month), refused_orders=1, refused_net=order.net_total)
    batch.add(
        ReasonMonth,
        (order.client_id, month, ReasonKind.REFUSAL.value, order.refusal_reason),
        count=1,
        net=order.net_total,
    )
    for product_id, quantity, net in lines:
        batch.add(
            ProductMonth,
            (product_id, month),
            refused_lines=1,
            refused_net=net,
            refused_quantity=quantity,
        )


def counts_as_cancellation(order: Order) -> bool:
    """A draft the KAM throws away is not a lost order; one the desk had seen is."""
    return order.status == OrderStatus.CANCELLED and order.submitted_at is not None


def add_cancellation(batch: Batch, order: Order) -> None:
    month = _closed_month(order)
    batch.add(
        ClientMonth, (order.client_id, month), cancelled_orders=1, cancelled_net=order.net_total
    )
    batch.add(
        ReasonMonth,
        (order.client_id, month, ReasonKind.CANCEL.value, ""),
        count=1,
        net=order.net_total,
    )


# --- Incremental hooks (called by the ledger and order services) ---------------------


def invoice_posted(invoice: Invoice) -> None:
    """Add a just-issued invoice (its lines are saved) to the rollups."""
    batch = Batch()
    add_invoice(batch, invoice, _invoice_lines([invoice.pk]).get(invoice.pk, []))
    batch.write()


def credit_note_posted(note: CreditNote) -> None:
    batch = Batch()
    lines = _invoice_lines([note.invoice_id]).get(note.invoice_id) if note.invoice_id else None
    add_credit_note(batch, note, lines)
    batch.write()


def order_refused(order: Order) -> None:
    batch = Batch()
    add_refusal(batch, order, OrderLine.objects.filter(order=order).values_list(
        "product_id", "quantity", "net"
    ))  # fmt: skip
    batch.write()


def order_cancelled(order: Order) -> None:
    if counts_as_cancellation(order):
        batch = Batch()
        add_cancellation(batch, order)
        batch.write()


# --- Rebuild ----------------------------------------------------------------------------


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _insert_select(model: type[models.Model], columns: Sequence[str], select: str) -> None:
    qn = connection.ops.quote_name
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _zeros(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], str]:
    """The columns not given, and a SELECT fragment of zeros for them."""
    rest = [c for c in value_columns(model) if c not in given]
    return rest, "".join(", 0" for _ in rest)


def _rebuild_invoices() -> None:
    inv, line = Invoice._meta.db_table, InvoiceLine._meta.db_table
    prod = "catalog_product"
    month = _month_sql("i.issue_date")
    given = ["invoiced_net", "invoiced_cost", "quantity", "invoices", "lines"]
    rest, zeros = _zeros(ClientMonth, given)
    _insert_select(
        ClientMonth,
        ["client_id", "month", *given, *rest],
        f"SELECT i.client_id, {month}, COALESCE(SUM(l.net), 0), COALESCE(SUM(l.cost), 0), "
        f"COALESCE(SUM(l.quantity), 0), COUNT(DISTINCT i.id), COUNT(l.id){zeros} "
        f"FROM {inv} i LEFT JOIN {line} l ON l.invoice_id = i.id GROUP BY i.client_id, {month}",
    )
    _insert_select(
        ClientDay,
        ["client_id", "day", "net", "cost", "invoices"],
        f"SELECT i.client_id, i.issue_date, COALESCE(SUM(l.net), 0), COALESCE(SUM(l.cost), 0), "
        f"COUNT(DISTINCT i.id) FROM {inv} i LEFT JOIN {line} l ON l.invoice_id = i.id "
        f"GROUP BY i.client_id, i.issue_date",
    )
    given = ["net", "cost", "quantity", "lines"]
    rest, zeros = _zeros(ClientCategoryMonth, given)
    _insert_select(
        ClientCategoryMonth,
        ["client_id", "category_key", "month", *given, *rest],
        f"SELECT i.client_id, COALESCE(p.category_id, 0), {month}, SUM(l.net), SUM(l.cost), "
        f"SUM(l.quantity), COUNT(*){zeros} FROM {line} l JOIN {inv} i ON l.invoice_id = i.id "
        f"LEFT JOIN {prod} p ON p.id = l.product_id "
        f"GROUP BY i.client_id, COALESCE(p.category_id, 0), {month}",
    )
    rest, zeros = _zeros(ProductMonth, given)
    _insert_select(
        ProductMonth,
        ["product_id", "month", *given, *rest],
        f"SELECT l.product_id, {month}, SUM(l.net), SUM(l.cost), SUM(l.quantity), COUNT(*)"
        f"{zeros} FROM {line} l JOIN {inv} i ON l.invoice_id = i.id "
        f"WHERE l.product_id IS NOT NULL GROUP BY l.product_id, {month}",
    )


def _chunks(qs: Any, size: int = 5000) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for item in qs.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every rollup from the documents. Returns the row count per table."""
    for model in ROLLUPS:
        model._default_manager.all().delete()
    _rebuild_invoices()
    notes = CreditNote.objects.order_by("id").only(
        "id", "client_id", "invoice_id", "issue_date", "reason", "net_total", "cost_total"
    )
    for chunk in _chunks(notes):
        batch = Batch()
        lines = _invoice_lines(sorted({n.invoice_id for n in chunk if n.invoice_id}))
        for note in chunk:
            add_credit_note(batch, note, lines.get(note.invoice_id) if note.invoice_id else None)
        # Upserting (not inserting): these add to the rows the invoices made.
        batch.write()
    refused = Order.objects.filter(status=OrderStatus.REFUSED).order_by("id")
    for chunk in _chunks(
        refused.only("id", "client_id", "closed_at", "net_total", "refusal_reason")
    ):
        batch = Batch()
        by_order: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for order_id, *rest in (
            OrderLine.objects.filter(order_id__in=[o.pk for o in chunk])
            .order_by("order_id", "line_no")
            .values_list("order_id", "product_id", "quantity", "net")
        ):
            by_order[order_id].append(tuple(rest))
        for order in chunk:
            add_refusal(batch, order, by_order.get(order.pk, []))
        batch.write()
    cancelled = Order.objects.filter(
        status=OrderStatus.CANCELLED, submitted_at__isnull=False
    ).order_by("id")
    for chunk in _chunks(
        cancelled.only("id", "client_id", "closed_at", "net_total", "status", "submitted_at")
    ):
        batch = Batch()
        for order in chunk:
            add_cancellation(batch, order)
        batch.write()
    return {model._meta.model_name or "": model._default_manager.count() for model in ROLLUPS}

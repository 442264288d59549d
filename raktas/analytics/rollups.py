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
* **refresh** (``refresh``: ``raktas import`` of orders and invoices, which writes
  documents in bulk): the rebuild, narrowed to the rows of some clients and products
  from one month on. Those rows are deleted and recomputed from every document that
  adds to them, inside the caller's transaction.

A property test (``tests/test_rollups.py``) holds the two paths equal after random
postings, credit notes, refusals and cancellations.

Money is kept in whole cents (``CentsField``: ``BIGINT`` columns named ``…_cents``).
Contributions are added up as Decimals and turned into cents when written, refusing a
fraction of a cent; the rebuild sums each line's cents in SQL.
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
from raktas.core.money import ZERO, CentsField, q2, to_cents
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
    """The names (attnames) of the rollup's value fields, in model order."""
    keys = set(KEYS[model])
    return [
        str(f.attname)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in keys
    ]


def money_fields(model: type[models.Model]) -> set[str]:
    """The value fields kept in whole cents."""
    return {str(f.attname) for f in model._meta.concrete_fields if isinstance(f, CentsField)}


def column(model: type[models.Model], name: str) -> str:
    """The database column of a key or value field (``net`` → ``net_cents``)."""
    for f in model._meta.concrete_fields:
        if f.attname == name:
            return str(f.column)
    raise LookupError(f"{model.__name__} has no field {name!r}")


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
    money = money_fields(model)
    value_cols = [column(model, c) for c in values]
    columns = [*keys, *value_cols]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in value_cols)
    )

    def value(row: dict[str, Any], name: str) -> Any:
        amount = row.get(name, 0)
        return to_cents(amount) if name in money else amount

    # Sorted keys: two transactions adding to the same rows lock them in the same
    # order on PostgreSQL, so they wait for each other instead of deadlocking.
    params = [
        [*key, *(value(row, c) for c in values)] for key, row in sorted(rows.items(), key=_sortable)
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


def _cents_sum(amount: str) -> str:
    """SQL for the whole cents of SUM(amount) (a numeric column, 2 places), 0 if none.
    PostgreSQL sums the exact numerics; SQLite keeps decimals as floats, so each line is
    rounded to its cents before the integers are added up."""
    if connection.vendor == "postgresql":
        return f"CAST(COALESCE(SUM({amount}), 0) * 100 AS BIGINT)"
    return f"COALESCE(SUM(CAST(ROUND({amount} * 100) AS INTEGER)), 0)"


def _insert_select(
    model: type[models.Model], fields: Sequence[str], select: str, params: Sequence[Any] = ()
) -> None:
    qn = connection.ops.quote_name
    columns = [column(model, f) for f in fields]
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _zeros(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], str]:
    """The columns not given, and a SELECT fragment of zeros for them."""
    rest = [c for c in value_columns(model) if c not in given]
    return rest, "".join(", 0" for _ in rest)


def _where(*conditions: str) -> str:
    kept = [c for c in conditions if c]
    return f" WHERE {' AND '.join(kept)}" if kept else ""


def _rebuild_invoices(
    *,
    clients: Sequence[int] | None = None,
    products: Sequence[int] | None = None,
    since: dt.date | None = None,
) -> None:
    """INSERT … SELECT the invoice part of every rollup. With ``clients`` only the
    client-keyed rollups of those clients are written, with ``products`` only the
    product rollup of those products; ``since`` (a first of month) narrows either."""
    inv, line = Invoice._meta.db_table, InvoiceLine._meta.db_table
    prod = "catalog_product"
    month = _month_sql("i.issue_date")
    narrow = clients is not None or products is not None
    date_sql, date_params = "", []
    if since is not None:
        date_sql, date_params = "i.issue_date >= %s", [connection.ops.adapt_datefield_value(since)]
    if clients is not None or not narrow:
        in_clients, c_params = "", []
        if clients is not None:
            in_clients = f"i.client_id IN ({', '.join(['%s'] * len(clients))})"
            c_params = list(clients)
        where = _where(in_clients, date_sql)
        params = [*c_params, *date_params]
        given = ["invoiced_net", "invoiced_cost", "quantity", "invoices", "lines"]
        rest, zeros = _zeros(ClientMonth, given)
        _insert_select(
            ClientMonth,
            ["client_id", "month", *given, *rest],
            f"SELECT i.client_id, {month}, {_cents_sum('l.net')}, {_cents_sum('l.cost')}, "
            f"COALESCE(SUM(l.quantity), 0), COUNT(DISTINCT i.id), COUNT(l.id){zeros} "
            f"FROM {inv} i LEFT JOIN {line} l ON l.invoice_id = i.id{where} "
            f"GROUP BY i.client_id, {month}",
            params,
        )
        _insert_select(
            ClientDay,
            ["client_id", "day", "net", "cost", "invoices"],
            f"SELECT i.client_id, i.issue_date, {_cents_sum('l.net')}, "
            f"{_cents_sum('l.cost')}, COUNT(DISTINCT i.id) FROM {inv} i "
            f"LEFT JOIN {line} l ON l.invoice_id = i.id{where} "
            f"GROUP BY i.client_id, i.issue_date",
            params,
        )
        given = ["net", "cost", "quantity", "lines"]
        rest, zeros = _zeros(ClientCategoryMonth, given)
        _insert_select(
            ClientCategoryMonth,
            ["client_id", "category_key", "month", *given, *rest],
            f"SELECT i.client_id, COALESCE(p.category_id, 0), {month}, {_cents_sum('l.net')}, "
            f"{_cents_sum('l.cost')}, SUM(l.quantity), COUNT(*){zeros} "
            f"FROM {line} l JOIN {inv} i ON l.invoice_id = i.id "
            f"LEFT JOIN {prod} p ON p.id = l.product_id{where} "
            f"GROUP BY i.client_id, COALESCE(p.category_id, 0), {month}",
            params,
        )
    if products is not None or not narrow:
        in_products, p_params = "", []
        if products is not None:
            in_products = f"l.product_id IN ({', '.join(['%s'] * len(products))})"
            p_params = list(products)
        given = ["net", "cost", "quantity", "lines"]
        rest, zeros = _zeros(ProductMonth, given)
        _insert_select(
            ProductMonth,
            ["product_id", "month", *given, *rest],
            f"SELECT l.product_id, {month}, {_cents_sum('l.net')}, {_cents_sum('l.cost')}, "
            f"SUM(l.quantity), COUNT(*){zeros} FROM {line} l JOIN {inv} i ON l.invoice_id = i.id"
            f"{_where('l.product_id IS NOT NULL', in_products, date_sql)} "
            f"GROUP BY l.product_id, {month}",
            [*p_params, *date_params],
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


def _add_credit_notes(batch: Batch, chunk: Sequence[CreditNote]) -> None:
    lines = _invoice_lines(sorted({n.invoice_id for n in chunk if n.invoice_id}))
    for note in chunk:
        add_credit_note(batch, note, lines.get(note.invoice_id) if note.invoice_id else None)


def _add_refusals(batch: Batch, chunk: Sequence[Order]) -> None:
    by_order: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for order_id, *rest in (
        OrderLine.objects.filter(order_id__in=[o.pk for o in chunk])
        .order_by("order_id", "line_no")
        .values_list("order_id", "product_id", "quantity", "net")
    ):
        by_order[order_id].append(tuple(rest))
    for order in chunk:
        add_refusal(batch, order, by_order.get(order.pk, []))


NOTE_FIELDS = ("id", "client_id", "invoice_id", "issue_date", "reason", "net_total", "cost_total")
REFUSAL_FIELDS = ("id", "client_id", "closed_at", "net_total", "refusal_reason")
CANCEL_FIELDS = ("id", "client_id", "closed_at", "net_total", "status", "submitted_at")


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every rollup from the documents. Returns the row count per table."""
    for model in ROLLUPS:
        model._default_manager.all().delete()
    _rebuild_invoices()
    notes = CreditNote.objects.order_by("id").only(*NOTE_FIELDS)
    for chunk in _chunks(notes):
        batch = Batch()
        _add_credit_notes(batch, chunk)
        # Upserting (not inserting): these add to the rows the invoices made.
        batch.write()
    refused = Order.objects.filter(status=OrderStatus.REFUSED).order_by("id")
    for chunk in _chunks(refused.only(*REFUSAL_FIELDS)):
        batch = Batch()
        _add_refusals(batch, chunk)
        batch.write()
    cancelled = Order.objects.filter(
        status=OrderStatus.CANCELLED, submitted_at__isnull=False
    ).order_by("id")
    for chunk in _chunks(cancelled.only(*CANCEL_FIELDS)):
        batch = Batch()
        for order in chunk:
            add_cancellation(batch, order)
        batch.write()
    return {model._meta.model_name or "": model._default_manager.count() for model in ROLLUPS}


# --- Refresh of some clients and products -----------------------------------------------

CLIENT_KEYED: tuple[type[models.Model], ...] = (
    ClientMonth,
    ClientCategoryMonth,
    ClientDay,
    ReasonMonth,
)
# The date column of each rollup's key, and its position in the key.
DATE_KEY: dict[type[models.Model], tuple[str, int]] = {
    ClientMonth: ("month", 1),
    ClientCategoryMonth: ("month", 2),
    ProductMonth: ("month", 1),
    ClientDay: ("day", 1),
    ReasonMonth: ("month", 1),
}
# Ids per IN (…) list: well under SQLite's limit of bound parameters.
IN_CHUNK = 500


def _slices(ids: Sequence[int], size: int = IN_CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


@transaction.atomic
def refresh(
    *, clients: Iterable[int], products: Iterable[int] = (), since: dt.date | None = None
) -> None:
    """Recompute the client-keyed rollup rows of ``clients`` and the product rows of
    ``products``, from the month of ``since`` on (all months without it), from the
    documents, exactly as ``rebuild`` would. Other rows are not read or written.

    For bulk writers (``raktas import``) that post documents around the services: they
    name every client and product whose rows their documents changed, old values too.
    """
    client_ids = sorted(set(clients))
    product_ids = sorted(set(products))
    if not client_ids and not product_ids:
        return
    start = month_of(since) if since is not None else None

    def dated(qs: Any, model: type[models.Model]) -> Any:
        return qs.filter(**{f"{DATE_KEY[model][0]}__gte": start}) if start else qs

    for chunk in _slices(client_ids):
        for model in CLIENT_KEYED:
            dated(model._default_manager.filter(client_id__in=chunk), model).delete()
        _rebuild_invoices(clients=chunk, since=start)
    for chunk in _slices(product_ids):
        dated(ProductMonth.objects.filter(product_id__in=chunk), ProductMonth).delete()
        _rebuild_invoices(products=chunk, since=start)

    # Credit notes, refusals and cancellations that add to a refreshed row: those of the
    # clients, and those whose products are among the products. Each document is added
    # once; its contributions to rows outside the refresh are dropped before writing.
    note_ids: set[int] = set()
    refusal_ids: set[int] = set()
    cancel_ids: set[int] = set()
    notes = CreditNote.objects.all()
    refused = Order.objects.filter(status=OrderStatus.REFUSED)
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED, submitted_at__isnull=False)
    if start is not None:
        notes = notes.filter(issue_date__gte=start)
        # The month of a closing is local; a day's margin, the key filter does the rest.
        after = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=1), dt.time()))
        recent = models.Q(closed_at__isnull=True) | models.Q(closed_at__gte=after)
        refused = refused.filter(recent)
        cancelled = cancelled.filter(recent)
    for chunk in _slices(client_ids):
        note_ids.update(notes.filter(client_id__in=chunk).values_list("id", flat=True))
        refusal_ids.update(refused.filter(client_id__in=chunk).values_list("id", flat=True))
        cancel_ids.update(cancelled.filter(client_id__in=chunk).values_list("id", flat=True))
    for chunk in _slices(product_ids):
        note_ids.update(
            notes.filter(invoice__lines__product_id__in=chunk).values_list("id", flat=True)
        )
        refusal_ids.update(refused.filter(lines__product_id__in=chunk).values_list("id", flat=True))
    client_set, product_set = set(client_ids), set(product_ids)

    def write(batch: Batch) -> None:
        for model, rows in batch.rows.items():
            wanted = product_set if model is ProductMonth else client_set
            position = DATE_KEY[model][1]
            for key in [k for k in rows if k[0] not in wanted or (start and k[position] < start)]:
                del rows[key]
        batch.write()

    for chunk in _slices(sorted(note_ids)):
        batch = Batch()
        _add_credit_notes(
            batch, list(CreditNote.objects.filter(id__in=chunk).order_by("id").only(*NOTE_FIELDS))
        )
        write(batch)
    for chunk in _slices(sorted(refusal_ids)):
        batch = Batch()
        _add_refusals(
            batch, list(Order.objects.filter(id__in=chunk).order_by("id").only(*REFUSAL_FIELDS))
        )
        write(batch)
    for chunk in _slices(sorted(cancel_ids)):
        batch = Batch()
        for order in Order.objects.filter(id__in=chunk).order_by("id").only(*CANCEL_FIELDS):
            add_cancellation(batch, order)
        write(batch)

"""Aging of receivables as of any day, historical included, in one SQL query.

For each invoice issued on or before day D::

    open(D) = gross − allocations live on D − credit notes against it issued on or before D

where an allocation is live on D when ``allocated_on <= D`` and it was not reversed on
or before D. Open amounts fall into buckets by days past due on D (``D − due_date``):
not due (≤ 0), then one bucket per configured edge (default 1–30, 31–60, 61–90) and
one past the last edge (over 90). Buckets are computed from the same ``open(D)`` per
invoice, so they always add up to the open balance.

Speed: the query reads only invoices that may matter on D. ``Invoice.settled_on``
(when set) is the last day anything touched a fully settled invoice, so an invoice
settled on or before D is open 0 on D and is skipped unless it falls into the
days-late window. Invoices open now, or settled after D, take their open amount on D
from the covering index when nothing touched them after D (``last_touched_on``: the
stored ``open_amount``) or before D (``first_touched_on``: the gross); the few others
have their allocations and credit notes summed through a covering index. The same SQL
runs on SQLite, PostgreSQL and, in benchmarks/bench_aging.py, DuckDB.

**Unapplied** money is what the client paid or was credited on or before D that settles
no invoice on D: payments received (not reversed on or before D) less their allocations
live on D, plus credit notes against no invoice. It is a separate column (a credit,
subtracted), not a bucket, so the buckets still add up to the open invoices and
``net = open invoices − unapplied`` is the ledger balance on D
(invoices − payments − credit notes + reversals, each dated on or before D).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from raktas.clients.models import Client
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO, from_cents, q2
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal

# Invoices settled within this many days before D still count for "average days late".
LATE_WINDOW_DAYS = 365


def parse_edges(raw: str | Sequence[int | str] | None) -> tuple[int, ...]:
    """Bucket edges in days past due: "30,60,90" → (30, 60, 90). Strictly increasing,
    each ≥ 1; refused with a clear message otherwise."""
    if raw is None:
        raw = settings.AGING_BUCKETS
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        edges = tuple(int(str(x).strip()) for x in items if str(x).strip())
    except ValueError:
        raise ValidationFailed(
            f"buckets: whole numbers of days separated by commas, got {raw!r}", field="buckets"
        ) from None
    if not edges or len(edges) > 12:
        raise ValidationFailed("buckets: give between 1 and 12 edges", field="buckets")
    if edges[0] < 1 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValidationFailed(
            f"buckets: edges must be increasing and at least 1, got {edges}", field="buckets"
        )
    return edges


def bucket_labels(edges: Sequence[int]) -> list[str]:
    """("not_due", "1-30", "31-60", "61-90", "over_90") for edges (30, 60, 90)."""
    labels = ["not_due"]
    low = 1
    for edge in edges:
        labels.append(f"{low}-{edge}")
        low = edge + 1
    labels.append(f"over_{edges[-1]}")
    return labels


def bucket_index(days_past_due: int, edges: Sequence[int]) -> int:
    if days_past_due <= 0:
        return 0
    for i, edge in enumerate(edges, start=1):
        if days_past_due <= edge:
            return i
    return len(edges) + 1


def _days_between(vendor: str, later: str, earlier: str) -> str:
    if vendor == "sqlite":
        return f"(julianday({later}) - julianday({earlier}))"
    return f"({later} - {earlier})"  # PostgreSQL and DuckDB: date − date is whole days


def aging_sql(
    vendor: str,
    *,
    as_of: dt.date,
    edges: Sequence[int],
    dso_days: int,
    client_filter_sql: str = "",
    client_filter_params: Sequence[Any] = (),
    tables: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """The one aggregate query: a row per client and bucket with the open amount, the
    number of open invoices, sales in the DSO window and days-late figures (those three
    are additive, so the caller adds a client's rows up).

    ``vendor`` is "sqlite", "postgresql" or "duckdb"; placeholders are ``%s``. Bucket 0
    is "not due", bucket k holds due dates in [D − edge_k, D − edge_(k−1)), the last one
    everything older: plain date comparisons, no date arithmetic per row.
    """
    t = tables or {
        "client": Client._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "creditnote": CreditNote._meta.db_table,
    }
    late_start = as_of - dt.timedelta(days=LATE_WINDOW_DAYS)
    dso_start = as_of - dt.timedelta(days=dso_days)
    bucket_sql = ["WHEN i.due_date >= %s THEN 0"]
    bucket_params: list[Any] = [as_of]
    for k, edge in enumerate(edges, start=1):
        bucket_sql.append(f"WHEN i.due_date >= %s THEN {k}")
        bucket_params.append(as_of - dt.timedelta(days=edge))
    bucket = f"CASE {' '.join(bucket_sql)} ELSE {len(edges) + 1} END"
    late = _days_between(vendor, "i.settled_on", "i.due_date")
    scope = f"AND i.client_id IN ({client_filter_sql})" if client_filter_sql else ""
    # Two parts. Invoices open on D (never settled, or settled after D): their open
    # amount, computed once per invoice in a materialised CTE (inlined, the engine could
    # re-run the correlated subqueries for every expression that reads it), by bucket.
    # Most take it from the index: untouched since D, their open amount now (as of
    # today, nearly all); untouched until after D, their gross (a past day: those paid
    # since). Only those with an allocation or credit note on both sides of D add up
    # their rows, through ``allocation_asof_idx``. CASE evaluates the subqueries only
    # on that branch (SQLite and PostgreSQL; DuckDB joins them for all).
    # Invoices settled in the late window (on or before D): open 0 on D, so only their
    # days late, count and DSO sales, added up per client straight from the covering
    # index — no per-invoice row is stored and regrouped for them; read client by
    # client (``invoice_client_settled_idx``), so SQLite groups them without sorting
    # a quarter of a million rows. Their rows come as
    # bucket 0 with nothing open; a client's rows add up (rows_from_raw, report_sql).
    # The open set is two index ranges, never settled and settled after D, as a UNION
    # ALL: with "settled_on IS NULL OR settled_on > D" PostgreSQL read the whole aging
    # index (a million entries, filtered) rather than the two ranges (SQLite's
    # MULTI-INDEX OR did the same as the union).
    columns = (
        "i.id, i.client_id, i.due_date, i.issue_date, i.gross_total, i.open_amount,"
        " i.last_touched_on, i.first_touched_on"
    )
    # The settled part: SQLite walks the clients and each one's settled invoices
    # (``invoice_client_settled_idx``, no sort); PostgreSQL (and DuckDB) group the
    # index range by client_id directly — the join to clients cost it a quarter more.
    if vendor == "sqlite":
        settled_client = "c.id"
        settled_from = f"{t['client']} c JOIN {t['invoice']} i ON i.client_id = c.id"
    else:
        settled_client, settled_from = "i.client_id", f"{t['invoice']} i"

    sql = f"""
WITH t AS MATERIALIZED (
  SELECT i.client_id,
    {bucket} AS bucket,
    CASE WHEN i.issue_date > %s THEN i.gross_total ELSE 0 END AS sales,
    CASE WHEN i.last_touched_on <= %s THEN i.open_amount
      WHEN i.first_touched_on > %s THEN i.gross_total
      ELSE i.gross_total
        - COALESCE((SELECT SUM(a.amount) FROM {t["allocation"]} a
                    WHERE a.invoice_id = i.id AND a.allocated_on <= %s
                      AND (a.reversed_on IS NULL OR a.reversed_on > %s)), 0)
        - COALESCE((SELECT SUM(c.gross_total) FROM {t["creditnote"]} c
                    WHERE c.invoice_id = i.id AND c.issue_date <= %s), 0) END AS open_amt
  FROM (
    SELECT {columns} FROM {t["invoice"]} i
    WHERE i.settled_on IS NULL AND i.issue_date <= %s {scope}
    UNION ALL
    SELECT {columns} FROM {t["invoice"]} i
    WHERE i.settled_on > %s AND i.issue_date <= %s {scope}
  ) i
)
SELECT t.client_id, t.bucket,
  SUM(t.open_amt) AS open_amt,
  SUM(CASE WHEN ABS(t.open_amt) >= 0.005 THEN 1 ELSE 0 END) AS n_open,
  SUM(t.sales) AS sales_window,
  0 AS late_days,
  0 AS n_settled
FROM t
GROUP BY t.client_id, t.bucket
UNION ALL
SELECT {settled_client}, 0, 0, 0,
  SUM(CASE WHEN i.issue_date > %s THEN i.gross_total ELSE 0 END),
  SUM(CASE WHEN i.settled_on > i.due_date THEN {late} ELSE 0 END),
  COUNT(*)
FROM {settled_from}
WHERE i.settled_on <= %s AND i.settled_on > %s AND i.issue_date <= %s {scope}
GROUP BY {settled_client}
"""
    params: list[Any] = [
        *bucket_params,
        dso_start,
        *([as_of] * 6),
        *client_filter_params,
        as_of,
        as_of,
        *client_filter_params,
        dso_start,
        as_of,
        late_start,
        as_of,
        *client_filter_params,
    ]
    return sql, params


def unapplied_sql(
    *,
    as_of: dt.date,
    client_filter_sql: str = "",
    client_filter_params: Sequence[Any] = (),
    tables: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """A row per client with the money it had paid or been credited on ``as_of`` that
    settled no invoice that day: payments received on or before D, less those reversed
    on or before D, less allocations live on D, plus credit notes against no invoice
    issued on or before D. Plain SQL for SQLite, PostgreSQL and DuckDB."""
    t = tables or {
        "payment": Payment._meta.db_table,
        "reversal": PaymentReversal._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "creditnote": CreditNote._meta.db_table,
    }
    scope = f"WHERE u.client_id IN ({client_filter_sql})" if client_filter_sql else ""
    # Per payment: its amount less its allocations live on D. A payment fully applied
    # on or before D (``applied_on``) adds 0 and is skipped without reading its
    # allocations, as settled invoices are in the aging query. A reversed payment has
    # no applied_on: its amount, less the reversal (dated ≤ D), adds 0 from that day.
    sql = f"""
SELECT u.client_id, SUM(u.amt) AS unapplied FROM (
  SELECT p.client_id,
    p.amount - COALESCE((SELECT SUM(a.amount) FROM {t["allocation"]} a
                         WHERE a.payment_id = p.id AND a.allocated_on <= %s
                           AND (a.reversed_on IS NULL OR a.reversed_on > %s)), 0) AS amt
  FROM {t["payment"]} p
  WHERE p.received_on <= %s AND (p.applied_on IS NULL OR p.applied_on > %s)
  UNION ALL
  SELECT r.client_id, -r.amount FROM {t["reversal"]} r WHERE r.reversed_on <= %s
  UNION ALL
  SELECT c.client_id, c.gross_total FROM {t["creditnote"]} c
  WHERE c.invoice_id IS NULL AND c.issue_date <= %s
) u {scope}
GROUP BY u.client_id
"""
    return sql, [as_of] * 6 + list(client_filter_params)


def _cents(expr: str) -> str:
    """A sum of money as whole cents: exact on PostgreSQL and DuckDB; on SQLite, whose
    sums of decimals are floats, rounding to the cent restores the exact amount."""
    return f"CAST(ROUND(SUM({expr}) * 100) AS BIGINT)"


def report_sql(
    vendor: str,
    *,
    as_of: dt.date,
    edges: Sequence[int],
    dso_days: int,
    client_filter_sql: str = "",
    client_filter_params: Sequence[Any] = (),
    tables: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """Everything the report needs per client in one statement, one row per client:
    the open amount of each bucket, open invoices, sales in the DSO window, days late
    and invoices settled in the late window, and the unapplied money — money as whole
    cents (integers), so the caller adds clients up without per-row Decimal work.
    The aging and unapplied queries above are its two halves."""
    aging, aging_params = aging_sql(
        vendor,
        as_of=as_of,
        edges=edges,
        dso_days=dso_days,
        client_filter_sql=client_filter_sql,
        client_filter_params=client_filter_params,
        tables=tables,
    )
    unapplied, unapplied_params = unapplied_sql(
        as_of=as_of,
        client_filter_sql=client_filter_sql,
        client_filter_params=client_filter_params,
        tables=tables,
    )
    buckets = ",\n  ".join(
        _cents(f"CASE WHEN x.bucket = {k} THEN x.open_amt ELSE 0 END") + f" AS b{k}"
        for k in range(len(edges) + 2)
    )
    sql = f"""
SELECT x.client_id,
  {buckets},
  SUM(x.n_open) AS n_open,
  {_cents("x.sales_window")} AS sales_window,
  CAST(ROUND(SUM(x.late_days)) AS BIGINT) AS late_days,
  SUM(x.n_settled) AS n_settled,
  {_cents("x.unapplied")} AS unapplied
FROM (
  SELECT a.client_id, a.bucket, a.open_amt, a.n_open, a.sales_window, a.late_days,
    a.n_settled, 0 AS unapplied
  FROM ({aging}) a
  UNION ALL
  SELECT u.client_id, -1, 0, 0, 0, 0, 0, u.unapplied FROM ({unapplied}) u
) x
GROUP BY x.client_id
"""
    return sql, [*aging_params, *unapplied_params]


def _money(value: Any) -> Decimal:
    """SQLite sums decimals as floats: back to exact cents."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return q2(value)
    return q2(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


@dataclass
class AgingRow:
    """One line of the report: a client, a KAM, a team or the whole company."""

    key: str
    label: str
    buckets: list[Decimal]
    open_invoices: int = 0
    sales_window: Decimal = ZERO
    late_days: Decimal = ZERO
    settled_count: int = 0
    client_id: int | None = None
    owner: str = ""
    team: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Paid or credited, settling no invoice on the day (a credit; see the module doc).
    unapplied: Decimal = ZERO
    # The open total in whole cents, as the report query gave it (for ranking).
    open_cents: int = 0

    @property
    def total(self) -> Decimal:
        """Open invoices: the sum of the buckets."""
        return sum(self.buckets, ZERO)

    @property
    def unapplied_credit(self) -> Decimal:
        """Unapplied money as it counts towards the balance: negative."""
        return -self.unapplied

    @property
    def net(self) -> Decimal:
        """What the client owes on the day: open invoices less unapplied money, which
        is the ledger balance on that day."""
        return self.total - self.unapplied

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets[1:], ZERO)

    def dso(self, dso_days: int) -> Decimal | None:
        """Days sales outstanding: open balance ÷ sales of the last ``dso_days`` days ×
        ``dso_days`` (the count-back-free standard formula). None without sales."""
        if self.sales_window <= 0:
            return None
        return (self.total / self.sales_window * dso_days).quantize(Decimal("0.1"))

    @property
    def average_days_late(self) -> Decimal | None:
        """Mean days past due at full settlement, over invoices settled in the last
        365 days (paid on time counts 0). None when nothing was settled."""
        if not self.settled_count:
            return None
        return (self.late_days / self.settled_count).quantize(Decimal("0.1"))

    def add(self, other: AgingRow) -> None:
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.open_invoices += other.open_invoices
        self.sales_window += other.sales_window
        self.late_days += other.late_days
        self.settled_count += other.settled_count
        self.unapplied += other.unapplied


@dataclass
class AgingReport:
    as_of: dt.date
    edges: tuple[int, ...]
    dso_days: int
    clients: list[AgingRow]
    kams: list[AgingRow]
    teams: list[AgingRow]
    company: AgingRow

    @property
    def labels(self) -> list[str]:
        return bucket_labels(self.edges)

    def rows(self, by: str) -> list[AgingRow]:
        return {
            "client": self.clients,
            "kam": self.kams,
            "team": self.teams,
            "company": [self.company],
        }[by]


def raw_aging(
    *,
    as_of: dt.date,
    edges: Sequence[int],
    dso_days: int,
    clients: QuerySet[Client] | None = None,
) -> list[tuple[Any, ...]]:
    """Run the aggregate query on the default database; ``clients`` limits it."""
    filter_sql, filter_params = _client_filter(clients)
    sql, params = aging_sql(
        connection.vendor,
        as_of=as_of,
        edges=edges,
        dso_days=dso_days,
        client_filter_sql=filter_sql,
        client_filter_params=filter_params,
    )
    return _fetch(sql, params)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a report statement. On PostgreSQL without JIT: the planner's estimate for the
    correlated subqueries over a million invoices is high enough to switch on JIT with
    inlining and optimisation, whose compile time (≈ 2 s, seen with EXPLAIN ANALYZE) is
    several times the query's own (≈ 0.3 s). ``SET LOCAL`` ends with the transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _client_filter(clients: QuerySet[Client] | None) -> tuple[str, Sequence[Any]]:
    """The scope as ``IN (…)`` SQL; nothing for all clients (the director, finance).
    Every ledger row belongs to some client, so "all" needs no filter, and the filter
    would cost: on SQLite it makes the planner walk the invoices client by client
    through the client index instead of the aging index (3× slower over a million)."""
    if clients is None:
        return "", ()
    query = clients.query
    if not query.where and not query.is_sliced and not query.distinct and not query.combinator:
        return "", ()
    return clients.values("pk").query.sql_with_params()


def raw_unapplied(*, as_of: dt.date, clients: QuerySet[Client] | None = None) -> dict[int, Decimal]:
    """Unapplied money per client on ``as_of`` (non-zero only)."""
    filter_sql, filter_params = _client_filter(clients)
    sql, params = unapplied_sql(
        as_of=as_of, client_filter_sql=filter_sql, client_filter_params=filter_params
    )
    found = {int(client_id): _money(amount) for client_id, amount in _fetch(sql, params)}
    return {k: v for k, v in found.items() if v != 0}


def rows_from_raw(raw: Iterable[Sequence[Any]], n_buckets: int) -> dict[int, AgingRow]:
    """Fold the query's (client, bucket) rows into one ``AgingRow`` per client."""
    out: dict[int, AgingRow] = {}
    for client_id, bucket, open_amt, n_open, sales, late, settled in raw:
        row = out.get(int(client_id))
        if row is None:
            row = out[int(client_id)] = AgingRow(
                key=str(client_id), label="", buckets=[ZERO] * n_buckets, client_id=int(client_id)
            )
        row.buckets[int(bucket)] += _money(open_amt)
        row.open_invoices += int(n_open or 0)
        row.sales_window += _money(sales)
        row.late_days += Decimal(str(round(float(late or 0), 2)))
        row.settled_count += int(settled or 0)
    return out


def aging_report(
    *,
    clients: QuerySet[Client] | None,
    as_of: dt.date,
    edges: Sequence[int] | None = None,
    dso_days: int | None = None,
    include_settled: bool = False,
) -> AgingReport:
    """Aging of ``clients`` (already scoped by the caller's selector; None for all) as
    of ``as_of``, by client, KAM, team and company, with each row's unapplied money.
    Clients with nothing open and nothing unapplied are left out unless
    ``include_settled``.

    One statement (``report_sql``) gives a row per client in whole cents; the KAM, team
    and company rows add those integers up, and Decimals are made once per row shown."""
    edges = tuple(edges) if edges else parse_edges(None)
    dso_days = dso_days or settings.AGING_DSO_DAYS
    n = len(edges) + 2
    filter_sql, filter_params = _client_filter(clients)
    sql, params = report_sql(
        connection.vendor,
        as_of=as_of,
        edges=edges,
        dso_days=dso_days,
        client_filter_sql=filter_sql,
        client_filter_params=filter_params,
    )
    raw = _fetch(sql, params)
    # Per client: n bucket cents, open invoices, sales cents, late days, settled, unapplied.
    per_client: list[tuple[int, list[int]]] = []
    for row in raw:
        figures = [int(v or 0) for v in row[1:]]
        if include_settled or sum(figures[:n]) != 0 or figures[-1] != 0:
            per_client.append((int(row[0]), figures))
    # Names of the clients in scope, read as plain tuples (a company-wide report names
    # thousands of clients): the scope's own query, not an IN list of thousands of ids.
    scope = clients if clients is not None else Client.objects.all()
    people = {
        pk: (legal_name, owner_id, first or "", last or "", username, team_id, team_name)
        for pk, legal_name, owner_id, first, last, username, team_id, team_name in (
            scope.order_by().values_list(
                "pk",
                "legal_name",
                "owner_id",
                "owner__first_name",
                "owner__last_name",
                "owner__username",
                "owner__team_id",
                "owner__team__name",
            )
        )
    }

    def make(figures: list[int], **kw: Any) -> AgingRow:
        row = AgingRow(
            buckets=[from_cents(c) for c in figures[:n]],
            open_invoices=figures[n],
            sales_window=from_cents(figures[n + 1]),
            late_days=Decimal(figures[n + 2]),
            settled_count=figures[n + 3],
            unapplied=from_cents(figures[n + 4]),
            **kw,
        )
        row.open_cents = sum(figures[:n])
        return row

    def total(rows: list[list[int]]) -> list[int]:
        # Column sums of integer cents and counts: exact, and one pass per group.
        return [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * (n + 5)

    # Clients grouped by their KAM (who has one team): the KAM rows add up their
    # clients, the team rows their KAMs, the company its teams.
    by_kam: dict[Any, tuple[str, Any, str, list[list[int]]]] = {}
    client_rows: list[AgingRow] = []
    for client_id, figures in per_client:
        legal_name, owner_id, first, last, username, team_id, team_name = people[client_id]
        kam = by_kam.get(owner_id)
        if kam is None:
            owner = f"{first} {last}".strip() or username
            kam = by_kam[owner_id] = (owner, team_id, team_name or "", [])
        kam[3].append(figures)
        client_rows.append(
            make(
                figures,
                key=str(client_id),
                label=legal_name,
                client_id=client_id,
                owner=kam[0],
                team=kam[2],
                extra={"owner_id": owner_id, "team_id": team_id},
            )
        )
    kam_rows: list[AgingRow] = []
    by_team: dict[str, tuple[str, list[list[int]]]] = {}
    for owner_id, (owner, team_id, team, rows) in by_kam.items():
        figures = total(rows)
        kam_rows.append(make(figures, key=str(owner_id), label=owner, team=team))
        team_key = str(team_id) if team_id else "none"
        by_team.setdefault(team_key, (team or "(no team)", []))[1].append(figures)
    team_sums = {key: (label, total(rows)) for key, (label, rows) in by_team.items()}

    def ranked(rows: Iterable[AgingRow]) -> list[AgingRow]:
        # Largest open balance first, by the integer cents the row was made of.
        return [
            row
            for _, _, row in sorted(
                ((-row.open_cents, row.label, row) for row in rows), key=lambda t: t[:2]
            )
        ]

    return AgingReport(
        as_of=as_of,
        edges=edges,
        dso_days=dso_days,
        clients=ranked(client_rows),
        kams=ranked(kam_rows),
        teams=ranked(make(f, key=key, label=label) for key, (label, f) in team_sums.items()),
        company=make(total([f for _, f in team_sums.values()]), key="company", label="Company"),
    )


@dataclass
class OpenInvoice:
    invoice_id: int
    number: str
    client_id: int
    client: str
    issue_date: dt.date
    due_date: dt.date
    gross_total: Decimal
    open_amount: Decimal
    days_past_due: int
    bucket: str


def open_invoices_as_of(
    *,
    invoices: QuerySet[Invoice],
    as_of: dt.date,
    edges: Sequence[int] | None = None,
    bucket: str | None = None,
) -> list[OpenInvoice]:
    """The drill-down: each invoice of ``invoices`` (already scoped and filtered by the
    caller) with a non-zero open amount on ``as_of``, with its days past due and bucket."""
    from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    edges = tuple(edges) if edges else parse_edges(None)
    labels = bucket_labels(edges)
    if bucket is not None and bucket not in labels:
        raise ValidationFailed(f"bucket: one of {', '.join(labels)}", field="bucket")
    money = DecimalField(max_digits=18, decimal_places=2)

    def summed(qs: QuerySet, column: str) -> Coalesce:
        sub = qs.values("invoice_id").annotate(s=Sum(column)).values("s")
        return Coalesce(Subquery(sub, output_field=money), Value(ZERO), output_field=money)

    allocated = Allocation.objects.filter(
        invoice_id=OuterRef("pk"), allocated_on__lte=as_of
    ).filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))
    credited = CreditNote.objects.filter(invoice_id=OuterRef("pk"), issue_date__lte=as_of)
    qs = (
        invoices.filter(issue_date__lte=as_of)
        .filter(Q(settled_on__isnull=True) | Q(settled_on__gt=as_of))
        .annotate(alloc=summed(allocated, "amount"), cred=summed(credited, "gross_total"))
        .select_related("client")
        .order_by("due_date", "id")
    )
    out: list[OpenInvoice] = []
    for inv in qs:
        open_amt = q2(inv.gross_total - inv.alloc - inv.cred)
        if open_amt == 0:
            continue
        days = (as_of - inv.due_date).days
        label = labels[bucket_index(days, edges)]
        if bucket is not None and label != bucket:
            continue
        out.append(
            OpenInvoice(
                invoice_id=inv.pk,
                number=inv.number,
                client_id=inv.client_id,
                client=inv.client.legal_name,
                issue_date=inv.issue_date,
                due_date=inv.due_date,
                gross_total=inv.gross_total,
                open_amount=open_amt,
                days_past_due=max(days, 0),
                bucket=label,
            )
        )
    return out

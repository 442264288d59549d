"""Aging over a million invoices, and a 5,000-document settlement statement, next to
DuckDB in memory computing the same aging on the same rows in the same run.

    .venv/bin/python -m benchmarks.bench_aging                      # SQLite scratch file
    .venv/bin/python -m benchmarks.bench_aging --invoices 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recv_bench .venv/bin/python -m benchmarks.bench_aging

DuckDB is in the ``bench`` dependency group: ``uv sync --group bench``.

``run(invoices=1_000_000, clients=5_000, as_of=...)`` generates four years of ledger
history (numpy, fixed seed): invoices over 5,000 clients of 50 KAMs in 5 teams; most
settled by one or two dated allocations, some late, some open or part-paid, 2 % with a
credit note, 0.3 % paid by a payment that bounced (reversed allocation) and paid again.
The rows go into the ledger tables with a raw bulk insert (SQLite ``executemany``,
PostgreSQL ``COPY``), and the very same arrays into DuckDB tables in memory — the
stored columns the aging reads included (``open_amount``, ``settled_on``,
``first_touched_on``, ``last_touched_on``, ``applied_on``), computed here from the
generated history as the ledger services keep them.

Then, best of three, as of ``as_of`` and as of a past day (31 March):
* Raktas: ``raktas.receivables.aging.raw_aging`` — the one aggregate SQL query the
  report runs (all clients, by client, five buckets, DSO window, days late) — and the
  whole ``aging_report`` (``report_sql``, one statement with the unapplied money, plus
  the names and the client/KAM/team roll-up in Python);
* DuckDB: the same SQL (``aging_sql(vendor="duckdb")``: PostgreSQL's text — date
  arithmetic and the settled part's grouping differ from SQLite's) on the same rows; for
  the report ratio the report's own statement (``report_sql``): per client the buckets,
  open invoices, DSO sales, days late and unapplied money — everything the report
  gives. The report's names and KAM/team/company roll-up (Python, plus one query for
  the names) are timed on the Raktas side only.
It prints both times and the ratio (target: Raktas ≤ 3 × DuckDB) and checks that
both found the same totals. The statement part times ``build_statement`` + PDF + XLSX
for one client with 5,000 documents (2,500 invoices, 2,500 payments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

AS_OF = dt.date(2026, 11, 28)
EPOCH = np.datetime64("1970-01-01", "D")


def setup_django() -> None:
    from django.conf import settings

    if settings.configured:
        return
    os.environ.setdefault("RAKTAS_ENV", "dev")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("RAKTAS_DATA_DIR", tempfile.mkdtemp(prefix="raktas-bench-aging-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


_CPU: list[float] = [0.0]


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs in wall-clock seconds; the CPU seconds of this
    process in that run are left in ``_CPU[0]`` (SQLite and DuckDB both run inside this
    process, so CPU time compares them fairly on a machine others are loading too)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        took = time.perf_counter() - start
        if took < best:
            best, _CPU[0] = took, time.process_time() - cpu
    return best, result


# --- data --------------------------------------------------------------------------


def generate(n: int, n_clients: int, as_of: dt.date, seed: int = 20261128) -> dict[str, Any]:
    """Ledger rows as numpy arrays (dates as days since 1970, money in cents)."""
    rng = np.random.default_rng(seed)
    today = (np.datetime64(as_of, "D") - EPOCH).astype(np.int64)
    inv_id = np.arange(1, n + 1, dtype=np.int64)
    client = rng.integers(1, n_clients + 1, n)
    issue = today - rng.integers(0, 4 * 365, n)
    terms = rng.choice(np.array([14, 30, 45, 60]), n)
    due = issue + terms
    gross = rng.integers(5_000, 500_000, n)  # 50.00 … 5,000.00
    # Credit notes: 2 %, a tenth of the invoice, five days after issue.
    has_cn = rng.random(n) < 0.02
    cn_amount = np.where(has_cn, gross // 10, 0)
    cn_date = issue + 5
    # When the client pays: around the due date, late more often than early.
    lateness = np.rint(rng.gamma(1.5, 12.0, n) - 8).astype(np.int64)
    paid_on = np.maximum(due + lateness, issue + 1)
    never = rng.random(n) < 0.01  # 1 % never paid: the over-90 tail
    settles = (paid_on <= today) & ~never
    # Part-paid: 30 % of the unsettled got half of it on a day before today.
    part = ~settles & (rng.random(n) < 0.3) & (issue < today)
    part_day = np.minimum(issue + rng.integers(1, 40, n), today)
    # 0.3 % of the settled were first paid by a payment that bounced ten days later.
    bounced = settles & (rng.random(n) < 0.003)
    due_amount = gross - cn_amount
    alloc_inv, alloc_amt, alloc_on, alloc_rev, alloc_kind = [], [], [], [], []
    idx = np.nonzero(settles)[0]
    alloc_inv.append(idx)
    alloc_amt.append(due_amount[idx])
    alloc_on.append(np.where(bounced[idx], paid_on[idx] + 20, paid_on[idx]))
    alloc_rev.append(np.full(idx.size, -1))
    alloc_kind.append(np.zeros(idx.size, dtype=np.int8))
    idx = np.nonzero(part)[0]
    alloc_inv.append(idx)
    alloc_amt.append(due_amount[idx] // 2)
    alloc_on.append(part_day[idx])
    alloc_rev.append(np.full(idx.size, -1))
    alloc_kind.append(np.zeros(idx.size, dtype=np.int8))
    idx = np.nonzero(bounced)[0]
    alloc_inv.append(idx)
    alloc_amt.append(due_amount[idx])
    alloc_on.append(paid_on[idx])
    alloc_rev.append(paid_on[idx] + 10)
    alloc_kind.append(np.ones(idx.size, dtype=np.int8))
    a_inv = np.concatenate(alloc_inv)
    a_on = np.concatenate(alloc_on)
    a_rev = np.concatenate(alloc_rev)
    a_amt = np.concatenate(alloc_amt)
    a_kind = np.concatenate(alloc_kind)
    # A re-payment dated after today leaves the bounced invoice open: drop it.
    keep = a_on <= today
    a_inv, a_on, a_rev, a_amt, a_kind = (x[keep] for x in (a_inv, a_on, a_rev, a_amt, a_kind))
    live = (a_rev < 0) | (a_rev > today)
    settled_amount = np.bincount(a_inv[live], weights=a_amt[live], minlength=n).astype(np.int64)
    open_now = gross - cn_amount - settled_amount
    # The history dates the ledger keeps: the last touch (issue, allocation, reversal,
    # credit note) and the first allocation or credit note (-1: none).
    last_touch = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_touch, a_inv, np.maximum(a_on, a_rev))
    last_touch = np.maximum(last_touch, np.where(has_cn, cn_date, issue))
    first_touch = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_touch, a_inv, a_on)
    first_touch = np.where(has_cn, np.minimum(first_touch, cn_date), first_touch)
    first_touch[first_touch == np.iinfo(np.int64).max] = -1
    settled_on = np.where(open_now == 0, last_touch, -1)
    # Payments: one per client and month of allocation, plus one per bounced payment.
    a_client = client[a_inv]
    month = a_on // 30
    normal = a_kind == 0
    keys = a_client * 10_000 + month
    uniq, pay_index = np.unique(
        np.where(normal, keys, -1 - np.arange(a_inv.size)), return_inverse=True
    )
    p_client = np.zeros(uniq.size, dtype=np.int64)
    p_client[pay_index] = a_client
    p_received = np.full(uniq.size, 10**9, dtype=np.int64)
    np.minimum.at(p_received, pay_index, a_on)
    p_amount = np.bincount(pay_index, weights=a_amt, minlength=uniq.size).astype(np.int64)
    p_reversed_on = np.full(uniq.size, -1, dtype=np.int64)
    p_reversed_on[pay_index[~normal]] = a_rev[~normal]
    # Fully applied on the day of its last allocation (every payment is allocated in
    # full here); a bounced one was reversed and has none, as the ledger keeps it.
    p_applied_on = np.full(uniq.size, -1, dtype=np.int64)
    np.maximum.at(p_applied_on, pay_index, a_on)
    p_applied_on[p_reversed_on >= 0] = -1
    return {
        "today": today,
        "inv": {
            "id": inv_id, "client": client, "issue": issue, "due": due, "gross": gross,
            "open": open_now, "settled_on": settled_on, "first_touch": first_touch,
            "last_touch": last_touch,
        },
        "cn": {"inv": np.nonzero(has_cn)[0] + 1, "amount": cn_amount[has_cn], "date": cn_date[has_cn],
               "client": client[has_cn]},
        "pay": {"id": np.arange(1, uniq.size + 1), "client": p_client, "received": p_received,
                "amount": p_amount, "reversed_on": p_reversed_on, "applied_on": p_applied_on},
        "alloc": {"payment": pay_index + 1, "inv": a_inv + 1, "amount": a_amt, "on": a_on,
                  "rev": a_rev},
    }  # fmt: skip


def _date(days: int) -> dt.date | None:
    return None if days < 0 else dt.date(1970, 1, 1) + dt.timedelta(days=int(days))


def _money(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _people(n_clients: int) -> None:
    """5 teams, 50 KAMs, ``n_clients`` clients with ids 1..n."""
    from raktas.catalog.models import PriceColumn, PriceList
    from raktas.clients.models import Client
    from raktas.org.models import Role, RoleGrant, Team, User

    price_list, _ = PriceList.objects.get_or_create(code="BENCH", defaults={"name": "Bench"})
    column, _ = PriceColumn.objects.get_or_create(
        code="BENCH", defaults={"name": "Bench", "position": 9, "price_list": price_list}
    )
    teams = [Team.objects.get_or_create(name=f"Bench team {t}")[0] for t in range(5)]
    kams = []
    for k in range(50):
        user, _ = User.objects.get_or_create(
            username=f"bench_kam_{k}", defaults={"team": teams[k % 5]}
        )
        RoleGrant.objects.get_or_create(user=user, role=Role.KAM)
        kams.append(user)
    Client.objects.bulk_create(
        [
            Client(id=i, legal_name=f"UAB Klientas {i}", owner=kams[i % 50], price_column=column)
            for i in range(1, n_clients + 1)
        ],
        batch_size=2000,
    )


def load(data: dict[str, Any], n_clients: int) -> float:
    """Write the rows into the ledger tables; seconds taken."""
    from django.db import connection, transaction

    from raktas.clients.models import Client
    from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for model in (Allocation, PaymentReversal, CreditNote, Payment, Invoice):
            cur.execute(f"DELETE FROM {model._meta.db_table}")
    with transaction.atomic():
        Client.objects.filter(owner__username__startswith="bench_kam_").delete()
        _people(n_clients)
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    inv, cn, pay, alloc = data["inv"], data["cn"], data["pay"], data["alloc"]
    rows: dict[str, tuple[list[str], Any]] = {
        Invoice._meta.db_table: (
            ["id", "number", "client_id", "issue_date", "due_date", "currency", "net_total",
             "vat_total", "gross_total", "cost_total", "open_amount", "settled_on",
             "first_touched_on", "last_touched_on", "created_at"],
            (
                (int(i), f"B{i:09d}", int(c), _date(s), _date(d), "EUR", _money(g), _money(0),
                 _money(g), _money(0), _money(o), _date(st), _date(ft), _date(lt), now)
                for i, c, s, d, g, o, st, ft, lt in zip(
                    inv["id"], inv["client"], inv["issue"], inv["due"], inv["gross"], inv["open"],
                    inv["settled_on"], inv["first_touch"], inv["last_touch"], strict=True)
            ),
        ),
        CreditNote._meta.db_table: (
            ["number", "client_id", "invoice_id", "issue_date", "reason", "note", "currency",
             "net_total", "vat_total", "gross_total", "cost_total", "created_at"],
            (
                (f"BCN{i:09d}", int(c), int(i), _date(d), "price", "", "EUR", _money(a), _money(0),
                 _money(a), _money(0), now)
                for i, c, d, a in zip(cn["inv"], cn["client"], cn["date"], cn["amount"], strict=True)
            ),
        ),
        Payment._meta.db_table: (
            ["id", "client_id", "received_on", "amount", "currency", "reference", "allocated_amount",
             "applied_on", "created_at"],
            (
                (int(i), int(c), _date(r), _money(a), "EUR", "", _money(a), _date(ap), now)
                for i, c, r, a, ap in zip(pay["id"], pay["client"], pay["received"], pay["amount"],
                                          pay["applied_on"], strict=True)
            ),
        ),
        Allocation._meta.db_table: (
            ["payment_id", "invoice_id", "amount", "allocated_on", "reversed_on", "created_at"],
            (
                (int(p), int(i), _money(a), _date(o), _date(r), now)
                for p, i, a, o, r in zip(alloc["payment"], alloc["inv"], alloc["amount"], alloc["on"],
                                         alloc["rev"], strict=True)
            ),
        ),
        PaymentReversal._meta.db_table: (
            ["payment_id", "client_id", "reversed_on", "amount", "reason", "created_at"],
            (
                (int(i), int(c), _date(r), _money(a), "bounced", now)
                for i, c, r, a in zip(pay["id"], pay["client"], pay["reversed_on"], pay["amount"], strict=True)
                if r >= 0
            ),
        ),
    }  # fmt: skip
    # One transaction: on SQLite with synchronous=FULL every autocommitted batch would
    # wait for the disk.
    with transaction.atomic(), connection.cursor() as cur:
        for table, (cols, gen) in rows.items():
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in gen:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols))
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
                batch: list[tuple[Any, ...]] = []
                for row in gen:
                    batch.append(tuple(str(v) if isinstance(v, Decimal) else v for v in row))
                    if len(batch) >= 50_000:
                        cur.executemany(sql, batch)
                        batch = []
                if batch:
                    cur.executemany(sql, batch)
        if connection.vendor == "postgresql":
            for table in rows:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    if connection.vendor == "postgresql":
        # What autovacuum does to a live table shortly after a bulk load: the visibility
        # map lets index-only scans skip the table rows (outside the transaction).
        with connection.cursor() as cur:
            for table in rows:
                cur.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - start


def _vacuum() -> None:
    from django.db import connection

    from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal

    with connection.cursor() as cur:
        for model in (Invoice, Allocation, CreditNote, Payment, PaymentReversal):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def duckdb_tables(data: dict[str, Any]) -> Any:
    """The same rows in DuckDB tables in memory, with the columns the aging reads."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(":memory:")

    def dates(days: np.ndarray) -> np.ndarray:
        out = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[s]")
        return np.where(days < 0, np.datetime64("NaT", "s"), out)

    inv, cn, alloc, pay = data["inv"], data["cn"], data["alloc"], data["pay"]
    rev = pay["reversed_on"] >= 0
    frames = {
        "inv": pd.DataFrame({
            "id": inv["id"], "client_id": inv["client"], "issue_date": dates(inv["issue"]),
            "due_date": dates(inv["due"]), "gross_cents": inv["gross"],
            "open_cents": inv["open"], "settled_on": dates(inv["settled_on"]),
            "first_touched_on": dates(inv["first_touch"]),
            "last_touched_on": dates(inv["last_touch"]),
        }),
        "cn": pd.DataFrame({"invoice_id": cn["inv"], "client_id": cn["client"],
                            "issue_date": dates(cn["date"]), "gross_cents": cn["amount"]}),
        "al": pd.DataFrame({"invoice_id": alloc["inv"], "payment_id": alloc["payment"],
                            "amount_cents": alloc["amount"], "allocated_on": dates(alloc["on"]),
                            "reversed_on": dates(alloc["rev"])}),
        "pay": pd.DataFrame({"id": pay["id"], "client_id": pay["client"],
                             "received_on": dates(pay["received"]), "amount_cents": pay["amount"],
                             "applied_on": dates(pay["applied_on"])}),
        "rev": pd.DataFrame({"client_id": pay["client"][rev],
                             "reversed_on": dates(pay["reversed_on"][rev]),
                             "amount_cents": pay["amount"][rev]}),
    }  # fmt: skip
    for name, frame in frames.items():
        con.register(f"{name}_df", frame)
    con.execute(
        "CREATE TABLE ledger_invoice AS SELECT id, client_id, CAST(issue_date AS DATE) issue_date,"
        " CAST(due_date AS DATE) due_date, CAST(gross_cents AS DECIMAL(18,0)) * 0.01 gross_total,"
        " CAST(open_cents AS DECIMAL(18,0)) * 0.01 open_amount, CAST(settled_on AS DATE) settled_on,"
        " CAST(first_touched_on AS DATE) first_touched_on,"
        " CAST(last_touched_on AS DATE) last_touched_on FROM inv_df"
    )
    con.execute("CREATE TABLE clients_client AS SELECT DISTINCT client_id AS id FROM inv_df")
    con.execute(
        "CREATE TABLE ledger_creditnote AS SELECT invoice_id, client_id, CAST(issue_date AS DATE)"
        " issue_date, CAST(gross_cents AS DECIMAL(18,0)) * 0.01 gross_total FROM cn_df"
    )
    con.execute(
        "CREATE TABLE ledger_allocation AS SELECT invoice_id, payment_id,"
        " CAST(amount_cents AS DECIMAL(18,0)) * 0.01 amount, CAST(allocated_on AS DATE)"
        " allocated_on, CAST(reversed_on AS DATE) reversed_on FROM al_df"
    )
    con.execute(
        "CREATE TABLE ledger_payment AS SELECT id, client_id, CAST(received_on AS DATE)"
        " received_on, CAST(amount_cents AS DECIMAL(18,0)) * 0.01 amount,"
        " CAST(applied_on AS DATE) applied_on FROM pay_df"
    )
    con.execute(
        "CREATE TABLE ledger_paymentreversal AS SELECT client_id, CAST(reversed_on AS DATE)"
        " reversed_on, CAST(amount_cents AS DECIMAL(18,0)) * 0.01 amount FROM rev_df"
    )
    return con


def duckdb_aging(con: Any, as_of: dt.date) -> list[tuple[Any, ...]]:
    from raktas.receivables.aging import aging_sql

    sql, params = aging_sql("duckdb", as_of=as_of, edges=(30, 60, 90), dso_days=90)
    return con.execute(sql.replace("%s", "?"), params).fetchall()


def duckdb_unapplied(con: Any, as_of: dt.date) -> list[tuple[Any, ...]]:
    from raktas.receivables.aging import unapplied_sql

    sql, params = unapplied_sql(as_of=as_of)
    return con.execute(sql.replace("%s", "?"), params).fetchall()


def duckdb_report(con: Any, as_of: dt.date) -> list[tuple[Any, ...]]:
    """Everything the report gives per client — buckets, open invoices, DSO sales, days
    late, settled count, unapplied — by the report's own statement (``report_sql``)."""
    from raktas.receivables.aging import report_sql

    sql, params = report_sql("duckdb", as_of=as_of, edges=(30, 60, 90), dso_days=90)
    return con.execute(sql.replace("%s", "?"), params).fetchall()


def _unapplied_total(rows: list[tuple[Any, ...]]) -> Decimal:
    return sum((Decimal(str(r[1])).quantize(Decimal("0.01")) for r in rows), Decimal(0))


def _total(rows: list[tuple[Any, ...]]) -> Decimal:
    # Rows are (client, bucket, open amount, …): the open amounts, to the cent.
    return sum((Decimal(str(r[2])).quantize(Decimal("0.01")) for r in rows), Decimal(0))


# --- statement ----------------------------------------------------------------------


def statement_bench() -> dict[str, Any]:
    """A client with 5,000 documents: 2,500 invoices and 2,500 payments in one year."""
    from raktas.clients.models import Client
    from raktas.ledger.models import Invoice, Payment
    from raktas.receivables.statement import build_statement, statement_pdf, statement_xlsx

    client = Client.objects.order_by("pk").first()
    assert client is not None
    Invoice.objects.filter(number__startswith="ST-").delete()
    Payment.objects.filter(reference="bench statement").delete()
    start = dt.date(2025, 12, 1)
    Invoice.objects.bulk_create(
        Invoice(number=f"ST-{i:06d}", client=client, issue_date=start + dt.timedelta(days=i % 360),
                due_date=start + dt.timedelta(days=i % 360 + 30), gross_total=Decimal("121.00"),
                net_total=Decimal("100.00"), vat_total=Decimal("21.00"), open_amount=Decimal("121.00"))
        for i in range(2500)
    )  # fmt: skip
    Payment.objects.bulk_create(
        Payment(client=client, received_on=start + dt.timedelta(days=i % 360 + 20),
                amount=Decimal("100.00"), reference="bench statement")
        for i in range(2500)
    )  # fmt: skip
    date_from, date_to = dt.date(2025, 12, 1), dt.date(2026, 11, 28)
    t_build, st = best_of(lambda: build_statement(client, date_from, date_to))
    t_pdf, pdf = best_of(lambda: statement_pdf(st, "lt"), repeat=1)
    t_xlsx, _ = best_of(lambda: statement_xlsx(st, "lt"), repeat=1)
    lines = len(st.lines)
    Invoice.objects.filter(number__startswith="ST-").delete()
    Payment.objects.filter(reference="bench statement").delete()
    return {"documents_in_period": lines, "build_s": t_build, "pdf_s": t_pdf,
            "pdf_pages": pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"), "xlsx_s": t_xlsx}  # fmt: skip


# --- run ----------------------------------------------------------------------------


def run(
    invoices: int = 1_000_000,
    clients: int = 5_000,
    as_of: dt.date = AS_OF,
    past: dt.date = dt.date(2026, 3, 31),
    statement: bool = True,
    reuse: bool = True,
) -> dict[str, Any]:
    setup_django()
    from django.db import connection

    from raktas.clients.models import Client
    from raktas.ledger.models import Invoice
    from raktas.receivables.aging import aging_report, raw_aging

    data = generate(invoices, clients, as_of)
    # The rows are generated from a fixed seed: a database that already holds exactly
    # this many invoices from an earlier run holds these rows (pass reuse=False to reload).
    load_s = 0.0 if reuse and Invoice.objects.count() == invoices else load(data, clients)
    if connection.vendor == "postgresql" and not load_s:
        # A reused database may have been migrated since (rows rewritten): vacuum as
        # autovacuum would, so index-only scans skip the table rows as after a load.
        _vacuum()
    con = duckdb_tables(data)
    out: dict[str, Any] = {
        "database": connection.vendor,
        "invoices": invoices,
        "allocations": int(data["alloc"]["inv"].size),
        "credit_notes": int(data["cn"]["inv"].size),
        "clients": clients,
        "load_s": round(load_s, 1),
    }
    for label, day in (("today", as_of), ("past", past)):
        t_sql, rows = best_of(lambda day=day: raw_aging(as_of=day, edges=(30, 60, 90), dso_days=90))
        c_sql = _CPU[0]
        t_report, report = best_of(
            lambda day=day: aging_report(
                clients=Client.objects.all(), as_of=day, edges=(30, 60, 90)
            )
        )
        c_report = _CPU[0]
        t_duck, duck = best_of(lambda day=day: duckdb_aging(con, day))
        c_duck = _CPU[0]
        # Like with like: DuckDB computes everything the report gives per client (the
        # buckets, unapplied money, DSO sales, days late) with the report's statement.
        # It leaves out what the report adds on top (client/KAM/team names, the roll-up
        # into KAM, team and company rows): that counts against Raktas, not DuckDB.
        t_duck_full, duck_report = best_of(lambda day=day: duckdb_report(con, day))
        c_duck_full = _CPU[0]
        duck_unapplied = duckdb_unapplied(con, day)
        duck_open = sum(sum(int(v) for v in r[1:6]) for r in duck_report)
        same = (
            _total(rows) == _total(duck) == report.company.total
            and Decimal(duck_open).scaleb(-2) == report.company.total
        )
        same_unapplied = (
            _unapplied_total(duck_unapplied)
            == Decimal(sum(int(r[-1]) for r in duck_report)).scaleb(-2)
            == report.company.unapplied
        )
        out[label] = {
            "as_of": day.isoformat(),
            "raktas_query_s": round(t_sql, 4),
            "raktas_report_s": round(t_report, 4),
            "duckdb_s": round(t_duck, 4),
            "ratio_query": round(t_sql / t_duck, 2),
            "duckdb_report_s": round(t_duck_full, 4),
            "ratio_report": round(t_report / t_duck_full, 2),
            # CPU seconds of this process: on SQLite the whole query; on PostgreSQL the
            # query runs in the server, so only the wall-clock figures compare.
            "raktas_query_cpu_s": round(c_sql, 4),
            "duckdb_cpu_s": round(c_duck, 4),
            "ratio_query_cpu": round(c_sql / c_duck, 2) if c_duck else None,
            "raktas_report_cpu_s": round(c_report, 4),
            "duckdb_report_cpu_s": round(c_duck_full, 4),
            "ratio_report_cpu": round(c_report / c_duck_full, 2) if c_duck_full else None,
            "open_total": str(report.company.total),
            "unapplied_total": str(report.company.unapplied),
            "same_totals": same,
            "same_unapplied": same_unapplied,
        }
    if statement:
        out["statement"] = statement_bench()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--no-statement", action="store_true")
    parser.add_argument("--reload", action="store_true", help="reload the rows even if present")
    args = parser.parse_args(argv)
    result = run(
        args.invoices, args.clients, statement=not args.no_statement, reuse=not args.reload
    )
    print(json.dumps(result, indent=2))
    for label in ("today", "past"):
        r = result[label]
        print(
            f"{result['database']:>10} aging as of {r['as_of']}: query {r['raktas_query_s']:.3f}s, "
            f"report {r['raktas_report_s']:.3f}s | DuckDB {r['duckdb_s']:.3f}s "
            f"(report statement {r['duckdb_report_s']:.3f}s) | "
            f"ratio {r['ratio_query']:.2f}x (report {r['ratio_report']:.2f}x; CPU "
            f"{r['raktas_query_cpu_s']:.3f}s vs {r['duckdb_cpu_s']:.3f}s; report CPU "
            f"{r['raktas_report_cpu_s']:.3f}s vs {r['duckdb_report_cpu_s']:.3f}s) | "
            f"same totals: {r['same_totals']}, same unapplied: {r['same_unapplied']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Import throughput next to a raw bulk insert of the same rows, in the same run.

    .venv/bin/python -m benchmarks.bench_import 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/imp_bench .venv/bin/python -m benchmarks.bench_import 100000

``run(n_rows)`` generates ``n_rows`` client rows and ``n_rows`` order lines (five
per order) as CSV files, and for each:

* imports the file with ``raktas.imports.services.import_file`` — parsing, every
  validation, the rights and scoping checks, the audit entry, one transaction;
* inserts the same rows raw into a scratch copy of the table (same columns,
  indexes and constraints; on PostgreSQL ``LIKE … INCLUDING ALL``, which leaves out
  foreign keys): ``executemany`` of ready-made tuples on SQLite; on PostgreSQL both
  ``executemany`` and ``COPY``. The raw side is given the rows already parsed, so
  the comparison is the whole import against the database's bare insert.

It prints rows/s for both and the ratio (target: import ≥ 0.5 × raw). Wall time and
the CPU time of this process are both reported: other work on a shared machine
stretches wall time. The rows it creates are deleted again at the end (audit
entries stay: they cannot be deleted).

When run directly (or imported outside a configured Django) it configures Django
itself: ``RAKTAS_ENV=dev`` and, unless ``DATABASE_URL`` says otherwise, a scratch
SQLite file under ``$RAKTAS_DATA_DIR`` (default a temporary directory), migrated
on first use.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROWS_PER_ORDER = 5


def setup_django() -> None:
    """Configure Django if nobody has (a direct run); harmless when already set up."""
    from django.conf import settings

    if settings.configured:
        return
    os.environ.setdefault("RAKTAS_ENV", "dev")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("RAKTAS_DATA_DIR", tempfile.mkdtemp(prefix="raktas-bench-import-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _people() -> tuple[Any, Any, Any]:
    from raktas.catalog.models import Price, PriceColumn, PriceList, Product
    from raktas.org.models import Role, RoleGrant, User

    def user(name: str, role: str) -> Any:
        obj, _ = User.objects.get_or_create(username=name)
        RoleGrant.objects.get_or_create(user=obj, role=role)
        obj.forget_cached_access()
        return obj

    kam = user("bench_import_kam", Role.KAM)
    director = user("bench_import_director", Role.DIRECTOR)
    price_list, _ = PriceList.objects.get_or_create(code="MAIN", defaults={"name": "Main"})
    column, _ = PriceColumn.objects.get_or_create(
        price_list=price_list, code="WHOLESALE", defaults={"name": "Wholesale"}
    )
    for i in range(1, 11):
        product, _ = Product.objects.get_or_create(
            sku=f"BENCH-P-{i}", defaults={"name": f"Bench prekė {i}", "cost": 5}
        )
        Price.objects.get_or_create(
            product=product, column=column, valid_from="2020-01-01", defaults={"price": 9 + i}
        )
    return kam, director, column


# --- scratch copies of a table ------------------------------------------------------


def _scratch_table(table: str) -> str:
    """A copy of ``table`` with the same columns, indexes and constraints, empty."""
    from django.db import connection

    scratch = f"bench_raw_{table}"
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {scratch}")
        if connection.vendor == "postgresql":
            cur.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
        else:
            rows = cur.execute(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                [table],
            ).fetchall()
            for kind, sql in sorted(rows, key=lambda r: r[0] != "table"):
                sql = sql.replace(f'"{table}"', f'"{scratch}"')
                if kind == "index":
                    sql = sql.replace('INDEX "', f'INDEX "{scratch}_', 1)
                cur.execute(sql)
    return scratch


def _drop(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {table}")


def _raw_insert(table: str, columns: list[str], rows: list[tuple[Any, ...]], *, copy: bool) -> None:
    """Insert prepared tuples in one transaction: executemany, or COPY on PostgreSQL."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        if copy:
            raw = cur.cursor  # psycopg's own cursor: COPY is not in the DB-API
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copier:
                for row in rows:
                    copier.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# --- the rows -------------------------------------------------------------------------

CLIENT_HEADER = [
    "external_id", "legal_name", "registration_code", "vat_code", "status", "tier",
    "price_column", "payment_terms_days", "credit_limit", "currency", "city", "address",
    "country",
]  # fmt: skip


def _client_row(token: str, i: int) -> list[str]:
    return [
        f"BI-{token}-{i}",
        f"UAB „Bandymas {i}“ – Ąžuolų ūkis",
        f"9{token[:3]}{i:08d}"[:32],
        f"LT{i:09d}",
        "active",
        "key",
        "WHOLESALE",
        "30",
        "0",
        "EUR",
        "Šiauliai",
        f"Vilniaus g. {i % 500}",
        "LT",
    ]


def _write(path: Path, header: list[str], rows: Any) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _client_tuples(
    token: str, n: int, owner_id: int, column_id: int
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The same clients as ready-to-insert tuples for the raw side."""
    import datetime as dt
    from decimal import Decimal

    from raktas.core.search import client_search_text

    now = dt.datetime.now(dt.UTC)
    columns = [
        "external_id", "legal_name", "registration_code", "vat_code", "status", "owner_id",
        "tier", "price_column_id", "payment_terms_days", "credit_limit", "currency", "city",
        "address", "country", "created_at", "updated_at", "search_text",
    ]  # fmt: skip
    rows = []
    for i in range(n):
        r = _client_row(token, i)
        # The folded search text is computed on the raw side too, as the import does.
        rows.append(
            (r[0], r[1], r[2], r[3], r[4], owner_id, r[5], column_id, 30, Decimal("0.00"),
             r[9], r[10], r[11], r[12], now, now, client_search_text(r[1], r[10]))
        )  # fmt: skip
    return columns, rows


ORDER_HEADER = [
    "external_id",
    "client",
    "order_date",
    "status",
    "sku",
    "quantity",
    "unit_price",
    "discount_pct",
]


def _line_rows(token: str, n: int) -> Any:
    for i in range(n):
        yield [
            f"BO-{token}-{i // ROWS_PER_ORDER}",
            f"BI-{token}-{(i // ROWS_PER_ORDER) % 50}",
            "2024-03-15",
            "invoiced",
            f"BENCH-P-{i % 10 + 1}",
            str(i % 9 + 1),
            "" if i % 2 else "12,5000",
            "5",
        ]


def _line_tuples(
    n: int, order_ids: list[int], product_ids: list[int]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    from decimal import Decimal

    columns = [
        "order_id", "line_no", "product_id", "quantity", "list_price", "discount_pct", "net",
        "vat_rate", "vat", "gross", "unit_cost",
    ]  # fmt: skip
    rows = []
    for i in range(n):
        qty = Decimal(i % 9 + 1)
        rows.append(
            (order_ids[i // ROWS_PER_ORDER], i % ROWS_PER_ORDER + 1, product_ids[i % 10], qty,
             Decimal("12.5000"), Decimal("5.00"), Decimal("11.88") * qty, Decimal("21.00"),
             Decimal("2.49") * qty, Decimal("14.37") * qty, Decimal("5.0000"))
        )  # fmt: skip
    return columns, rows


# --- the run ----------------------------------------------------------------------------


def run(n_rows: int) -> dict[str, Any]:
    """Import ``n_rows`` clients and ``n_rows`` order lines; time a raw insert of each."""
    setup_django()
    from django.db import connection

    from raktas.catalog.models import Product
    from raktas.clients.models import Client
    from raktas.imports.services import import_file
    from raktas.orders.models import Order, OrderLine

    kam, _director, column = _people()
    token = uuid.uuid4().hex[:8]
    result: dict[str, Any] = {"vendor": connection.vendor, "n_rows": n_rows}
    with tempfile.TemporaryDirectory(prefix="raktas-bench-import-") as tmp:
        clients_csv = _write(
            Path(tmp) / "clients.csv", CLIENT_HEADER, (_client_row(token, i) for i in range(n_rows))
        )
        wall, cpu, report = _timed(lambda: import_file(by=kam, kind="clients", path=clients_csv))
        assert report.status == "committed" and report.created == n_rows, report.message
        result["clients_import"] = {
            "seconds": wall,
            "cpu_seconds": cpu,
            "rows_per_s": n_rows / wall,
        }
        columns, tuples = _client_tuples(token, n_rows, kam.pk, column.pk)
        result["clients_raw"] = _raw_variants("clients_client", columns, tuples)

        n_lines = n_rows
        lines_csv = _write(Path(tmp) / "lines.csv", ORDER_HEADER, _line_rows(token, n_lines))
        wall, cpu, report = _timed(lambda: import_file(by=kam, kind="orders", path=lines_csv))
        assert report.status == "committed", (report.message, report.errors[:3])
        result["lines_import"] = {"seconds": wall, "cpu_seconds": cpu, "rows_per_s": n_lines / wall}
        orders = list(
            Order.objects.filter(external_id__startswith=f"BO-{token}-").values_list(
                "pk", flat=True
            )
        )
        products = list(
            Product.objects.filter(sku__startswith="BENCH-P-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        columns, tuples = _line_tuples(n_lines, sorted(orders), products)
        result["lines_raw"] = _raw_variants("orders_orderline", columns, tuples)

        # Leave the database as we found it (audit entries and import runs stay).
        OrderLine.objects.filter(order_id__in=orders).delete()
        Order.objects.filter(pk__in=orders).delete()
        Client.objects.filter(external_id__startswith=f"BI-{token}-").delete()
    for what in ("clients", "lines"):
        imp = result[f"{what}_import"]["rows_per_s"]
        raw = result[f"{what}_raw"]
        best = max(v["rows_per_s"] for v in raw.values())
        result[f"{what}_ratio"] = imp / best
        result[f"{what}_ratio_vs"] = {k: imp / v["rows_per_s"] for k, v in raw.items()}
        # On SQLite the database works inside this process, so CPU seconds compare
        # like with like even when other work on the machine stretches wall time.
        cpu = result[f"{what}_import"]["cpu_seconds"]
        result[f"{what}_cpu_ratio_vs"] = {k: v["cpu_seconds"] / cpu for k, v in raw.items()}
        # On SQLite the database works inside this process, so CPU seconds compare
        # like with like even when other work on the machine stretches wall time.
        cpu = result[f"{what}_import"]["cpu_seconds"]
        result[f"{what}_cpu_ratio_vs"] = {k: v["cpu_seconds"] / cpu for k, v in raw.items()}
    return result


def _raw_variants(table: str, columns: list[str], tuples: list[tuple[Any, ...]]) -> dict[str, Any]:
    from django.db import connection

    variants = {"executemany": False}
    if connection.vendor == "postgresql":
        variants["copy"] = True
    out = {}
    for name, copy in variants.items():
        scratch = _scratch_table(table)
        try:
            wall, cpu, _ = _timed(partial(_raw_insert, scratch, columns, tuples, copy=copy))
        finally:
            _drop(scratch)
        out[name] = {"seconds": wall, "cpu_seconds": cpu, "rows_per_s": len(tuples) / wall}
    return out


def print_result(result: dict[str, Any]) -> None:
    print(f"import throughput on {result['vendor']}, {result['n_rows']:,} rows each")
    for what, label in (("clients", "clients"), ("lines", "order lines")):
        imp = result[f"{what}_import"]
        print(
            f"  {label:12} import          {imp['rows_per_s']:>8,.0f} rows/s"
            f"  ({imp['seconds']:.2f} s, CPU {imp['cpu_seconds']:.2f} s)"
        )
        for name, raw in result[f"{what}_raw"].items():
            print(
                f"  {label:12} raw {name:<11} {raw['rows_per_s']:>8,.0f} rows/s"
                f"  ({raw['seconds']:.2f} s, CPU {raw['cpu_seconds']:.2f} s)"
            )
        ratios = ", ".join(f"{v:.2f} × {k}" for k, v in result[f"{what}_ratio_vs"].items())
        verdict = "ok" if result[f"{what}_ratio"] >= 0.5 else "BELOW TARGET"
        print(f"  {label:12} import = {ratios}  (target ≥ 0.5 × the fastest raw: {verdict})")
        if result["vendor"] == "sqlite":
            cpu = ", ".join(f"{v:.2f} × {k}" for k, v in result[f"{what}_cpu_ratio_vs"].items())
            print(f"  {label:12} by CPU time: import = {cpu}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 20_000
    result = run(n)
    print_result(result)
    if "--json" in args:
        print(json.dumps(result))


if __name__ == "__main__":
    main()

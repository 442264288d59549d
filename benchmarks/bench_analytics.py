"""Analytics benchmarks (figures for the report, not timed tests).

    .venv/bin/python -m benchmarks.bench_analytics clv
    .venv/bin/python -m benchmarks.bench_analytics abc --lines 10000000 --clients 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ana_bench .venv/bin/python -m benchmarks.bench_analytics abc

The comparison packages are in the ``bench`` dependency group:
``uv sync --group bench`` (DuckDB, lifetimes 0.11.3 with pandas).

``clv``: the BG/NBD and Gamma-Gamma fits of ``raktas.analytics.clv`` on the full CDNOW
master (23,570 customers, 39-week calibration from 1997-01-01) and on 50,000 synthetic
clients drawn from the BG/NBD and Gamma-Gamma generative processes with the published
CDNOW parameters (``synthetic_summary``), each next to ``lifetimes`` on the same arrays
in the same run, with the ratio lifetimes / raktas (above 1: Raktas is faster).

``abc``: ABC/Pareto of clients and of products over a period, read from the rollup
tables Raktas keeps, next to DuckDB in memory aggregating the raw order lines the
rollups were built from (see ``run_abc``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from raktas.analytics import clv

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RAKTAS_SHARED_DATA", ROOT.parent / "shared" / "data"))


_LAST: list[Any] = [None]


def best_of_cpu(
    fn: Callable[[], Any], repeat: int = 3, server_cpu: Callable[[], float] | None = None
) -> tuple[float, float]:
    """The fastest of ``repeat`` runs: (wall-clock seconds, CPU seconds of this process,
    plus the database server's when ``server_cpu`` reads it). CPU time is printed too
    because other work on a shared machine stretches wall time."""
    walls, cpus = [], []
    server = server_cpu or (lambda: 0.0)
    for _ in range(repeat):
        start, cpu, served = time.perf_counter(), time.process_time(), server()
        _LAST[0] = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu + server() - served)
    return min(walls), min(cpus)


def _backend_cpu_reader() -> Callable[[], float] | None:
    """CPU seconds of this connection's PostgreSQL backend, read from /proc when the
    server runs on this machine (10 ms ticks; parallel workers are not counted)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat, tick = Path(f"/proc/{pid}/stat"), os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    try:
        read()
    except OSError:
        return None
    return read


# --- Lifetime value ---------------------------------------------------------------


def cdnow_master_summary() -> clv.Summary:
    """x, t_x, T (weeks) of the 23,570 CDNOW customers, calibration 1997-01-01 … 1997-09-30."""
    raw = np.loadtxt(DATA / "cdnow" / "CDNOW_master.txt", dtype=np.float64, skiprows=1)
    ids = raw[:, 0].astype(np.int64)
    ymd = raw[:, 1].astype(np.int64)
    dates = np.array(
        [f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" for d in ymd],
        dtype="datetime64[D]",
    )
    days = (dates - np.datetime64("1997-01-01")).astype(np.int64)
    end = int((np.datetime64("1997-09-30") - np.datetime64("1997-01-01")).astype(np.int64))
    return clv.summarise(ids, days, raw[:, 3], end_day=end)


# The published CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013), used as
# the true parameters of the synthetic population.
CDNOW_BGNBD = (0.243, 4.414, 0.793, 2.426)  # r, alpha, a, b (weeks)
CDNOW_GG = (6.25, 3.74, 15.44)  # p, q, gamma


def synthetic_summary(n: int, seed: int = 7) -> clv.Summary:
    """n clients drawn from the BG/NBD generative process with the CDNOW parameters.

    Each client has a purchase rate λ ~ Gamma(r, α) and a dropout probability
    p ~ Beta(a, b); after the first purchase at week 0 it buys at exponential gaps and,
    after each repeat purchase, drops out with probability p. The calibration period T
    is uniform over 26–78 weeks (CDNOW's customers were acquired over 12 weeks and
    watched for 39: a longer spread gives the fit more to estimate). Spend per repeat
    purchase follows Gamma-Gamma with the CDNOW p, q, γ: ν ~ Gamma(q, γ), each
    purchase ~ Gamma(p, ν), m̄ their mean. Deterministic by ``seed``."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = CDNOW_BGNBD
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    T = rng.uniform(26, 78, n)
    t = np.zeros(n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        t = t + rng.exponential(1.0 / np.maximum(lam, 1e-12))
        bought = alive & (t <= T)
        x[bought] += 1
        t_x[bought] = t[bought]
        alive = bought & (rng.uniform(size=n) >= drop)
    t_x = np.round(t_x, 2)
    T = np.round(T, 2)
    p, q, gamma = CDNOW_GG
    nu = rng.gamma(q, 1.0 / gamma, n)
    # The sum of x purchases each ~ Gamma(p, ν) is Gamma(p·x, ν); m̄ = that sum / x.
    m = np.where(x > 0, rng.gamma(p * np.maximum(x, 1), 1.0 / nu) / np.maximum(x, 1), 0.0)
    return clv.Summary(
        ids=np.arange(n), x=x, t_x=t_x, T=T, m=np.round(m, 2), first_value=np.zeros(n)
    )


def _lifetimes_fit(s: clv.Summary) -> dict[str, Any]:
    try:
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except Exception as exc:
        return {"error": f"lifetimes not usable: {type(exc).__name__}: {exc}"}
    frame = pd.DataFrame({"x": s.x, "t_x": s.t_x, "T": s.T, "m": s.m})
    repeat = frame[(frame.x > 0) & (frame.m > 0)]

    def bg() -> Any:
        return BetaGeoFitter().fit(frame.x, frame.t_x, frame["T"])

    def gg() -> Any:
        return GammaGammaFitter().fit(repeat.x, repeat.m)

    t_bg, cpu_bg = best_of_cpu(bg)
    bgf = _LAST[0]
    t_gg, cpu_gg = best_of_cpu(gg)
    ggf = _LAST[0]
    params = {k: float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")}
    return {
        "bgnbd_s": t_bg,
        "bgnbd_cpu_s": cpu_bg,
        "gamma_gamma_s": t_gg,
        "gamma_gamma_cpu_s": cpu_gg,
        "bgnbd": params,
        # The same likelihood function scores both estimates.
        "bgnbd_ll": clv.bgnbd_log_likelihood(tuple(params.values()), s.x, s.t_x, s.T),  # type: ignore[arg-type]
        "gamma_gamma": {k: float(ggf.params_[k]) for k in ("p", "q", "v")},
    }


def _ours_fit(s: clv.Summary) -> dict[str, Any]:
    repeat = (s.x > 0) & (s.m > 0)  # a few CDNOW purchases are worth $0
    t_bg, cpu_bg = best_of_cpu(lambda: clv.fit_bgnbd(s.x, s.t_x, s.T))
    bg = _LAST[0]
    t_gg, cpu_gg = best_of_cpu(lambda: clv.fit_gamma_gamma(s.x[repeat], s.m[repeat]))
    gg = _LAST[0]
    return {
        "bgnbd_s": t_bg,
        "bgnbd_cpu_s": cpu_bg,
        "gamma_gamma_s": t_gg,
        "gamma_gamma_cpu_s": cpu_gg,
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b},
        "bgnbd_ll": bg.log_likelihood,
        "gamma_gamma": {"p": gg.p, "q": gg.q, "v": gg.gamma},
    }


def run_clv(clients: int = 50_000) -> dict[str, Any]:
    out: dict[str, Any] = {}
    datasets: list[tuple[str, Callable[[], clv.Summary]]] = [
        ("synthetic", lambda: synthetic_summary(clients))
    ]
    if (DATA / "cdnow" / "CDNOW_master.txt").exists():
        datasets.insert(0, ("cdnow_master", cdnow_master_summary))
    for name, make in datasets:
        summary = make()
        out[name] = {
            "customers": len(summary.x),
            "repeat_buyers": int((summary.x > 0).sum()),
            "raktas": _ours_fit(summary),
            "lifetimes": _lifetimes_fit(summary),
        }
        if name == "synthetic":
            out[name]["true"] = {
                "bgnbd": dict(zip(("r", "alpha", "a", "b"), CDNOW_BGNBD, strict=True)),
                "gamma_gamma": dict(zip(("p", "q", "v"), CDNOW_GG, strict=True)),
            }
    return out


def print_clv(result: dict[str, Any]) -> None:
    for name, block in result.items():
        ours, theirs = block["raktas"], block["lifetimes"]
        true = block.get("true", {"bgnbd": {}, "gamma_gamma": {}})
        print(f"\n== {name}: {block['customers']:,} customers, {block['repeat_buyers']:,} repeat")
        print(f"{'':20}{'raktas':>12}{'lifetimes':>12}{'ratio':>9}{'true':>10}")
        if "error" in theirs:
            print(f"  lifetimes: {theirs['error']}")
            theirs = {"bgnbd": {}, "gamma_gamma": {}}
        for key in ("bgnbd_s", "bgnbd_cpu_s", "gamma_gamma_s", "gamma_gamma_cpu_s"):
            other = theirs.get(key, float("nan"))
            ratio = other / ours[key] if ours[key] else float("nan")
            print(f"  {key:18}{ours[key]:12.4f}{other:12.4f}{ratio:8.2f}x")
        for model in ("bgnbd", "gamma_gamma"):
            for param, value in ours[model].items():
                other = theirs[model].get(param, float("nan"))
                known = true[model].get(param)
                tail = f"{'':9}{known:10.4g}" if known is not None else ""
                print(f"  {model[:2]}.{param:15}{value:12.5g}{other:12.5g}{tail}")
        their_ll = theirs.get("bgnbd_ll", float("nan"))
        print(f"  {'bg.log-likelihood':18}{ours['bgnbd_ll']:12.2f}{their_ll:12.2f}")
    print("  (ratio = lifetimes time / raktas time: above 1 means Raktas is faster)")


# --- ABC / Pareto at scale ---------------------------------------------------------


def synthetic_lines(lines: int, clients: int, products: int, seed: int = 11) -> dict[str, Any]:
    """Order lines of invoiced orders over 24 months: Pareto-shaped client sizes,
    Zipf-shaped product popularity, about 10 lines per invoice. Amounts in cents."""
    rng = np.random.default_rng(seed)
    invoices = max(1, lines // 10)
    client_weight = rng.pareto(1.16, clients) + 0.05  # ~80/20
    client_weight /= client_weight.sum()
    inv_client = rng.choice(clients, invoices, p=client_weight).astype(np.int64)
    inv_day = rng.integers(0, 730, invoices).astype(np.int64)  # from START
    line_inv = np.sort(rng.integers(0, invoices, lines))
    product_weight = 1.0 / np.arange(1, products + 1) ** 0.9
    product_weight /= product_weight.sum()
    product = rng.choice(products, lines, p=product_weight).astype(np.int64)
    qty = rng.integers(1, 20, lines)
    unit_cents = (rng.lognormal(2.5, 0.8, products) * 100).astype(np.int64) + 50
    net = qty * unit_cents[product]
    cost = (net * rng.uniform(0.55, 0.9, lines)).astype(np.int64)
    return {
        "client": inv_client[line_inv],
        "day": inv_day[line_inv],
        "product": product,
        "quantity": qty,
        "net": net,
        "cost": cost,
        "invoice": line_inv,
    }


START = dt.date(2024, 12, 1)


def _months(days: np.ndarray) -> np.ndarray:
    dates = np.datetime64(START.isoformat()) + days.astype("timedelta64[D]")
    return dates.astype("datetime64[M]").astype(np.int64)  # months since 1970-01


def _month_date(m: int) -> dt.date:
    return dt.date(1970 + m // 12, m % 12 + 1, 1)


def _group(keys: list[np.ndarray], values: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    stacked = np.column_stack(keys)
    uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    sums = [np.bincount(inverse, weights=v, minlength=len(uniq)) for v in values]
    return uniq, sums


def rollup_rows(data: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The ClientMonth and ProductMonth rows that ``rebuild`` makes of these lines."""
    month = _months(data["day"])
    one = np.ones(len(month))
    keys, (net, cost, qty, lines) = _group(
        [data["client"], month],
        [
            data["net"].astype(float),
            data["cost"].astype(float),
            data["quantity"].astype(float),
            one,
        ],
    )
    inv_keys, _ = _group([data["client"], month, data["invoice"]], [np.ones(len(month))])
    invoice_count = np.bincount(
        np.unique(inv_keys[:, :2], axis=0, return_inverse=True)[1].ravel(),
        minlength=len(keys),
    )
    # Money in whole cents, as the rollups keep it (the bincount sums are exact floats).
    client_rows = [
        (int(k[0]) + 1, _month_date(int(k[1])), int(n), int(c), int(q), int(i), int(ln))
        for k, n, c, q, i, ln in zip(keys, net, cost, qty, invoice_count, lines, strict=True)
    ]  # fmt: skip
    pkeys, (pnet, pcost, pqty, plines) = _group(
        [data["product"], month],
        [
            data["net"].astype(float),
            data["cost"].astype(float),
            data["quantity"].astype(float),
            one,
        ],
    )
    product_rows = [
        (int(k[0]) + 1, _month_date(int(k[1])), int(n), int(c), int(q), int(ln))
        for k, n, c, q, ln in zip(pkeys, pnet, pcost, pqty, plines, strict=True)
    ]  # fmt: skip
    return client_rows, product_rows


def _generated(lines: int, clients: int, products: int) -> tuple[Any, Any, Any]:
    """The lines and their rollup rows, cached on disk: generating 10M lines takes
    minutes, and the SQLite and PostgreSQL runs should time the very same rows."""
    import pickle

    cache = Path(os.environ.get("RAKTAS_BENCH_CACHE", "/tmp")) / (
        f"raktas-bench-lines-{lines}-{clients}-{products}-cents.pickle"
    )
    if cache.exists():
        with cache.open("rb") as handle:
            return pickle.load(handle)  # our own file, written below
    data = synthetic_lines(lines, clients, products)
    result = (data, *rollup_rows(data))
    with cache.open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def _django(database_url: str | None) -> None:
    os.environ.setdefault("RAKTAS_ENV", "dev")
    os.environ.setdefault("RAKTAS_DATA_DIR", "/tmp/raktas-bench-analytics")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
    import django

    django.setup()


def _load(
    clients: int, products: int, kams: int, client_rows: list[Any], product_rows: list[Any]
) -> None:
    """A fresh schema with the clients, products and rollup rows, loaded in bulk."""
    from django.core.management import call_command
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        # This wipes the database: never do it to one that is not obviously a scratch one.
        raise SystemExit(f"refusing to load benchmark data into {name!r}: use a name with 'bench'")
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        for table in ("analytics_clientmonth", "analytics_productmonth", "clients_client",
                      "catalog_product", "catalog_pricecolumn", "catalog_pricelist"):  # fmt: skip
            cur.execute(f"DELETE FROM {table}")
    from raktas.catalog.models import Category, PriceColumn, PriceList
    from raktas.core.search import client_search_text, product_search_text
    from raktas.org.models import Role, RoleGrant, Team, User

    director = User.objects.create(username="bench-director")
    RoleGrant.objects.create(user=director, role=Role.DIRECTOR)
    team = Team.objects.create(name="Bench team")
    kam_ids = []
    for k in range(kams):
        kam = User.objects.create(username=f"bench-kam{k}", team=team)
        RoleGrant.objects.create(user=kam, role=Role.KAM)
        kam_ids.append(kam.pk)
    column = PriceColumn.objects.create(
        price_list=PriceList.objects.create(code="B", name="Bench"), code="W", name="W"
    )
    category = Category.objects.create(code="bench", name="Bench")
    now = dt.datetime.now(dt.UTC)
    client_values = [
        (i + 1, f"Bench client {i + 1}", "", "", "active", kam_ids[i % kams], "maintain",
         column.pk, 30, "0", "EUR", "", "", "LT", now, now,
         client_search_text(f"Bench client {i + 1}", ""))
        for i in range(clients)
    ]  # fmt: skip
    product_values = [
        (
            i + 1,
            f"B-{i + 1:06d}",
            f"Bench product {i + 1}",
            category.pk,
            "pcs",
            "1",
            "21",
            True,
            product_search_text(f"Bench product {i + 1}"),
        )
        for i in range(products)
    ]
    _bulk(
        "clients_client",
        ["id", "legal_name", "registration_code", "vat_code", "status", "owner_id", "tier",
         "price_column_id", "payment_terms_days", "credit_limit", "currency", "city",
         "address", "country", "created_at", "updated_at", "search_text"],
        client_values,
    )  # fmt: skip
    _bulk(
        "catalog_product",
        ["id", "sku", "name", "category_id", "unit", "cost", "vat_rate", "active", "search_text"],
        product_values,
    )
    zeros_c = (0, 0, 0, 0, 0, 0, 0, 0)
    _bulk(
        "analytics_clientmonth",
        ["client_id", "month", "invoiced_net_cents", "invoiced_cost_cents", "quantity",
         "invoices", "lines", "credited_net_cents", "credited_cost_cents", "returned_net_cents",
         "credit_notes", "refused_orders", "refused_net_cents", "cancelled_orders",
         "cancelled_net_cents"],
        [(*row, *zeros_c) for row in client_rows],
    )  # fmt: skip
    zeros_p = (0, 0, 0, 0, 0, "0")
    _bulk(
        "analytics_productmonth",
        ["product_id", "month", "net_cents", "cost_cents", "quantity", "lines",
         "credited_net_cents", "credited_cost_cents", "returned_net_cents", "refused_lines",
         "refused_net_cents", "refused_quantity"],
        [(*row, *zeros_p) for row in product_rows],
    )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _bulk(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor if hasattr(cur, "cursor") else cur
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(rows), 50_000):
            cur.executemany(sql, rows[start : start + 50_000])


DUCK_ABC = """
WITH s AS (
    SELECT {key} AS id, SUM(net) AS rev, SUM(net - cost) AS mar
    FROM lines WHERE day BETWEEN {first} AND {last} GROUP BY {key}
), r AS (
    SELECT id, rev, mar,
        SUM(rev) OVER (ORDER BY rev DESC, id ROWS UNBOUNDED PRECEDING) - rev AS before_r,
        SUM(rev) OVER () AS total_r,
        SUM(mar) OVER (ORDER BY mar DESC, id ROWS UNBOUNDED PRECEDING) - mar AS before_m,
        SUM(GREATEST(mar, 0)) OVER () AS total_m
    FROM s
)
SELECT id, rev,
    CASE WHEN rev <= 0 THEN 'C' WHEN before_r < 0.8 * total_r THEN 'A'
         WHEN before_r < 0.95 * total_r THEN 'B' ELSE 'C' END AS abc,
    CASE WHEN mar <= 0 THEN 'C' WHEN before_m < 0.8 * total_m THEN 'A'
         WHEN before_m < 0.95 * total_m THEN 'B' ELSE 'C' END AS abc_margin
FROM r
"""


def run_abc(
    lines: int = 10_000_000,
    clients: int = 50_000,
    products: int = 20_000,
    kams: int = 100,
    database_url: str | None = None,
    **_ignored: Any,
) -> dict[str, Any]:
    """ABC/Pareto of clients and of products over the whole 24 months.

    Raktas reads its rollup tables (client × month, product × month) in the configured
    database; DuckDB, in memory, aggregates the raw order lines the rollups summarise.
    Both classify every client (revenue and margin ABC); Raktas also computes XYZ and
    fetches the top 50 with exact Decimal totals and names, as the page does.
    """
    _django(database_url)
    from django.db import connection

    from raktas.analytics import abc as abc_math
    from raktas.analytics import selectors
    from raktas.org.models import User

    t0 = time.perf_counter()
    data, client_rows, product_rows = _generated(lines, clients, products)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    _load(clients, products, kams, client_rows, product_rows)
    t_load = time.perf_counter() - t0
    out: dict[str, Any] = {
        "database": connection.vendor,
        "lines": lines,
        "clients": clients,
        "products": products,
        "client_month_rows": len(client_rows),
        "product_month_rows": len(product_rows),
        "generate_s": t_gen,
        "load_s": t_load,
    }
    first, last = 0, 729
    period = selectors.Period(START, dt.date(2026, 11, 1))
    director = User.objects.get(username="bench-director")
    kam = User.objects.get(username="bench-kam0")
    server_cpu = _backend_cpu_reader()
    out["server_cpu_counted"] = server_cpu is not None
    for dimension in ("client", "product"):
        # One KAM's product ABC reads invoice lines, which this benchmark does not load.
        whom = (
            (("director", director), ("kam", kam))
            if dimension == "client"
            else (("director", director),)
        )
        for who, user in whom:
            user.forget_cached_access()
            wall, cpu = best_of_cpu(
                functools.partial(selectors.abc_report, user, dimension=dimension, period=period),
                server_cpu=server_cpu,
            )
            report = _LAST[0]
            out[f"raktas_{dimension}_{who}_s"] = wall
            out[f"raktas_{dimension}_{who}_cpu_s"] = cpu
            out[f"raktas_{dimension}_{who}_classes"] = {
                k: v["count"] for k, v in report.classes.items()
            }
    try:
        import duckdb
        import pandas as pd
    except Exception as exc:
        out["duckdb_error"] = f"{type(exc).__name__}: {exc}"
        return out
    con = duckdb.connect(":memory:")
    frame = pd.DataFrame(
        {
            "client_id": data["client"] + 1,
            "product_id": data["product"] + 1,
            "day": data["day"],
            "net_cents": data["net"],
            "cost_cents": data["cost"],
        }
    )
    con.register("frame", frame)
    con.execute(
        "CREATE TABLE lines AS SELECT client_id, product_id, day, "
        "CAST(net_cents AS DECIMAL(18,2)) / 100 AS net, "
        "CAST(cost_cents AS DECIMAL(18,2)) / 100 AS cost FROM frame"
    )
    con.unregister("frame")
    for dimension, key in (("client", "client_id"), ("product", "product_id")):
        sql = DUCK_ABC.format(key=key, first=first, last=last)
        wall, cpu = best_of_cpu(functools.partial(_duck_fetch, con, sql))
        result = _LAST[0]
        out[f"duckdb_{dimension}_s"] = wall
        out[f"duckdb_{dimension}_cpu_s"] = cpu
        counts = {c: int((result["abc"] == c).sum()) for c in "ABC"}
        out[f"duckdb_{dimension}_classes"] = counts
        out[f"{dimension}_classes_agree"] = counts == out[f"raktas_{dimension}_director_classes"]
    del abc_math
    return out


def _duck_fetch(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchnumpy()


def print_abc(result: dict[str, Any]) -> None:
    print(
        f"\n== ABC/Pareto on {result['database']}: {result['lines']:,} lines, "
        f"{result['clients']:,} clients, {result['products']:,} products "
        f"(rollups: {result['client_month_rows']:,} client-months, "
        f"{result['product_month_rows']:,} product-months; load {result['load_s']:.0f} s)"
    )
    if result.get("server_cpu_counted"):
        print("  (raktas cpu = this process + its PostgreSQL backend, without parallel workers)")
    elif result["database"] == "postgresql":
        print("  (raktas cpu = this process only: the server's share is in the wall time)")
    if "duckdb_error" in result:
        print(f"  DuckDB not usable: {result['duckdb_error']}")
    for dimension in ("client", "product"):
        duck = result.get(f"duckdb_{dimension}_s", float("nan"))
        duck_cpu = result.get(f"duckdb_{dimension}_cpu_s", float("nan"))
        ours = result[f"raktas_{dimension}_director_s"]
        ours_cpu = result[f"raktas_{dimension}_director_cpu_s"]
        print(
            f"  {dimension:8} all clients: raktas {ours:.3f} s (cpu {ours_cpu:.3f}) | "
            f"duckdb {duck:.3f} s (cpu {duck_cpu:.3f}) | raktas/duckdb {ours / duck:.2f}x "
            f"(cpu {ours_cpu / duck_cpu:.2f}x) | classes agree: "
            f"{result.get(f'{dimension}_classes_agree')}"
        )
        if dimension == "product":
            # A narrowed product ABC reads the invoice lines of the clients in view; the
            # benchmark loads the rollups only, so that figure would time an empty read.
            print(f"  {dimension:8} one KAM's book: not measured (reads invoice lines, not loaded)")
        else:
            print(
                f"  {dimension:8} one KAM's book: raktas {result[f'raktas_{dimension}_kam_s']:.3f} s"
            )
        print(f"           classes raktas {result[f'raktas_{dimension}_director_classes']}, "
              f"duckdb {result.get(f'duckdb_{dimension}_classes')}")  # fmt: skip


# --- Entry point -----------------------------------------------------------------


def run(parts: tuple[str, ...] = ("clv",), **options: Any) -> dict[str, Any]:
    """Run the chosen benchmark parts and return their figures."""
    result: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat()}
    if "clv" in parts:
        result["clv"] = run_clv(options.get("clients", 50_000))
    if "abc" in parts:
        result["abc"] = run_abc(
            lines=options.get("lines", 10_000_000),
            clients=options.get("abc_clients", 50_000),
            products=options.get("products", 20_000),
            database_url=os.environ.get("DATABASE_URL"),
        )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["clv"], choices=["clv", "abc"])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--abc-clients", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(
        tuple(args.parts),
        clients=args.clients,
        lines=args.lines,
        abc_clients=args.abc_clients,
        products=args.products,
    )
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    if "clv" in result:
        print_clv(result["clv"])
    if "abc" in result:
        print_abc(result["abc"])
    print(f"\npython {sys.version.split()[0]}; each time is the best of 3 runs")
    if "abc" in result:
        print("raktas/duckdb below 1x: Raktas (reading its rollups) is faster than DuckDB")


if __name__ == "__main__":
    main()

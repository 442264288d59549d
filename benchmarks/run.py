"""The benchmark runner: figures for the closing note, not timed tests.

    .venv/bin/python benchmarks/run.py [--scale medium] [--large] [--db sqlite|postgres|both]

For each database (SQLite in a scratch directory; PostgreSQL at 127.0.0.1:5432 when it
answers, in a database of its own, ``raktas_bench``, created and dropped by this
runner) it measures, each step in a fresh process exactly as a user would run it:

1. ``raktas seed --scale medium`` on a freshly migrated database: wall time, the
   seed's own breakdown, and the CPU seconds of the seeding process (the machine may
   be shared; CPU time is what the seed itself cost). ``--large`` adds the large scale
   (10 M order lines) in a second database, dropped afterwards.
2. Import throughput: ``benchmarks/bench_import.py``'s ``run(n_rows)`` (the importer
   next to a raw bulk insert of the same rows), when that module is present.
3. The client list of the API for a KAM at that scale: ``raktas serve`` with a few
   workers on a free port, a personal API token for kam1 (``token_create``), then
   400 requests from 20 threads (keep-alive connections, http.client) to
   ``/api/v1/clients?limit=50&offset=…`` walking the KAM's whole book; p50/p95/p99
   of the response time seen by the client, under that concurrency. Target p95 ≤ 100 ms.
4. The workbench pages: ``benchmarks/bench_pages.py``'s ``run()`` — server time of My
   clients (page 1, a deep page, search as you type, a filter, sort by revenue) and
   Client 360 for a KAM and for the director, and Today for a KAM, a head of sales and
   the director, through the whole Django stack in one process; p50/p95 per page.
   Target p95 ≤ 150 ms (``--skip-pages`` leaves it out).

It prints one table with targets and ratios and writes the raw figures to
``benchmarks/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = Path(sys.executable)
RAKTAS = PYTHON.with_name("raktas")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
API_P95_TARGET_MS = 100.0
PAGES_P95_TARGET_MS = 150.0
IMPORT_RATIO_TARGET = 0.5


# --- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    name: str
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str | None:
        if self.kind == "postgres":
            return f"postgres://postgres@127.0.0.1:5432/{self.name}"
        return None

    def create(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(parents=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "RAKTAS_DATA_DIR", "DEBUG"}
        }
        env.update(
            RAKTAS_ENV="dev",
            RAKTAS_DATA_DIR=str(self.data_dir),
            DJANGO_SETTINGS_MODULE="raktas.settings",
            PYTHONPATH=str(ROOT),
        )
        if self.kind == "postgres":
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{self.name}"')
            env["DATABASE_URL"] = self.url or ""
        self.env = env

    def drop(self) -> None:
        if self.kind == "postgres":
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def size(self) -> str:
        if self.kind == "sqlite":
            total = sum(p.stat().st_size for p in self.data_dir.glob("raktas.sqlite3*"))
            return f"{total / 2**20:,.0f} MiB"
        out = _pg_admin(f"SELECT pg_database_size('{self.name}')", fetch=True)
        return f"{int(out) / 2**20:,.0f} MiB"


def _pg_admin(sql: str, *, fetch: bool = False) -> Any:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchone()[0] if fetch else None  # type: ignore[index]


def postgres_reachable() -> bool:
    try:
        _pg_admin("SELECT 1")
    except Exception as exc:
        print(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc}); skipping it.")
        return False
    return True


# --- running raktas -----------------------------------------------------------------------


def run(db: Database, *args: str, timeout: float = 4 * 3600) -> tuple[str, float, float]:
    """Run ``raktas ARGS`` for ``db``; return (output, wall seconds, CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [str(RAKTAS), *args],
        env=db.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"raktas {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr, wall, cpu


def python(db: Database, code: str, timeout: float = 3600) -> str:
    proc = subprocess.run(
        [str(PYTHON), "-c", code],
        env=db.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"python snippet failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


SEEDED = re.compile(
    r"Seeded ([\d,]+) rows on \w+ in ([\d.]+) s \(generate and insert ([\d.]+) s, "
    r"indexes ([\d.]+) s, derived data ([\d.]+) s, analyze ([\d.]+) s\)"
)


def bench_seed(db: Database, scale: str) -> dict[str, Any]:
    db.create()
    _out, migrate_wall, _ = run(db, "migrate", "-v0")
    out, wall, cpu = run(db, "seed", "--scale", scale)
    found = SEEDED.search(out)
    counts = {
        m.group(1): int(m.group(2).replace(",", ""))
        for m in re.finditer(r"^\s+(\w+\.\w+)\s+([\d,]+)$", out, re.M)
    }
    result: dict[str, Any] = {
        "scale": scale,
        "migrate_s": migrate_wall,
        "wall_s": wall,
        "cpu_s_seed_process": cpu,
        "counts": counts,
        "size": db.size(),
    }
    if found:
        rows = int(found.group(1).replace(",", ""))
        result.update(
            rows=rows,
            seed_s=float(found.group(2)),
            generate_insert_s=float(found.group(3)),
            indexes_s=float(found.group(4)),
            derived_s=float(found.group(5)),
            analyze_s=float(found.group(6)),
            rows_per_s=rows / float(found.group(2)),
        )
    return result


def bench_import(db: Database, n_rows: int) -> dict[str, Any] | None:
    if not (ROOT / "benchmarks" / "bench_import.py").exists():
        print("  (benchmarks/bench_import.py is not there yet: no import figures)")
        return None
    out = python(
        db,
        "import json, django; django.setup()\n"
        "from benchmarks.bench_import import run\n"
        f"print('RESULT ' + json.dumps(run({n_rows}), default=str))\n",
    )
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


# --- API latency --------------------------------------------------------------------------


def bench_pages(db: Database) -> dict[str, Any]:
    out = python(
        db,
        "import json\n"
        "from benchmarks.bench_pages import run, setup_django\n"
        "setup_django()\n"
        "print('RESULT ' + json.dumps(run(), default=str))\n",
    )
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    return response.status, response.read()


def bench_api(
    db: Database, *, kam: str, requests: int, concurrency: int, workers: int, threads: int
) -> dict[str, Any]:
    token = python(
        db,
        "import django; django.setup()\n"
        "from raktas.org.models import User\n"
        "from raktas.org.services import token_create\n"
        f"print(token_create(user=User.objects.get(username={kam!r}), name='benchmark')[1])\n",
    ).strip()
    port = free_port()
    server = subprocess.Popen(
        [
            str(RAKTAS), "serve", "--port", str(port), "--workers", str(workers),
            "--threads", str(threads), "--no-access-log",
        ],
        env=db.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, body = _get(conn, "/api/v1/clients?limit=50", token)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"raktas serve did not start: {server.stderr}") from None
                time.sleep(0.5)
        if status != 200:
            raise RuntimeError(f"/api/v1/clients answered {status}: {body[:300]!r}")
        book = int(json.loads(body)["count"])
        offsets = list(range(0, max(book, 1), 50))
        # Warm up every worker and the database cache (not measured).
        for i in range(4 * workers):
            _get(conn, f"/api/v1/clients?limit=50&offset={offsets[i % len(offsets)]}", token)
        conn.close()

        latencies: list[float] = []
        errors: list[str] = []
        non_200 = [0]
        lock = threading.Lock()
        counter = iter(range(requests))

        def worker() -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine: list[float] = []
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                path = f"/api/v1/clients?limit=50&offset={offsets[i % len(offsets)]}"
                t = time.perf_counter()
                try:
                    status, body = _get(c, path, token)
                except (OSError, http.client.HTTPException) as exc:
                    errors.append(repr(exc))
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                mine.append(time.perf_counter() - t)
                if status != 200:
                    errors.append(f"{status} {body[:100]!r}")
                    non_200[0] += 1
            c.close()
            with lock:
                latencies.extend(mine)

        pool = [threading.Thread(target=worker) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))] if ms else float("nan")

    return {
        "kam": kam,
        "book_size": book,
        "requests": requests,
        "concurrency": concurrency,
        "workers": workers,
        "threads": threads,
        "ok": len(ms) - non_200[0],
        "errors": errors[:5],
        "error_count": len(errors),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": statistics.fmean(ms) if ms else float("nan"),
        "max_ms": ms[-1] if ms else float("nan"),
        "throughput_rps": len(ms) / wall if wall else 0.0,
    }


# --- report -------------------------------------------------------------------------------


def table(results: dict[str, dict[str, Any]]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    for kind, r in results.items():
        for key in ("seed", "seed_large"):
            s = r.get(key)
            if s and "seed_s" in s:
                lines = s["counts"].get("orders.OrderLine", 0)
                rows.append(
                    (
                        kind,
                        f"seed {s['scale']} ({s['rows']:,} rows, {lines:,} order lines)",
                        f"{s['seed_s']:.0f} s wall, {s['cpu_s_seed_process']:.0f} s CPU; "
                        f"{s['rows_per_s']:,.0f} rows/s; db {s['size']}",
                        "minutes, not hours",
                        f"{s['seed_s'] / 60:.1f} min",
                    )
                )
        imp = r.get("import")
        if imp:
            for what in ("clients", "lines"):
                if f"{what}_import" not in imp:
                    continue
                raw = imp[f"{what}_raw"]
                best = max(raw, key=lambda k: raw[k]["rows_per_s"])
                rows.append(
                    (
                        kind,
                        f"import {what} ({imp.get('n_rows', '?'):,} rows)",
                        f"{imp[f'{what}_import']['rows_per_s']:,.0f} rows/s vs raw {best} "
                        f"{raw[best]['rows_per_s']:,.0f} rows/s",
                        f"≥ {IMPORT_RATIO_TARGET:.1f} × raw",
                        f"{imp[f'{what}_ratio']:.2f}",
                    )
                )
        api = r.get("api")
        if api:
            rows.append(
                (
                    kind,
                    f"GET /api/v1/clients as {api['kam']} ({api['book_size']:,} clients), "
                    f"{api['concurrency']} concurrent, {api['requests']} requests",
                    f"p50 {api['p50_ms']:.0f} ms, p95 {api['p95_ms']:.0f} ms, p99 "
                    f"{api['p99_ms']:.0f} ms; {api['throughput_rps']:.0f} req/s; "
                    f"errors {api['error_count']}",
                    f"p95 ≤ {API_P95_TARGET_MS:.0f} ms",
                    f"{api['p95_ms'] / API_P95_TARGET_MS:.2f}",
                )
            )
        pages = r.get("pages")
        if pages:
            for role in ("kam", "director", "head"):
                p = pages.get(role)
                if p is None:
                    continue
                for page, label in (
                    ("my_clients", "My clients"),
                    ("client_360", "Client 360"),
                    ("today", "Today"),
                ):
                    if page not in p:
                        continue
                    rows.append(
                        (
                            kind,
                            f"page {label} as {p['user']} ({p['clients_visible']:,} clients), "
                            f"{p[page]['n']} requests",
                            f"p50 {p[page]['p50_ms']:.0f} ms, p95 {p[page]['p95_ms']:.0f} ms",
                            f"p95 ≤ {PAGES_P95_TARGET_MS:.0f} ms",
                            f"{p[page]['p95_ms'] / PAGES_P95_TARGET_MS:.2f}",
                        )
                    )
    headers = ("db", "benchmark", "result", "target", "ratio")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"))
    parser.add_argument(
        "--large", action="store_true", help="also seed the large scale (10 M lines)"
    )
    parser.add_argument("--db", default="both", choices=("sqlite", "postgres", "both"))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="raktas serve workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--kam", default="kam1")
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-pages", action="store_true", help="leave out the page timings")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = parser.parse_args(argv)

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not postgres_reachable():
        kinds.remove("postgres")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    context: dict[str, Any] = {
        "started": stamp,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_start": os.getloadavg(),
        "args": vars(args),
    }
    print(f"Raktas benchmarks {stamp}: {context['machine']}, load {os.getloadavg()[0]:.1f}")
    results: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        r: dict[str, Any] = {}
        results[kind] = r
        db = Database(kind, "raktas_bench", RESULTS / "work" / f"{kind}-{args.scale}")
        try:
            print(f"[{kind}] seed --scale {args.scale} …", flush=True)
            r["seed"] = bench_seed(db, args.scale)
            print(f"  {r['seed'].get('seed_s', r['seed']['wall_s']):.1f} s", flush=True)
            if not args.skip_import:
                print(f"[{kind}] import {args.import_rows:,} rows …", flush=True)
                r["import"] = bench_import(db, args.import_rows)
            print(
                f"[{kind}] API: {args.requests} requests, {args.concurrency} concurrent …",
                flush=True,
            )
            r["api"] = bench_api(
                db,
                kam=args.kam,
                requests=args.requests,
                concurrency=args.concurrency,
                workers=args.workers,
                threads=args.threads,
            )
            print(f"  p95 {r['api']['p95_ms']:.0f} ms", flush=True)
            if not args.skip_pages:
                print(f"[{kind}] pages: My clients, Client 360 and Today …", flush=True)
                r["pages"] = bench_pages(db)
                for role in ("kam", "director"):
                    p = r["pages"][role]
                    print(
                        f"  {role:8} My clients p50 {p['my_clients']['p50_ms']:.0f} ms "
                        f"p95 {p['my_clients']['p95_ms']:.0f} ms; Client 360 p50 "
                        f"{p['client_360']['p50_ms']:.0f} ms p95 {p['client_360']['p95_ms']:.0f} ms; "
                        f"Today p50 {p['today']['p50_ms']:.0f} ms p95 {p['today']['p95_ms']:.0f} ms",
                        flush=True,
                    )
        except Exception as exc:
            r["error"] = repr(exc)
            print(f"  FAILED: {exc}", flush=True)
        finally:
            if not args.keep:
                db.drop()
        if args.large and args.scale != "large":
            big = Database(kind, "raktas_bench_large", RESULTS / "work" / f"{kind}-large")
            try:
                print(f"[{kind}] seed --scale large …", flush=True)
                r["seed_large"] = bench_seed(big, "large")
                print(f"  {r['seed_large'].get('seed_s', 0):.1f} s", flush=True)
            except Exception as exc:
                r["seed_large_error"] = repr(exc)
                print(f"  FAILED: {exc}", flush=True)
            finally:
                if not args.keep:
                    big.drop()
    context["load_average_at_end"] = os.getloadavg()
    report = table(results)
    print()
    print(report)
    print(
        f"\nload average {context['load_average_at_start'][0]:.1f} at start, "
        f"{context['load_average_at_end'][0]:.1f} at end "
        f"({os.cpu_count()} CPUs): wall times stretch on a busy machine; CPU seconds do not."
    )
    for kind, r in results.items():
        if r.get("pages"):
            worst = r["pages"]["worst_p95_ms"]
            verdict = "met" if worst <= PAGES_P95_TARGET_MS else "NOT met"
            print(
                f"{kind}: pages target p95 ≤ {PAGES_P95_TARGET_MS:.0f} ms {verdict} "
                f"(worst p95 {worst:.0f} ms)"
            )
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps({"context": context, "results": results}, indent=2, default=str)
    )
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    print(f"Written to {RESULTS / stamp}.json and .md")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

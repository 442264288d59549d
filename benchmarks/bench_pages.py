"""Server time of the workbench pages: My clients and Client 360 (a figure for the
closing note, not a timed test; target p95 ≤ 150 ms at medium scale).

    RAKTAS_DATA_DIR=/tmp/medium .venv/bin/python -m benchmarks.bench_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pages_bench .venv/bin/python -m benchmarks.bench_pages

``run(...)`` expects Django configured against a seeded database (``raktas seed
--scale medium``: 5,000 clients, 1,000,000 order lines); run directly, it migrates
and seeds an empty database first. Each request goes through the whole Django stack
in this process (middleware, session, the scoped selectors, template rendering) with
Django's test client, so the time measured is the server's, without the network.

Measured, for a KAM (their own book) and for the director (every client):
* My clients: page 1, a deep page, search as you type, a filter, a sort by revenue
  (computed for every filtered row), each repeated;
* Client 360 of clients spread over the book (profile, credit, 24-month chart,
  top products, orders, invoices, payments);
* Today (``/today/``) for the KAM, the head of sales (their team's alerts and decisions) and
  the director (the company's churn risk, rate jumps and decisions).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

P95_TARGET_MS = 150.0


def setup_django(scale: str = "medium") -> None:
    """Configure Django for a direct run; seed an empty database at ``scale``."""
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("RAKTAS_ENV", "dev")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
        if not os.environ.get("DATABASE_URL"):
            os.environ.setdefault("RAKTAS_DATA_DIR", tempfile.mkdtemp(prefix="raktas-bench-pages-"))
        import django

        django.setup()
    from django.core.management import call_command

    from raktas.clients.models import Client

    call_command("migrate", verbosity=0, interactive=False)
    if not Client.objects.exists():
        print(f"seeding scale {scale} (once) …", file=sys.stderr)
        call_command("seed", scale=scale, verbosity=0)


def _ensure_static() -> None:
    """Pages name their CSS through the manifest storage, as in production: collect
    the static files once if that has not been done for this data directory."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    try:
        staticfiles_storage.url("web/app.css")
    except ValueError:
        call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(fetch: Callable[[], Any], repeat: int) -> list[float]:
    fetch()  # warm: template and URL caches, the first query plans
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = fetch()
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} from {response.wsgi_request.path}")
    return out


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
    }


def run(
    kam: str = "kam1",
    director: str = "director",
    head: str = "head1",
    repeat: int = 20,
    clients: int = 40,
) -> dict[str, Any]:
    """p50/p95 server time of My clients and Client 360 for a KAM and the director, and
    of Today for the KAM, a head of sales and the director."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client as HttpClient

    from raktas.book.selectors import PAGE_SIZE
    from raktas.clients.selectors import clients_visible_to
    from raktas.org.models import User

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    _ensure_static()
    result: dict[str, Any] = {
        "database": connection.vendor,
        "target_p95_ms": P95_TARGET_MS,
    }
    rng = random.Random(2026)
    for role, username in (("kam", kam), ("director", director)):
        user = User.objects.get(username=username)
        browser = HttpClient(headers={"accept-language": "lt"})
        browser.force_login(user)
        book = clients_visible_to(user)
        total = book.count()
        last_page = max(1, -(-total // PAGE_SIZE))
        word = book.order_by("id").values_list("legal_name", flat=True).first() or "UAB"
        word = word.split()[-1].strip('„“"')[:5]
        list_samples: dict[str, list[float]] = {
            "page_1": timed(lambda b=browser: b.get("/clients/"), repeat),
            "deep_page": timed(
                lambda b=browser, p=last_page: b.get(f"/clients/?page={max(1, p // 2)}"), repeat
            ),
            "search_as_you_type": timed(
                lambda b=browser, w=word: b.get(
                    "/clients/",
                    {"q": w},
                    headers={"HX-Request": "true", "HX-Target": "client-table"},
                ),
                repeat,
            ),
            "filter_status": timed(
                lambda b=browser: b.get("/clients/", {"status": "active", "tier": "key"}), repeat
            ),
            "sort_by_revenue": timed(
                lambda b=browser: b.get("/clients/", {"sort": "-revenue"}), repeat
            ),
        }
        ids = list(book.values_list("pk", flat=True))
        sample = rng.sample(ids, min(clients, len(ids)))
        c360: list[float] = []
        for pk in sample:
            c360.extend(timed(lambda b=browser, pk=pk: b.get(f"/clients/{pk}/"), 2))
        all_list = [s for samples in list_samples.values() for s in samples]
        result[role] = {
            "user": username,
            "clients_visible": total,
            "my_clients": summary(all_list),
            "my_clients_by_request": {k: summary(v) for k, v in list_samples.items()},
            "client_360": summary(c360),
            "today": summary(timed(lambda b=browser: b.get("/today/"), repeat)),
        }
    head_user = User.objects.filter(username=head).first()
    if head_user is not None:
        browser = HttpClient(headers={"accept-language": "lt"})
        browser.force_login(head_user)
        result["head"] = {
            "user": head,
            "clients_visible": clients_visible_to(head_user).count(),
            "today": summary(timed(lambda b=browser: b.get("/today/"), repeat)),
        }
    worst = max(
        result[r][page]["p95_ms"]
        for r in ("kam", "director")
        for page in ("my_clients", "client_360", "today")
    )
    if "head" in result:
        worst = max(worst, result["head"]["today"]["p95_ms"])
    result["worst_p95_ms"] = worst
    result["meets_target"] = worst <= P95_TARGET_MS
    return result


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--kam", default="kam1")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--clients", type=int, default=40)
    args = parser.parse_args()
    setup_django(args.scale)
    load_start = os.getloadavg()[0]
    result = run(kam=args.kam, repeat=args.repeat, clients=args.clients)
    result["load_average"] = [load_start, os.getloadavg()[0]]
    print(json.dumps(result, indent=2))
    for role in ("kam", "director"):
        r = result[role]
        print(
            f"{result['database']:8} {role:8} ({r['clients_visible']:>6} clients)  "
            f"My clients p50 {r['my_clients']['p50_ms']:6.1f} ms  p95 {r['my_clients']['p95_ms']:6.1f} ms   "
            f"Client 360 p50 {r['client_360']['p50_ms']:6.1f} ms  p95 {r['client_360']['p95_ms']:6.1f} ms   "
            f"Today p50 {r['today']['p50_ms']:6.1f} ms  p95 {r['today']['p95_ms']:6.1f} ms"
        )
        for name, figures in r["my_clients_by_request"].items():
            print(
                f"{'':19}{name:20} p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
            )
    if "head" in result:
        h = result["head"]
        print(
            f"{result['database']:8} {'head':8} ({h['clients_visible']:>6} clients)  "
            f"Today p50 {h['today']['p50_ms']:6.1f} ms  p95 {h['today']['p95_ms']:6.1f} ms"
        )
    print(f"target p95 ≤ {P95_TARGET_MS:.0f} ms: {'met' if result['meets_target'] else 'NOT met'}")
    print(
        f"load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        f"({os.cpu_count()} CPUs; wall times stretch on a busy machine)"
    )


if __name__ == "__main__":
    main()

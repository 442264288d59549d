"""Today's server time against a baseline commit, measured in the same run.

    RAKTAS_ENV=dev DATABASE_URL=sqlite:////tmp/perf-medium.sqlite3 \\
        .venv/bin/python -m benchmarks.bench_today --baseline e16d4f6

The baseline's ``raktas`` package is extracted (``git archive``) to a temporary
directory; then, round after round, a process of the baseline and one of the working
tree each request ``/today/`` for a KAM, a head of sales and the director (Django's
test client, the whole stack in one process) against the same seeded database. Taking
turns keeps both under the same machine load, so the ratio means something on a busy
machine where the absolute figures do not. Printed per role: p50/p95 wall time of each,
the p95 ratio (working tree / baseline), and the CPU time of the Django process (on
SQLite it includes the queries; on PostgreSQL they run in the server).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("kam1", "head1", "director")

MEASURE = """
import json, os, sys, time
os.environ.setdefault("RAKTAS_ENV", "dev")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
import django
django.setup()
from django.conf import settings
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
try:
    staticfiles_storage.url("web/app.css")
except ValueError:  # the pages name their CSS through the manifest, as in production
    call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
from raktas.org.models import User
out = {}
for name in sys.argv[2:]:
    browser = Client(headers={"accept-language": "lt"})
    browser.force_login(User.objects.get(username=name))
    browser.get("/today/")
    wall, cpu = [], []
    for _ in range(int(sys.argv[1])):
        started, used = time.perf_counter(), time.process_time()
        response = browser.get("/today/")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert response.status_code == 200, response.status_code
    out[name] = {"wall": wall, "cpu": cpu}
print("RESULT " + json.dumps(out))
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def extract(ref: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "raktas"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def measure(tree: Path, repeat: int) -> dict[str, dict[str, list[float]]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(repeat), *ROLES],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, dict[str, list[float]]] = json.loads(line[len("RESULT ") :])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="git commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    samples: dict[str, dict[str, dict[str, list[float]]]] = {
        v: {r: {"wall": [], "cpu": []} for r in ROLES} for v in ("baseline", "current")
    }
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="raktas-baseline-") as tmp:
        extract(args.baseline, Path(tmp))
        for _ in range(args.rounds):
            for version, tree in (("baseline", Path(tmp)), ("current", ROOT)):
                for role, figures in measure(tree, args.repeat).items():
                    for key in ("wall", "cpu"):
                        samples[version][role][key].extend(figures[key])
                loads.append(os.getloadavg()[0])
    print(
        f"database {os.environ.get('DATABASE_URL', '(default)').split(':')[0]}; baseline {args.baseline}"
    )
    print(
        f"{'user':9} {'baseline p50/p95 ms':>20} {'now p50/p95 ms':>16} {'p95 ratio':>9}"
        f" {'CPU ms baseline → now':>22}"
    )
    for role in ROLES:
        b, c = samples["baseline"][role], samples["current"][role]
        b95, c95 = percentile(b["wall"], 95), percentile(c["wall"], 95)
        print(
            f"{role:9} {statistics.median(b['wall']):9.0f} / {b95:6.0f}"
            f" {statistics.median(c['wall']):7.0f} / {c95:6.0f} {c95 / b95:9.2f}"
            f" {statistics.median(b['cpu']):12.0f} → {statistics.median(c['cpu']):5.0f}"
        )
    print(
        f"{args.rounds} rounds × {args.repeat} requests per user and version, taking turns; "
        f"load average {min(loads):.1f}–{max(loads):.1f} ({os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()

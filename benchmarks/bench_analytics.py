"""Analytics benchmarks (figures for the report, not timed tests).

    .venv/bin/python -m benchmarks.bench_analytics clv
    .venv/bin/python -m benchmarks.bench_analytics abc --lines 10000000 --clients 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ana_bench .venv/bin/python -m benchmarks.bench_analytics abc

The comparison packages are in the ``bench`` dependency group:
``uv sync --group bench`` (DuckDB, lifetimes 0.11.3 with pandas).

``clv``: the BG/NBD and Gamma-Gamma fits of ``raktas.analytics.clv`` on the full CDNOW
master (23,570 customers, 39-week calibration from 1997-01-01) and on 50,000 synthetic
clients drawn from known parameters, each next to ``lifetimes`` on the same arrays in
the same run.

``abc``: ABC/Pareto of clients and of products over a period, read from the rollup
tables Raktas keeps, next to DuckDB in memory aggregating the raw order lines the
rollups were built from (see ``run_abc``).
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def best_of_cpu(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """The fastest of ``repeat`` runs: (wall-clock seconds, CPU seconds of this process).
    CPU time is printed too because other work on a shared machine stretches wall time."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        _LAST[0] = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


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


def synthetic_summary(n: int, seed: int = 7) -> clv.Summary:
    """n clients drawn from a BG/NBD with r=0.6, α=8, a=0.8, b=3 (weeks) over 26–156
    weeks, with Gamma-Gamma spend p=4, q=5, γ=400."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.6, 8.0, 0.8, 3.0
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    T = rng.uniform(26, 156, n)
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
    nu = rng.gamma(5.0, 1.0 / 400.0, n)
    m = np.where(x > 0, rng.gamma(4.0 * np.maximum(x, 1), 1.0 / nu) / np.maximum(x, 1), 0.0)
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
    return out


def print_clv(result: dict[str, Any]) -> None:
    for name, block in result.items():
        ours, theirs = block["raktas"], block["lifetimes"]
        print(f"\n== {name}: {block['customers']:,} customers, {block['repeat_buyers']:,} repeat")
        print(f"{'':20}{'raktas':>12}{'lifetimes':>12}")
        if "error" in theirs:
            print(f"  lifetimes: {theirs['error']}")
            theirs = {"bgnbd": {}, "gamma_gamma": {}}
        for key in ("bgnbd_s", "bgnbd_cpu_s", "gamma_gamma_s", "gamma_gamma_cpu_s"):
            print(f"  {key:18}{ours[key]:12.4f}{theirs.get(key, float('nan')):12.4f}")
        for model in ("bgnbd", "gamma_gamma"):
            for param, value in ours[model].items():
                other = theirs[model].get(param, float("nan"))
                print(f"  {model[:2]}.{param:15}{value:12.5g}{other:12.5g}")
        their_ll = theirs.get("bgnbd_ll", float("nan"))
        print(f"  {'bg.log-likelihood':18}{ours['bgnbd_ll']:12.2f}{their_ll:12.2f}")


# --- Entry point -----------------------------------------------------------------


def run(parts: tuple[str, ...] = ("clv",), **options: Any) -> dict[str, Any]:
    """Run the chosen benchmark parts and return their figures."""
    result: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat()}
    if "clv" in parts:
        result["clv"] = run_clv(options.get("clients", 50_000))
    if "abc" in parts:
        from benchmarks.bench_abc import run_abc  # needs Django

        result["abc"] = run_abc(**options)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["clv"], choices=["clv", "abc"])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(tuple(args.parts), clients=args.clients, lines=args.lines)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    if "clv" in result:
        print_clv(result["clv"])
    if "abc" in result:
        from benchmarks.bench_abc import print_abc

        print_abc(result["abc"])
    print(f"\npython {sys.version.split()[0]}; each time is the best of 3 runs")


if __name__ == "__main__":
    main()

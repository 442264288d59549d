"""The lifetime-value models against the published CDNOW estimates and against
quantities computed by hand."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

from raktas.analytics import clv

_REPO = Path(__file__).resolve().parents[3]
CDNOW = Path(os.environ.get("RAKTAS_SHARED_DATA", _REPO.parent / "shared" / "data")) / "cdnow"
needs_cdnow = pytest.mark.skipif(
    not (CDNOW / "cdnow_customers_summary_with_transactions.csv").exists(),
    reason=f"CDNOW data not found under {CDNOW} (set RAKTAS_SHARED_DATA)",
)


def sig3(value: float) -> str:
    return f"{value:.3g}"


def load_summary() -> dict[str, np.ndarray]:
    with (CDNOW / "cdnow_customers_summary_with_transactions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(r[key]) for r in rows]) for key in ("x", "t_x", "T", "zbar")}


@needs_cdnow
def test_bgnbd_reproduces_the_published_cdnow_estimates():
    data = load_summary()
    fit = clv.fit_bgnbd(data["x"], data["t_x"], data["T"])
    # Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
    assert sig3(fit.r) == "0.243"
    assert sig3(fit.alpha) == "4.41"
    assert round(fit.alpha, 3) == 4.414
    assert sig3(fit.a) == "0.793"
    assert sig3(fit.b) == "2.43"
    assert round(fit.b, 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4


@needs_cdnow
def test_gamma_gamma_reproduces_the_published_cdnow_estimates():
    data = load_summary()
    repeat = data["x"] > 0
    assert int(repeat.sum()) == 946
    fit = clv.fit_gamma_gamma(data["x"][repeat], data["zbar"][repeat])
    # Fader & Hardie (2013): p = 6.25, q = 3.74, γ = 15.44, LL = −4055.92
    assert sig3(fit.p) == "6.25"
    assert sig3(fit.q) == "3.74"
    assert round(fit.gamma, 2) == pytest.approx(15.44, abs=0.01)
    assert round(fit.log_likelihood, 2) == -4055.92


@needs_cdnow
def test_summary_of_the_cdnow_sample_transactions_matches_the_shipped_summary():
    """Our (x, t_x, T) from raw transactions equals the summary published with the data."""
    ids, days, values = [], [], []
    start = dt.date(1997, 1, 1)
    with (CDNOW / "CDNOW_sample.txt").open() as handle:
        for line in handle:
            parts = line.split()
            day = dt.datetime.strptime(parts[2], "%Y%m%d").replace(tzinfo=dt.UTC).date()
            ids.append(int(parts[1]))  # the sample's own 1..2357 numbering
            days.append((day - start).days)
            values.append(float(parts[4]))
    summary = clv.summarise(ids, days, values, end_day=(dt.date(1997, 9, 30) - start).days)
    shipped = load_summary()
    assert len(summary.ids) == len(shipped["x"]) == 2357
    np.testing.assert_array_equal(summary.x, shipped["x"])
    np.testing.assert_allclose(summary.t_x, shipped["t_x"], atol=0.006)
    np.testing.assert_allclose(summary.T, shipped["T"], atol=0.006)
    np.testing.assert_allclose(summary.m, shipped["zbar"], atol=0.006)


def test_analytic_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    T = rng.uniform(20, 40, 300)
    t_x = T * rng.uniform(0, 1, 300)
    x = rng.poisson(2, 300).astype(float)
    t_x[x == 0] = 0
    params = np.array([0.5, 3.0, 0.6, 2.0])
    _, grad = clv._bgnbd_terms(params, x, t_x, T, with_grad=True)
    assert grad is not None
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        up = clv.bgnbd_log_likelihood(tuple(params + step), x, t_x, T)
        down = clv.bgnbd_log_likelihood(tuple(params - step), x, t_x, T)
        assert grad[i].sum() == pytest.approx((up - down) / 2e-6, rel=1e-5)


def test_a_client_who_never_came_back_is_certainly_alive_and_a_silent_regular_is_not():
    params = clv.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0)
    alive = clv.probability_alive(params, [0, 10, 10], [0, 38, 5], [39, 39, 39])
    assert alive[0] == 1.0  # BG/NBD: dropping out only happens right after a purchase
    assert alive[1] > 0.9  # bought ten times, last just now
    assert alive[2] < 0.05  # bought ten times in five weeks, then silence for 34


def test_expected_purchases_grow_with_the_horizon_and_discounting_lowers_them():
    params = clv.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0)
    x, t_x, T = [3.0], [30.0], [39.0]
    e26 = clv.expected_purchases(params, 26.0, x, t_x, T)[0]
    e52 = clv.expected_purchases(params, 52.0, x, t_x, T)[0]
    assert 0 < e26 < e52
    undiscounted = clv.discounted_expected_purchases(
        params, x, t_x, T, horizon_weeks=52.0, annual_rate=0.0
    )[0]
    discounted = clv.discounted_expected_purchases(
        params, x, t_x, T, horizon_weeks=52.0, annual_rate=0.10
    )[0]
    assert undiscounted == pytest.approx(e52, rel=1e-9)
    assert e52 / 1.1 < discounted < e52


def test_gamma_gamma_mean_shrinks_towards_the_population_mean():
    params = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44, log_likelihood=0)
    population = params.p * params.gamma / (params.q - 1)
    one, many = clv.expected_mean_value(params, [1, 50], [100.0, 100.0])
    assert population < one < many < 100.0
    assert clv.expected_mean_value(params, [0], [0.0])[0] == pytest.approx(population)


def test_the_fast_evaluators_equal_the_reference_likelihoods_and_gradients():
    """The fitting code groups work by distinct x; it must score exactly like the
    textbook per-client formulas it replaces."""
    rng = np.random.default_rng(3)
    T = rng.uniform(20, 40, 500)
    x = rng.poisson(2, 500).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 500), 0.0)
    weights = rng.integers(1, 4, 500).astype(float)
    log_params = np.log([0.5, 3.0, 0.6, 2.0])
    value, grad = clv._BGNBDData(x, t_x, T, weights).neg_ll_and_grad(log_params)
    ll, ref = clv._bgnbd_terms(np.exp(log_params), x, t_x, T, with_grad=True)
    assert ref is not None
    assert value == pytest.approx(-(weights * ll).sum() / weights.sum(), rel=1e-12)
    expected = -(ref * weights).sum(axis=1) * np.exp(log_params) / weights.sum()
    np.testing.assert_allclose(grad, expected, rtol=1e-10)

    buyers = x > 0
    m = rng.gamma(3, 10, int(buyers.sum()))
    gg_params = np.log([3.0, 2.0, 10.0])
    value, grad = clv._GGData(x[buyers], m, weights[buyers]).neg_ll_and_grad(gg_params)
    ll, ref = clv._gg_terms(np.exp(gg_params), x[buyers], m, with_grad=True)
    assert ref is not None
    w = weights[buyers]
    assert value == pytest.approx(-(w * ll).sum() / w.sum(), rel=1e-12)
    np.testing.assert_allclose(
        grad, -(ref * w).sum(axis=1) * np.exp(gg_params) / w.sum(), rtol=1e-10
    )

"""Customer lifetime value: BG/NBD for how often a client orders, Gamma-Gamma for how much.

Pure NumPy/SciPy, no Django. Both models are fitted by maximum likelihood with
BFGS on the logarithms of the parameters (so they stay positive without bounds) and
analytic gradients (so each iteration costs one vectorised pass, not a numeric
differentiation of five or eight passes). BFGS rather than L-BFGS-B: with four
parameters there is nothing to bound or to save memory on, and SciPy 1.18's
L-BFGS-B spends milliseconds per step in its own bookkeeping.

References
* Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative
  to the Pareto/NBD model", Marketing Science 24(2). BG/NBD: equation (6) for the
  likelihood, (10) for the conditional expectation, and the P(alive) of their note
  "Computing P(alive) using the BG/NBD model".
* Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".

Input per client, in one time unit (weeks here and in CDNOW):
``x`` repeat purchases (purchase occasions after the first), ``t_x`` time of the last
purchase since the first, ``T`` time from the first purchase to the end of the
calibration period, and for Gamma-Gamma ``m`` the mean value of the repeat purchases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

Array = NDArray[np.float64]
_WARM_START_ROWS = 5000


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    iterations: int = 0


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    iterations: int = 0


def _dot(u: Array, v: Array) -> float:
    """u · v without BLAS: for one vector pair OpenBLAS's thread start-up costs far more
    than the multiply-add (tens of times more on a busy two-core machine)."""
    return float(np.multiply(u, v).sum())


def _compress(*columns: Array) -> tuple[list[Array], Array]:
    """Identical rows contribute identical likelihood terms: fit each distinct row once,
    weighted by how often it occurs. CDNOW-like data (first purchases on a few dozen
    days, weekly recency) shrinks several-fold."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    if len(unique) > 0.7 * len(stacked):
        return list(columns), np.ones(len(stacked))
    return [unique[:, i].copy() for i in range(unique.shape[1])], counts.astype(np.float64)


# --- BG/NBD -------------------------------------------------------------------------


def _bgnbd_terms(
    params: Array, x: Array, t_x: Array, T: Array, with_grad: bool
) -> tuple[Array, Array | None]:
    r, alpha, a, b = params
    buyer = x > 0
    # ln L_i = A1 + A2 + ln(exp(A3) + [x>0] exp(A4))      (FHL 2005, eq. 6)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    a3 = -(r + x) * log_at
    bx1 = np.where(buyer, b + x - 1.0, 1.0)
    a4 = np.where(buyer, np.log(a) - np.log(bx1) - (r + x) * log_atx, -np.inf)
    tail = np.logaddexp(a3, a4)
    ll = a1 + a2 + tail
    if not with_grad:
        return ll, None
    w3 = np.exp(a3 - tail)
    w4 = np.where(buyer, np.exp(a4 - tail), 0.0)
    psi_ab = special.digamma(a + b)
    psi_abx = special.digamma(a + b + x)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - w3 * log_at - w4 * log_atx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = psi_ab - psi_abx + w4 / a
    d_b = special.digamma(b + x) - special.digamma(b) + psi_ab - psi_abx - w4 / bx1
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def bgnbd_log_likelihood(
    params: tuple[float, float, float, float], x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> float:
    """The total log-likelihood of (r, α, a, b) on the data."""
    ll, _ = _bgnbd_terms(
        np.asarray(params, dtype=np.float64),
        np.asarray(x, dtype=np.float64),
        np.asarray(t_x, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
        with_grad=False,
    )
    return float(ll.sum())


def _check(x: Array, t_x: Array, T: Array) -> None:
    if not (len(x) == len(t_x) == len(T)) or len(x) == 0:
        raise ValueError("x, t_x and T must be non-empty and of equal length")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError("need 0 <= t_x <= T and x >= 0")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("a client without repeat purchases has t_x = 0")


class _BGNBDData:
    """The data of one fit, arranged so one evaluation is a few vectorised passes.

    Everything that depends on x alone (the gamma and beta functions) is computed
    once per *distinct* x — a few dozen values, since x counts purchases — and
    weighted by how many clients share it. Clients without repeat purchases only
    contribute a term in T.
    """

    def __init__(self, x: Array, t_x: Array, T: Array, weights: Array) -> None:
        buyer = x > 0
        self.total = float(weights.sum())
        self.xu, inverse = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inverse, weights=weights, minlength=len(self.xu))
        self.w0, self.T0 = weights[~buyer], T[~buyer]
        self.wb, self.xb, self.tb, self.Tb = weights[buyer], x[buyer], t_x[buyer], T[buyer]
        self.ib = inverse[buyer]
        self.nu = len(self.xu)

    def neg_ll_and_grad(self, log_params: Array) -> tuple[float, Array]:
        r, alpha, a, b = np.exp(log_params)
        xu, wx = self.xu, self.wx
        total_w = self.total
        log_alpha = np.log(alpha)
        # Terms of x only: A1 = lnΓ(r+x) − lnΓ(r) + r ln α, A2 = ln B(a, b+x) − ln B(a, b).
        ll = _dot(wx, (special.gammaln(r + xu) + special.betaln(a, b + xu)))
        ll += total_w * (r * log_alpha - special.gammaln(r) - special.betaln(a, b))
        psi_ab = special.digamma(a + b)
        psi_abx = special.digamma(a + b + xu)
        g_r = _dot(wx, special.digamma(r + xu)) + total_w * (log_alpha - special.digamma(r))
        g_alpha = total_w * r / alpha
        g_a = _dot(wx, (psi_ab - psi_abx))
        g_b = _dot(wx, (special.digamma(b + xu) - psi_abx)) + total_w * (
            psi_ab - special.digamma(b)
        )
        # Non-buyers: A3 = −r ln(α+T) only.
        log_at0 = np.log(alpha + self.T0)
        ll -= r * _dot(self.w0, log_at0)
        g_r -= _dot(self.w0, log_at0)
        g_alpha -= r * _dot(self.w0, (1.0 / (alpha + self.T0)))
        # Buyers: ln(exp(A3) + exp(A4)), A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x).
        wb, xb = self.wb, self.xb
        rx = r + xb
        log_at = np.log(alpha + self.Tb)
        log_atx = np.log(alpha + self.tb)
        log_bx1 = np.log(b + xu - 1.0, where=xu > 0, out=np.zeros(self.nu))
        a3 = -rx * log_at
        a4 = np.log(a) - log_bx1[self.ib] - rx * log_atx
        tail = np.logaddexp(a3, a4)
        ll += _dot(wb, tail)
        w4 = np.exp(a4 - tail)  # the weight of the "dropped out after t_x" branch
        ww4 = wb * w4
        g_r += _dot(wb, (w4 * (log_at - log_atx) - log_at))
        g_alpha -= _dot(wb, (rx * ((1.0 - w4) / (alpha + self.Tb) + w4 / (alpha + self.tb))))
        g_a += ww4.sum() / a
        inv_bx1 = np.divide(1.0, b + xu - 1.0, where=xu > 0, out=np.zeros(self.nu))
        g_b -= _dot(np.bincount(self.ib, weights=ww4, minlength=self.nu), inv_bx1)
        value = -float(ll) / total_w
        if not np.isfinite(value):
            return 1e10, np.zeros(4)
        grad = -np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b]) / total_w
        return value, grad


def _minimise(objective: Callable[[Array], tuple[float, Array]], start: Array) -> Any:
    return optimize.minimize(
        objective, start, jac=True, method="BFGS", options={"maxiter": 1000, "gtol": 1e-9}
    )


def fit_bgnbd(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, *, initial: tuple[float, ...] = (1, 1, 1, 1)
) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters (r, α, a, b)."""
    xa = np.asarray(x, dtype=np.float64)
    ta = np.asarray(t_x, dtype=np.float64)
    Ta = np.asarray(T, dtype=np.float64)
    _check(xa, ta, Ta)
    # Time is rescaled so T is about 10 units: α then starts near the optimum's order
    # of magnitude whatever the unit (days, weeks). Only α carries the time unit.
    scale = 10.0 / float(Ta.max())
    (xc, tc, Tc), weights = _compress(xa, ta * scale, Ta * scale)
    start = np.log(np.asarray(initial, dtype=np.float64))
    iterations = 0
    if len(xc) > 4 * _WARM_START_ROWS:
        # Most of the search happens far from the optimum, where a sample tells the
        # way as well as all rows do: find the optimum of a fixed random sample first,
        # then polish it on everything (a few full passes instead of dozens).
        pick = np.random.default_rng(0).choice(len(xc), _WARM_START_ROWS, replace=False)
        sample = _BGNBDData(xc[pick], tc[pick], Tc[pick], weights[pick])
        warm = _minimise(sample.neg_ll_and_grad, start)
        start, iterations = warm.x, int(warm.nit)
    result = _minimise(_BGNBDData(xc, tc, Tc, weights).neg_ll_and_grad, start)
    r, alpha, a, b = np.exp(result.x)
    alpha /= scale
    return BGNBDParams(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=bgnbd_log_likelihood((r, alpha, a, b), xa, ta, Ta),
        iterations=iterations + int(result.nit),
    )


def probability_alive(params: BGNBDParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
    """P(the client is still active at T | x, t_x, T)."""
    xa = np.asarray(x, dtype=np.float64)
    ta = np.asarray(t_x, dtype=np.float64)
    Ta = np.asarray(T, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    buyer = xa > 0
    bx1 = np.where(buyer, b + xa - 1.0, 1.0)
    log_ratio = np.log(a) - np.log(bx1) + (r + xa) * (np.log(alpha + Ta) - np.log(alpha + ta))
    odds = np.where(buyer, np.exp(np.minimum(log_ratio, 700.0)), 0.0)
    return 1.0 / (1.0 + odds)


def expected_purchases(
    params: BGNBDParams, t: float | Array, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """E[number of purchases in (T, T + t] | x, t_x, T]   (FHL 2005, eq. 10)."""
    xa = np.asarray(x, dtype=np.float64)
    ta = np.asarray(t_x, dtype=np.float64)
    Ta = np.asarray(T, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t_arr = np.asarray(t, dtype=np.float64)
    z = t_arr / (alpha + Ta + t_arr)
    hyp = special.hyp2f1(r + xa, b + xa, a + b + xa - 1.0, z)
    first = (a + b + xa - 1.0) / (a - 1.0)
    second = 1.0 - np.exp((r + xa) * (np.log(alpha + Ta) - np.log(alpha + Ta + t_arr))) * hyp
    alive = probability_alive(params, xa, ta, Ta)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = first * second * alive
    # hyp2f1 can fail to converge for extreme fits (a and b in the thousands, nobody
    # drops out): there the expectation is the Poisson-gamma rate times the horizon.
    fallback = alive * (r + xa) / (alpha + Ta) * t_arr
    return np.asarray(np.where(np.isfinite(expected), expected, fallback), dtype=np.float64)


# --- Gamma-Gamma ----------------------------------------------------------------------


def _gg_terms(params: Array, x: Array, m: Array, with_grad: bool) -> tuple[Array, Array | None]:
    p, q, g = params
    px = p * x
    log_xm_g = np.log(x * m + g)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_g
    )
    if not with_grad:
        return ll, None
    psi_pxq = special.digamma(px + q)
    d_p = x * (psi_pxq - special.digamma(px) + np.log(m) + np.log(x) - log_xm_g)
    d_q = psi_pxq - special.digamma(q) + np.log(g) - log_xm_g
    d_g = q / g - (px + q) / (x * m + g)
    return ll, np.vstack([d_p, d_q, d_g])


def gamma_gamma_log_likelihood(
    params: tuple[float, float, float], x: ArrayLike, m: ArrayLike
) -> float:
    ll, _ = _gg_terms(
        np.asarray(params, dtype=np.float64),
        np.asarray(x, dtype=np.float64),
        np.asarray(m, dtype=np.float64),
        with_grad=False,
    )
    return float(ll.sum())


class _GGData:
    """Gamma-Gamma data arranged like ``_BGNBDData``: the gamma functions once per
    distinct x, and per client only ln(x·m + γ) and 1/(x·m + γ)."""

    def __init__(self, x: Array, m: Array, weights: Array) -> None:
        self.x, self.w = x, weights
        self.wx_row = weights * x
        self.total = float(weights.sum())
        self.xu, inverse = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inverse, weights=weights, minlength=len(self.xu))
        self.xm = x * m
        log_m = np.log(m)
        self.s_lnm = _dot(weights, log_m)
        self.s_xlnm = _dot(self.wx_row, log_m)
        self.s_xlnx = _dot(self.wx_row, np.log(x))

    def neg_ll_and_grad(self, log_params: Array) -> tuple[float, Array]:
        p, q, g = np.exp(log_params)
        xu, wx, total_w = self.xu, self.wx, self.total
        pxu = p * xu
        log_xm_g = np.log(self.xm + g)
        inv_xm_g = 1.0 / (self.xm + g)
        s_l = _dot(self.w, log_xm_g)
        s_xl = _dot(self.wx_row, log_xm_g)
        ll = (
            _dot(wx, special.gammaln(pxu + q) - special.gammaln(pxu))
            + total_w * (q * np.log(g) - special.gammaln(q))
            + p * self.s_xlnm
            - self.s_lnm
            + p * self.s_xlnx
            - p * s_xl
            - q * s_l
        )
        psi_pxq = special.digamma(pxu + q)
        g_p = _dot(wx * xu, psi_pxq - special.digamma(pxu)) + self.s_xlnm + self.s_xlnx - s_xl
        g_q = _dot(wx, psi_pxq) - total_w * special.digamma(q) + total_w * np.log(g) - s_l
        g_g = total_w * q / g - p * _dot(self.wx_row, inv_xm_g) - q * _dot(self.w, inv_xm_g)
        value = -float(ll) / total_w
        if not np.isfinite(value):
            return 1e10, np.zeros(3)
        return value, -np.array([g_p * p, g_q * q, g_g * g]) / total_w


def fit_gamma_gamma(
    x: ArrayLike, m: ArrayLike, *, initial: tuple[float, ...] = (1, 1, 1)
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters (p, q, γ) on repeat buyers.

    ``x`` repeat purchases (> 0), ``m`` their mean value (> 0).
    """
    xa = np.asarray(x, dtype=np.float64)
    ma = np.asarray(m, dtype=np.float64)
    if len(xa) != len(ma) or len(xa) == 0:
        raise ValueError("x and m must be non-empty and of equal length")
    if np.any(xa <= 0) or np.any(ma <= 0):
        raise ValueError("Gamma-Gamma needs repeat buyers (x > 0) with positive mean value")
    # Values are rescaled to a mean of about 10; only γ carries the currency unit.
    scale = 10.0 / float(ma.mean())
    (xc, mc), weights = _compress(xa, ma * scale)
    data = _GGData(xc, mc, weights)
    result = _minimise(data.neg_ll_and_grad, np.log(np.asarray(initial, dtype=np.float64)))
    p, q, g = np.exp(result.x)
    g /= scale
    return GammaGammaParams(
        p=float(p),
        q=float(q),
        gamma=float(g),
        log_likelihood=gamma_gamma_log_likelihood((p, q, g), xa, ma),
        iterations=int(result.nit),
    )


def expected_mean_value(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> Array:
    """E[M | x, m̄]: the client's own mean shrunk towards the population mean pγ/(q−1).

    A client with no repeat purchase (x = 0) gets the population mean.
    """
    xa = np.asarray(x, dtype=np.float64)
    ma = np.asarray(m, dtype=np.float64)
    p, q, g = params.p, params.q, params.gamma
    if q <= 1:
        raise ValueError("Gamma-Gamma with q <= 1 has no finite mean value")
    return np.asarray((p * (g + xa * ma)) / (p * xa + q - 1.0), dtype=np.float64)


# --- Discounting --------------------------------------------------------------------

WEEKS_PER_YEAR = 365.25 / 7


def discounted_expected_purchases(
    params: BGNBDParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    horizon_weeks: float,
    annual_rate: float,
    steps_per_year: int = 12,
) -> Array:
    """Σ_k (E[Y(t_k)] − E[Y(t_{k−1})]) · (1 + d)^(−t_k / 52.18): the expected purchases of
    each step of the horizon (monthly by default), each discounted from the end of
    its step at the annual rate d. Multiplied by the expected value per purchase this
    is the NPV of the client's future purchases (docs/analytics.md)."""
    step = WEEKS_PER_YEAR / steps_per_year
    n = max(1, int(np.ceil(horizon_weeks / step - 1e-9)))
    edges = np.minimum(np.arange(1, n + 1) * step, horizon_weeks)
    xa = np.asarray(x, dtype=np.float64)
    ta = np.asarray(t_x, dtype=np.float64)
    Ta = np.asarray(T, dtype=np.float64)
    total = np.zeros_like(xa)
    previous = np.zeros_like(xa)
    for edge in edges:
        current = expected_purchases(params, float(edge), xa, ta, Ta)
        total += (current - previous) * (1.0 + annual_rate) ** (-edge / WEEKS_PER_YEAR)
        previous = current
    return total


# --- From transactions to (x, t_x, T, m) --------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One row per client: ids and the model inputs in weeks."""

    ids: NDArray[np.int64]
    x: Array
    t_x: Array
    T: Array
    m: Array  # mean value of the repeat purchase days (0 when x = 0)
    first_value: Array


def summarise(ids: ArrayLike, days: ArrayLike, values: ArrayLike, *, end_day: int) -> Summary:
    """Summarise transactions (client id, day number, value) up to ``end_day`` inclusive.

    Several transactions on one day are one purchase occasion with their values added
    (as in FHL 2005 and in ``lifetimes``); ``x`` counts the days after the first,
    ``t_x`` and ``T`` are in weeks (days / 7) from the first purchase.
    """
    id_arr = np.asarray(ids, dtype=np.int64)
    day_arr = np.asarray(days, dtype=np.int64)
    val_arr = np.asarray(values, dtype=np.float64)
    keep = day_arr <= end_day
    id_arr, day_arr, val_arr = id_arr[keep], day_arr[keep], val_arr[keep]
    # One row per (client, day), ordered by client then day.
    order = np.lexsort((day_arr, id_arr))
    id_arr, day_arr, val_arr = id_arr[order], day_arr[order], val_arr[order]
    new_pair = np.ones(len(id_arr), dtype=bool)
    new_pair[1:] = (id_arr[1:] != id_arr[:-1]) | (day_arr[1:] != day_arr[:-1])
    starts = np.flatnonzero(new_pair)
    pair_id, pair_day = id_arr[starts], day_arr[starts]
    pair_val = np.add.reduceat(val_arr, starts) if len(starts) else val_arr[:0]
    new_client = np.ones(len(pair_id), dtype=bool)
    new_client[1:] = pair_id[1:] != pair_id[:-1]
    cstarts = np.flatnonzero(new_client)
    cends = np.append(cstarts[1:], len(pair_id)) - 1
    first_day = pair_day[cstarts]
    last_day = pair_day[cends]
    n_days = (cends - cstarts + 1).astype(np.float64)
    total = np.add.reduceat(pair_val, cstarts) if len(cstarts) else pair_val[:0]
    first_value = pair_val[cstarts]
    x = n_days - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(x > 0, (total - first_value) / np.maximum(x, 1.0), 0.0)
    return Summary(
        ids=pair_id[cstarts],
        x=x,
        t_x=(last_day - first_day) / 7.0,
        T=(end_day - first_day) / 7.0,
        m=m,
        first_value=first_value,
    )

"""Pareto, ABC and XYZ as pure functions of arrays (no database).

ABC: items sorted by value, largest first; an item is A while the share of the total
*before* it is below the A threshold (80 % by default), B while below the B threshold
(95 %), else C. So the item that crosses 80 % is still A: a single client with 90 % of
revenue is A, as it should be. Items with no positive value are C.

XYZ: the coefficient of variation (population standard deviation / mean) of an item's
monthly revenue over every month of the period, months without sales counting as 0.
X ≤ 0.5 (steady), Y ≤ 1.0 (variable), Z above or no positive mean (erratic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    a: float = 0.80
    b: float = 0.95
    x: float = 0.5
    y: float = 1.0

    def __post_init__(self) -> None:
        if not (0 < self.a < self.b <= 1):
            raise ValueError("ABC thresholds need 0 < A < B <= 1")
        if not (0 < self.x < self.y):
            raise ValueError("XYZ thresholds need 0 < X < Y")


@dataclass(frozen=True)
class Ranking:
    order: NDArray[np.intp]  # positions of the items, largest value first
    share: Floats  # each item's share of the positive total, in input order
    cumulative: Floats  # share of the items up to and including this one, input order
    classes: NDArray[np.str_]  # "A", "B" or "C", input order


def abc(values: Floats, thresholds: Thresholds = Thresholds()) -> Ranking:
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    positive = np.where(values > 0, values, 0.0)
    total = float(positive.sum())
    share = positive / total if total > 0 else np.zeros_like(positive)
    cum_sorted = np.cumsum(share[order])
    before_sorted = cum_sorted - share[order]
    classes_sorted = np.where(
        before_sorted < thresholds.a - 1e-12,
        "A",
        np.where(before_sorted < thresholds.b - 1e-12, "B", "C"),
    )
    classes_sorted = np.where(values[order] > 0, classes_sorted, "C")
    cumulative = np.empty_like(share)
    cumulative[order] = cum_sorted
    classes = np.empty(len(values), dtype="<U1")
    classes[order] = classes_sorted
    return Ranking(order=order, share=share, cumulative=cumulative, classes=classes)


def coefficient_of_variation(total: Floats, total_sq: Floats, months: int) -> Floats:
    """CV from the sum and the sum of squares of monthly values over ``months`` months."""
    total = np.asarray(total, dtype=np.float64)
    total_sq = np.asarray(total_sq, dtype=np.float64)
    mean = total / months
    var = np.maximum(total_sq / months - mean * mean, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean > 0, np.sqrt(var) / np.where(mean > 0, mean, 1.0), np.inf)
    return cv


def xyz(cv: Floats, thresholds: Thresholds = Thresholds()) -> NDArray[np.str_]:
    cv = np.asarray(cv, dtype=np.float64)
    return np.where(cv <= thresholds.x, "X", np.where(cv <= thresholds.y, "Y", "Z"))


def pareto_curve(values: Floats, points: int = 101) -> list[tuple[float, float]]:
    """(share of items, share of value) from the largest item down, at most ``points``
    points evenly spaced in items: enough to draw, small enough to send."""
    v = np.sort(np.where(np.asarray(values, dtype=np.float64) > 0, values, 0.0))[::-1]
    n = len(v)
    if n == 0 or v.sum() <= 0:
        return [(0.0, 0.0), (1.0, 1.0)] if n else []
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    idx = np.unique(np.linspace(0, n, min(points, n + 1)).round().astype(int))
    return [(float(i / n), float(cum[i])) for i in idx]

"""Charts drawn on the server as SVG: no script, no chart library, no network.

The template ``core/_bar_chart.html`` draws what ``bar_chart`` computes here:
bar rectangles, a few horizontal grid lines with their labels, and month labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

from raktas.core import formatting


class MonthPoint(Protocol):
    """One month's bar: the month's first day and its amount."""

    @property
    def month(self) -> dt.date: ...

    @property
    def revenue(self) -> Decimal: ...


WIDTH = 960
HEIGHT = 240
LEFT = 64  # room for the value axis labels
RIGHT = 28  # room for the last month label
TOP = 12
BOTTOM = 28  # room for the month labels


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the month, for the tooltip and the axis
    value: str  # the formatted amount, for the tooltip
    show_label: bool
    negative: bool

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class GridLine:
    y: float
    label: str


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    grid: list[GridLine]
    baseline: float
    left: int
    right_edge: int
    label_y: int
    empty: bool


def _nice_ceiling(value: Decimal) -> Decimal:
    """Round up to 1, 2 or 5 times a power of ten, so grid labels read well."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent).to_integral_value(ROUND_CEILING)


def bar_chart(points: Sequence[MonthPoint], currency: str = "EUR") -> BarChart:
    values = [p.revenue for p in points]
    top = _nice_ceiling(max([*values, Decimal(0)]))
    floor = min([*values, Decimal(0)])
    bottom = -_nice_ceiling(-floor) if floor < 0 else Decimal(0)
    span = top - bottom
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def y_of(v: Decimal) -> float:
        return TOP + float((top - v) / span) * plot_h

    baseline = y_of(Decimal(0))
    slot = plot_w / max(len(points), 1)
    bar_w = slot * 0.7
    bars = []
    for i, p in enumerate(points):
        y = y_of(max(p.revenue, Decimal(0)))
        h = abs(y_of(p.revenue) - baseline)
        bars.append(
            Bar(
                x=round(LEFT + i * slot + (slot - bar_w) / 2, 1),
                y=round(min(y, baseline), 1),
                width=round(bar_w, 1),
                height=round(max(h, 0.0), 1),
                label=formatting.month(p.month),
                value=formatting.money(p.revenue, currency),
                # Every third month is labelled; all would crowd at tablet width.
                show_label=(len(points) - 1 - i) % 3 == 0,
                negative=p.revenue < 0,
            )
        )
    grid = []
    steps = 4
    for s in range(steps + 1):
        v = bottom + span * s / steps
        grid.append(GridLine(y=round(y_of(v), 1), label=formatting.number(v, 0)))
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        grid=grid,
        baseline=round(baseline, 1),
        left=LEFT,
        right_edge=WIDTH - RIGHT,
        label_y=HEIGHT - 8,
        empty=all(v == 0 for v in values),
    )

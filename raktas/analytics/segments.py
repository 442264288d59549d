"""Segment prospects: growth, realisation and a rule-based proposal per segment (the
segment report, page, XLSX and PDF).

Scoped like ``raktas.analytics.selectors``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from raktas.analytics.models import (
    ClientMonth,
)
from raktas.analytics.selectors import (
    Period,
    add_months,
    scoped_clients,
)
from raktas.clients.models import Segment
from raktas.core.money import ZERO, q2
from raktas.orders.models import (
    Order,
    OrderStatus,
)
from raktas.org.access import sees_margin
from raktas.org.models import User

HUNDRED = Decimal(100)

# --- Segment prospects --------------------------------------------------------------------


@dataclass
class SegmentRow:
    segment_id: int | None
    segment: str
    revenue: Decimal
    revenue_before: Decimal
    growth: float | None
    share: float
    clients: int
    clients_before: int
    margin_rate: float | None
    price_realisation: float | None
    monthly: list[tuple[dt.date, Decimal]]
    proposal: str


def segment_prospects(user: User, *, period: Period | None = None) -> list[SegmentRow]:
    """Per segment in the user's view: revenue and growth against the same number of
    months before, share of the revenue in view, buying clients then and now, margin
    rate, price realisation (net / list value of the invoiced orders' lines), the
    monthly trend, and a one-line proposal."""
    period = period or Period.trailing()
    before = Period(add_months(period.start, -period.months), add_months(period.start, -1))
    margin_ok = sees_margin(user)
    clients = scoped_clients(user)
    rev = F("invoiced_net") - F("credited_net")

    def by_segment(p: Period) -> dict[int | None, Any]:
        rows = (
            ClientMonth.objects.filter(
                month__gte=p.start, month__lte=p.end, client_id__in=clients.values("pk")
            )
            .values("client__segment_id")
            .annotate(
                r=Sum(rev),
                m=Sum(rev - F("invoiced_cost") + F("credited_cost")),
                n=Count("client_id", distinct=True, filter=Q(invoices__gt=0)),
            )
            .order_by()
        )
        return {row["client__segment_id"]: row for row in rows}

    now, then = by_segment(period), by_segment(before)
    monthly: dict[int | None, list[tuple[dt.date, Decimal]]] = {}
    for row in (
        ClientMonth.objects.filter(
            month__gte=period.start, month__lte=period.end, client_id__in=clients.values("pk")
        )
        .values("client__segment_id", "month")
        .annotate(r=Sum(rev))
        .order_by("month")
    ):
        monthly.setdefault(row["client__segment_id"], []).append((row["month"], row["r"]))
    realisation: dict[int | None, float] = {}
    for listed in (
        Order.objects.filter(
            status=OrderStatus.INVOICED,
            client_id__in=clients.values("pk"),
            order_date__gte=period.start,
            order_date__lte=period.last_day,
        )
        .values("client__segment_id")
        .annotate(net=Sum("lines__net"), listed=Sum(F("lines__quantity") * F("lines__list_price")))
        .order_by()
    ):
        if listed["listed"]:
            realisation[listed["client__segment_id"]] = float(listed["net"] / listed["listed"])
    names = {None: _("No segment")} | {
        pk: name for pk, name in Segment.objects.values_list("pk", "name")
    }
    total = sum((row["r"] or ZERO for row in now.values()), ZERO)
    out = []
    for seg in sorted(set(now) | set(then), key=lambda s: -(now.get(s, {}).get("r") or 0)):
        cur, prev = now.get(seg, {}), then.get(seg, {})
        r, r0 = cur.get("r") or ZERO, prev.get("r") or ZERO
        growth = float((r - r0) / r0) if r0 else None
        m_rate = float((cur.get("m") or ZERO) / r) if r and margin_ok else None
        out.append(
            SegmentRow(
                segment_id=seg,
                segment=names.get(seg, str(seg)),
                revenue=q2(r),
                revenue_before=q2(r0),
                growth=growth,
                share=float(r / total) if total else 0.0,
                clients=cur.get("n") or 0,
                clients_before=prev.get("n") or 0,
                margin_rate=m_rate,
                price_realisation=realisation.get(seg),
                monthly=monthly.get(seg, []),
                proposal=_proposal(
                    growth, realisation.get(seg), cur.get("n") or 0, prev.get("n") or 0
                ),
            )
        )
    return out


def _proposal(growth: float | None, realisation: float | None, n: int, n0: int) -> str:
    """One line of advice, in the active language (the page's, or the report's)."""
    if growth is None:
        return _("New segment: build the assortment with the first clients.")
    if growth > 0.10 and (realisation or 1) > 0.95:
        return _("Growing at list prices: widen the assortment and test a price increase.")
    if growth > 0.10:
        return _("Growing on discounts: keep the volume, tighten discounts on the A items.")
    if n < n0:
        return _("Losing buyers: win back lapsed clients before adding products.")
    if growth < -0.10:
        return _(
            "Shrinking with the same buyers: find out why they buy less before changing "
            "the assortment."
        )
    if (realisation or 1) < 0.85:
        return _("Flat and discounted: review the price column and the discount rules.")
    return _("Stable: keep the assortment, push cross-sell from similar clients.")

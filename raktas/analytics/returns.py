"""Returns and refusals: rates by client, KAM, segment, month, product and reason, and
the jumps in them that land on the Today page.

Scoped like ``raktas.analytics.selectors``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from raktas.analytics.models import (
    ClientMonth,
    ProductMonth,
    ReasonKind,
    ReasonMonth,
)
from raktas.analytics.rollups import _invoice_lines, spread
from raktas.analytics.selectors import (
    Filters,
    Period,
    _sees_everything,
    add_months,
    scoped_clients,
)
from raktas.analytics.text import pct
from raktas.catalog.models import Product
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO
from raktas.ledger.models import CreditNote, CreditReason, InvoiceLine
from raktas.orders.models import (
    OrderLine,
    OrderStatus,
    RefusalReason,
)
from raktas.org.access import sees_analytics, today
from raktas.org.models import User

HUNDRED = Decimal(100)

# --- Returns and refusals --------------------------------------------------------------


@dataclass
class RateRow:
    key: Any
    label: str
    invoiced: Decimal
    returned: Decimal
    return_rate: float | None
    invoices: int
    refused_orders: int
    refusal_rate: float | None


def _rate(part: Decimal | int, whole: Decimal | int) -> float | None:
    return float(part) / float(whole) if whole else None


GROUPS = ("client", "kam", "segment", "month", "product", "reason")


def returns_report(
    user: User,
    *,
    group_by: str = "client",
    period: Period | None = None,
    filters: Filters | None = None,
) -> list[RateRow]:
    """Return rate (credit notes for returned goods / invoiced net) and refusal rate
    (refused orders / (refused orders + invoices)) by client, KAM, segment, month or
    product; by reason, the Pareto of reasons (count and net, largest first).

    Every grouping is of the clients in view. By product, a credit note names no
    product, so its net is spread over the lines of the invoice it credits (as the
    product rollup does); for product rows ``invoices`` counts invoice lines and
    ``refused_orders`` refused order lines.
    """
    filters = filters or Filters()
    if group_by not in GROUPS:
        raise ValidationFailed(f"group_by: one of {', '.join(GROUPS)}", field="group_by")
    period = period or Period.trailing()
    if group_by == "reason":
        return _reasons(user, period, filters)
    if group_by == "product":
        return _product_rates(user, period, filters)
    key, label = {
        "client": ("client_id", "client__legal_name"),
        "kam": ("client__owner_id", "client__owner__username"),
        "segment": ("client__segment_id", "client__segment__name"),
        "month": ("month", "month"),
    }[group_by]
    qs = ClientMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    if not _sees_everything(user, filters):
        qs = qs.filter(client_id__in=scoped_clients(user, filters).values("pk"))
    rows = (
        qs.values(key, label)
        .annotate(
            inv=Sum("invoiced_net"),
            ret=Sum("returned_net"),
            invoices=Sum("invoices"),
            refused=Sum("refused_orders"),
        )
        .order_by(key if group_by == "month" else "-ret", key)
    )
    return [
        RateRow(
            key=r[key],
            label=str(r[label] if r[label] is not None else "—"),
            invoiced=r["inv"] or ZERO,
            returned=r["ret"] or ZERO,
            return_rate=_rate(r["ret"] or ZERO, r["inv"] or ZERO),
            invoices=r["invoices"] or 0,
            refused_orders=r["refused"] or 0,
            refusal_rate=_rate(r["refused"] or 0, (r["refused"] or 0) + (r["invoices"] or 0)),
        )
        for r in rows
    ]


def _product_rates(user: User, period: Period, filters: Filters) -> list[RateRow]:
    """By product. Company-wide from ``ProductMonth``; for a narrower view (a KAM, a
    team, a segment) from the documents of the clients in view: their invoice lines,
    their return credit notes spread over the lines of the invoice each credits (the
    rollup's own ``spread``, so both paths give the same cents), and the lines of
    their refused orders."""
    if _sees_everything(user, filters):
        rows = (
            ProductMonth.objects.filter(month__gte=period.start, month__lte=period.end)
            .values("product_id")
            .annotate(
                inv=Sum("net"),
                ret=Sum("returned_net"),
                lines=Sum("lines"),
                refused=Sum("refused_lines"),
            )
            .order_by()
        )
        sums = {
            r["product_id"]: [
                r["inv"] or ZERO,
                r["ret"] or ZERO,
                r["lines"] or 0,
                r["refused"] or 0,
            ]
            for r in rows
        }
    else:
        sums = _product_sums_in_view(scoped_clients(user, filters), period)
    names = {
        pk: f"{sku} {name}"
        for pk, sku, name in Product.objects.filter(pk__in=list(sums)).values_list(
            "pk", "sku", "name"
        )
    }
    out = [
        RateRow(
            key=pid,
            label=names.get(pid, str(pid)),
            invoiced=inv,
            returned=ret,
            return_rate=_rate(ret, inv),
            invoices=lines,
            refused_orders=refused,
            refusal_rate=_rate(refused, refused + lines),
        )
        for pid, (inv, ret, lines, refused) in (
            (pid, (Decimal(v[0]), Decimal(v[1]), int(v[2]), int(v[3]))) for pid, v in sums.items()
        )
        if inv or ret or lines or refused
    ]
    out.sort(key=lambda r: (-r.returned, r.key))
    return out


def _product_sums_in_view(clients: Any, period: Period) -> dict[int, list[Any]]:
    """{product: [invoiced net, returned net, invoice lines, refused lines]}."""
    from django.utils import timezone

    sums: dict[int, list[Any]] = {}

    def slot(pid: int) -> list[Any]:
        return sums.setdefault(pid, [ZERO, ZERO, 0, 0])

    ids = clients.values("pk")
    for pid, net, count in (
        InvoiceLine.objects.filter(
            invoice__client_id__in=ids,
            invoice__issue_date__gte=period.start,
            invoice__issue_date__lte=period.last_day,
            product_id__isnull=False,
        )
        .values("product_id")
        .annotate(net=Sum("net"), lines=Count("id"))
        .values_list("product_id", "net", "lines")
        .order_by()
    ):
        row = slot(pid)
        row[0] += net or ZERO
        row[2] += count
    notes = list(
        CreditNote.objects.filter(
            client_id__in=ids,
            reason=CreditReason.RETURN,
            invoice_id__isnull=False,
            issue_date__gte=period.start,
            issue_date__lte=period.last_day,
        ).values_list("invoice_id", "net_total")
    )
    lines_of = _invoice_lines(sorted({invoice for invoice, _net in notes}))
    for invoice_id, net_total in notes:
        credited = lines_of.get(invoice_id, [])
        weights = [ln[3] for ln in credited]
        for line, share in zip(credited, spread(net_total, weights), strict=True):
            if line[0] is not None:
                slot(line[0])[1] += share
    # Refusals count in the month the order was closed, in the server's time zone.
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(period.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    for pid, refused in (
        OrderLine.objects.filter(
            order__client_id__in=ids,
            order__status=OrderStatus.REFUSED,
            order__closed_at__gte=since,
            order__closed_at__lt=until,
        )
        .values("product_id")
        .annotate(n=Count("id"))
        .values_list("product_id", "n")
        .order_by()
    ):
        slot(pid)[3] += refused
    return sums


def reason_label(kind: str, reason: str) -> str:
    """ "Credit note: Goods returned", "Refusal: Out of stock", … in the active language."""

    choices: dict[str, Any] = {
        ReasonKind.CREDIT: CreditReason,
        ReasonKind.REFUSAL: RefusalReason,
    }
    kinds = dict(ReasonKind.choices)
    labels = dict(choices[kind].choices) if kind in choices else {}
    return f"{kinds.get(kind, kind)}: {labels.get(reason, reason) or '—'}"


def _reasons(user: User, period: Period, filters: Filters) -> list[RateRow]:
    qs = ReasonMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    if not _sees_everything(user, filters):
        qs = qs.filter(client_id__in=scoped_clients(user, filters).values("pk"))
    rows = list(
        qs.values("kind", "reason")
        .annotate(count=Sum("count"), net=Sum("net"))
        .order_by("-count", "kind", "reason")
    )
    total = sum(r["count"] for r in rows) or 1
    out = []
    running = 0
    for r in rows:
        running += r["count"]
        out.append(
            RateRow(
                key=f"{r['kind']}:{r['reason']}",
                label=reason_label(r["kind"], r["reason"]),
                invoiced=ZERO,
                returned=r["net"] or ZERO,
                return_rate=running / total,  # cumulative share: the Pareto of reasons
                invoices=r["count"],
                refused_orders=0,
                refusal_rate=None,
            )
        )
    return out


@dataclass
class JumpAlert:
    metric: str  # "return_rate" or "refusal_rate"
    month: dt.date
    rate: float
    baseline: float
    message: str
    client_id: int | None = None  # None: the whole book in view
    client: str = ""


def _jump_message(metric: str, rate: float, baseline: float, month: dt.date, who: str) -> str:
    values = {
        "rate": pct(rate, 1),
        "baseline": pct(baseline, 1),
        "month": f"{month:%Y-%m}",
        "who": who,
    }
    if metric == "return_rate":
        if who:
            text = _(
                "%(who)s: return rate %(rate)s in %(month)s against %(baseline)s over the six months before"
            )
        else:
            text = _(
                "return rate %(rate)s in %(month)s against %(baseline)s over the six months before"
            )
    elif who:
        text = _(
            "%(who)s: refusal rate %(rate)s in %(month)s against %(baseline)s over the six months before"
        )
    else:
        text = _(
            "refusal rate %(rate)s in %(month)s against %(baseline)s over the six months before"
        )
    return text % values


def _jumps(
    by_month: dict[dt.date, RateRow], last: dt.date, factor: float, min_points: float
) -> list[tuple[str, float, float]]:
    out = []
    for metric in ("return_rate", "refusal_rate"):
        current = by_month.get(last)
        history = [
            getattr(by_month[m], metric)
            for m in (add_months(last, -k) for k in range(1, 7))
            if m in by_month and getattr(by_month[m], metric) is not None
        ]
        if current is None or getattr(current, metric) is None or not history:
            continue
        rate = float(getattr(current, metric))
        baseline = sum(history) / len(history)
        if rate > factor * baseline and rate - baseline >= min_points:
            out.append((metric, rate, baseline))
    return out


def rate_jumps(
    user: User,
    *,
    filters: Filters | None = None,
    on: dt.date | None = None,
    factor: float = 1.5,
    min_points: float = 0.02,
) -> list[JumpAlert]:
    """An alert when last month's return or refusal rate of the whole book in view is
    above ``factor`` times its average over the six months before and at least
    ``min_points`` higher."""
    filters = filters or Filters()
    last = add_months((on or today()).replace(day=1), -1)
    months = returns_report(
        user, group_by="month", period=Period(add_months(last, -6), last), filters=filters
    )
    by_month = {row.key: row for row in months}
    return [
        JumpAlert(metric, last, rate, baseline, _jump_message(metric, rate, baseline, last, ""))
        for metric, rate, baseline in _jumps(by_month, last, factor, min_points)
    ]


def client_rate_jumps(
    user: User,
    *,
    filters: Filters | None = None,
    on: dt.date | None = None,
    factor: float = 1.5,
    min_points: float = 0.02,
) -> list[JumpAlert]:
    """The same test per client in view: a client whose return or refusal rate of last
    month jumped against its own six months before (months it bought in). Largest
    jump first."""
    filters = filters or Filters()
    last = add_months((on or today()).replace(day=1), -1)
    # Only a client that had a return or a refusal last month can have jumped: its
    # history is read, not the whole book's seven months.
    moved = ClientMonth.objects.filter(month=last).filter(
        Q(returned_net__gt=0) | Q(refused_orders__gt=0)
    )
    if not _sees_everything(user, filters):
        moved = moved.filter(client_id__in=scoped_clients(user, filters).values("pk"))
    qs = ClientMonth.objects.filter(
        month__gte=add_months(last, -6),
        month__lte=last,
        client_id__in=moved.values("client_id"),
    )
    per_client: dict[int, dict[dt.date, RateRow]] = {}
    names: dict[int, str] = {}
    for r in qs.values(
        "client_id",
        "client__legal_name",
        "month",
        "invoiced_net",
        "returned_net",
        "invoices",
        "refused_orders",
    ).order_by():
        names[r["client_id"]] = r["client__legal_name"]
        per_client.setdefault(r["client_id"], {})[r["month"]] = RateRow(
            key=r["month"],
            label="",
            invoiced=r["invoiced_net"],
            returned=r["returned_net"],
            return_rate=_rate(r["returned_net"], r["invoiced_net"]),
            invoices=r["invoices"],
            refused_orders=r["refused_orders"],
            refusal_rate=_rate(r["refused_orders"], r["refused_orders"] + r["invoices"]),
        )
    out = [
        JumpAlert(
            metric,
            last,
            rate,
            baseline,
            _jump_message(metric, rate, baseline, last, names[cid]),
            client_id=cid,
            client=names[cid],
        )
        for cid, by_month in per_client.items()
        if last in by_month
        for metric, rate, baseline in _jumps(by_month, last, factor, min_points)
    ]
    out.sort(key=lambda a: (-(a.rate - a.baseline), a.client_id or 0, a.metric))
    return out


def return_rate_alerts(user: User, *, on: dt.date | None = None) -> list[JumpAlert]:
    """For the Today page: the jumps of the user's whole book first, then per client.
    Scoped like every figure here (a KAM: their clients); empty for roles that do not
    work with analytics."""
    if not sees_analytics(user):
        return []
    return rate_jumps(user, on=on) + client_rate_jumps(user, on=on)

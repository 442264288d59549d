"""Churn alerts, next best offer within credit, returns and refusals, segment prospects.

All scoped like ``raktas.analytics.selectors``: the clients in view come from
``clients_visible_to``; cost and margin are ``None`` for users who may not see margin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from raktas.analytics.models import (
    ClientCategoryMonth,
    ClientMonth,
    ClientValue,
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
from raktas.analytics.text import number, pct
from raktas.catalog.models import Category, Product
from raktas.catalog.selectors import price_for
from raktas.clients.models import Client, Segment
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO, q2
from raktas.credit.services import exposure_of
from raktas.ledger.models import CreditNote, CreditReason, InvoiceLine
from raktas.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    RefusalReason,
)
from raktas.org.access import sees_analytics, sees_margin, today
from raktas.org.models import User

HUNDRED = Decimal(100)

# --- Churn risk ------------------------------------------------------------------------


@dataclass
class ChurnAlert:
    client_id: int
    client: str
    owner: str
    p_alive: float
    days_since_last: int
    typical_gap_days: float | None
    expected_margin: Decimal | None
    npv: Decimal | None
    reasons: list[str]


def _churn_settings(
    p_alive_below: float | None, rhythm_factor: float | None
) -> tuple[float, float]:
    threshold = (
        p_alive_below
        if p_alive_below is not None
        else float(getattr(settings, "ANALYTICS_CHURN_P_ALIVE", 0.5))
    )
    factor = (
        rhythm_factor
        if rhythm_factor is not None
        else float(getattr(settings, "ANALYTICS_CHURN_RHYTHM_FACTOR", 2.0))
    )
    return threshold, factor


@dataclass(frozen=True)
class _Flag:
    """One client at churn risk, as read from ``ClientValue`` (plain values: the
    messages and the ``ChurnAlert`` are built only for the ones shown)."""

    client_id: int
    owner_id: int
    since: int
    low: bool  # P(alive) below the threshold
    late: bool  # silent for longer than ``factor`` × their usual gap
    client: str
    owner: str
    p_alive: float
    gap: float | None
    expected_margin: Decimal
    npv: Decimal


# Days since the figures were computed, in steps: each row is bounded by the widest
# offset of its step (rows older than the last step are all read and tested here).
_CHURN_OFFSET_STEPS = (1, 7, 31, 92)


def _churn_flags(
    user: User, filters: Filters, threshold: float, factor: float, on: dt.date
) -> list[_Flag]:
    """The clients in view at churn risk, largest NPV first.

    One query that returns only the candidates: P(alive) below the threshold, or a
    rhythm whose silence *may* exceed ``factor`` × the usual gap. The silence on ``on``
    is ``round(weeks_since_last × 7)`` plus the days since ``computed_on``; the database
    tests a bound at least a day wider than that (per step of ``computed_on``), and the
    exact test runs here in Python on plain tuples, so the result is the rule's."""
    silence = F("weeks_since_last") * 7.0
    late = Q(computed_on__lt=on - dt.timedelta(days=_CHURN_OFFSET_STEPS[-1]))
    for days in _CHURN_OFFSET_STEPS:
        late |= Q(
            computed_on__gte=on - dt.timedelta(days=days),
            churn_silence__gt=F("typical_gap_days") * factor - (days + 1),
        )
    candidates = (
        ClientValue.objects.filter(client__in=scoped_clients(user, filters))
        .annotate(churn_silence=silence)
        .filter(
            Q(p_alive__lt=threshold) | (Q(typical_gap_days__gt=0, repeat_purchases__gte=2) & late)
        )
        .order_by("-npv", "client_id")
        .values_list(
            "client_id",
            "client__owner_id",
            "computed_on",
            "weeks_since_last",
            "p_alive",
            "typical_gap_days",
            "repeat_purchases",
            "client__legal_name",
            "client__owner__username",
            "expected_margin",
            "npv",
        )
    )
    out = []
    for (
        client_id,
        owner_id,
        computed_on,
        weeks,
        p_alive,
        gap,
        repeat,
        name,
        owner,
        margin,
        npv,
    ) in candidates:
        since = round(weeks * 7) + (on - computed_on).days
        low = p_alive < threshold
        is_late = gap is not None and gap != 0 and repeat >= 2 and since > factor * gap
        if low or is_late:
            out.append(
                _Flag(
                    client_id, owner_id, since, low, is_late, name, owner, p_alive, gap, margin, npv
                )
            )
    return out


def _churn_alert_objects(
    user: User, flags: list[_Flag], threshold: float, factor: float
) -> list[ChurnAlert]:
    """``ChurnAlert``s, with their messages, for the given flags (in their order)."""
    margin_ok = sees_margin(user)
    out = []
    for flag in flags:
        gap = flag.gap
        reasons = []
        if flag.low:
            reasons.append(
                _("P(alive) %(p)s is below %(limit)s")
                % {"p": pct(flag.p_alive), "limit": pct(threshold)}
            )
        if flag.late and gap:
            reasons.append(
                _("no purchase for %(days)s days, %(times)s× the usual %(gap)s-day rhythm")
                % {"days": flag.since, "times": number(flag.since / gap, 1), "gap": number(gap)}
            )
        out.append(
            ChurnAlert(
                client_id=flag.client_id,
                client=flag.client,
                owner=flag.owner,
                p_alive=flag.p_alive,
                days_since_last=flag.since,
                typical_gap_days=gap,
                expected_margin=flag.expected_margin if margin_ok else None,
                npv=flag.npv if margin_ok else None,
                reasons=reasons,
            )
        )
    return out


def churn_alerts(
    user: User,
    *,
    filters: Filters | None = None,
    p_alive_below: float | None = None,
    rhythm_factor: float | None = None,
    on: dt.date | None = None,
) -> list[ChurnAlert]:
    """Clients in view whose P(alive) fell below the threshold, or who have been silent
    for more than ``rhythm_factor`` times their usual gap between purchases. Largest
    NPV first: the KAM calls the valuable ones first."""
    alerts, _count = churn_alerts_first(
        user,
        None,
        filters=filters,
        p_alive_below=p_alive_below,
        rhythm_factor=rhythm_factor,
        on=on,
    )
    return alerts


def churn_alerts_first(
    user: User,
    limit: int | None,
    *,
    filters: Filters | None = None,
    p_alive_below: float | None = None,
    rhythm_factor: float | None = None,
    on: dt.date | None = None,
) -> tuple[list[ChurnAlert], int]:
    """The first ``limit`` of ``churn_alerts`` (all for ``None``) and how many there
    are: the messages and objects are built only for the ones returned."""
    threshold, factor = _churn_settings(p_alive_below, rhythm_factor)
    flags = _churn_flags(user, filters or Filters(), threshold, factor, on or today())
    shown = flags if limit is None else flags[:limit]
    return _churn_alert_objects(user, shown, threshold, factor), len(flags)


def churn_counts_by_owner(user: User, *, on: dt.date | None = None) -> dict[int, int]:
    """How many clients in view are at churn risk (``churn_alerts``), per client owner
    id; empty for roles that do not work with analytics."""
    if not sees_analytics(user):
        return {}
    threshold, factor = _churn_settings(None, None)
    counts: dict[int, int] = {}
    for flag in _churn_flags(user, Filters(), threshold, factor, on or today()):
        counts[flag.owner_id] = counts.get(flag.owner_id, 0) + 1
    return counts


# --- Next best offer within credit -----------------------------------------------------


def credit_headroom(client: Client) -> tuple[Decimal, Decimal]:
    """(exposure, headroom) in gross: credit control's own figures (``exposure_of``)."""
    found = exposure_of(client)
    return found.exposure, found.headroom


@dataclass
class Suggestion:
    kind: str  # "product" or "category"
    id: int
    label: str
    buyers_share: float  # share of similar clients that buy it
    expected_margin: Decimal | None  # per period, among those who buy it, times the share
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    line_gross: Decimal | None = None
    exceeds_headroom: bool = False
    reason: str = ""


@dataclass
class Offer:
    client_id: int
    similar_clients: int
    exposure: Decimal
    headroom: Decimal
    draft_gross: Decimal
    suggestions: list[Suggestion] = field(default_factory=list)


def _similar_clients(client: Client, period: Period, size: Decimal, limit: int) -> list[int]:
    """Same segment, revenue within a factor of three; if too few, the nearest in size."""
    rev = F("invoiced_net") - F("credited_net")
    qs = ClientMonth.objects.filter(month__gte=period.start, month__lte=period.end).exclude(
        client=client
    )
    if client.segment_id:
        qs = qs.filter(client__segment_id=client.segment_id)
    sizes = list(
        qs.values("client_id").annotate(r=Sum(rev)).values_list("client_id", "r").order_by()
    )
    if not sizes:
        return []
    low, high = size / 3, size * 3
    close = [cid for cid, r in sizes if low <= (r or ZERO) <= high]
    if len(close) >= min(limit, 5):
        return close[:limit]
    sizes.sort(key=lambda item: abs((item[1] or ZERO) - size))
    return [cid for cid, _size in sizes[:limit]]


def next_best_offer(
    user: User,
    client: Client,
    *,
    order: Order | None = None,
    limit: int = 10,
    similar_limit: int = 200,
) -> Offer:
    """Products (and categories) that similar clients buy and this one has not bought
    in the last 12 months, ranked by expected margin: the share of similar clients that
    buy it × the average margin a buyer made on it. Each product comes with a typical
    quantity at the client's column price; one whose line would take the order (the
    draft ``order`` if given) past the credit headroom is marked ``exceeds_headroom``.

    The caller fetched ``client`` through ``get_client_for``. The similar clients are
    only counted and averaged, never named, so they need not be in the user's view.
    """
    period = Period.trailing(12)
    margin_ok = sees_margin(user)
    rev = F("invoiced_net") - F("credited_net")
    size = (
        ClientMonth.objects.filter(
            client=client, month__gte=period.start, month__lte=period.end
        ).aggregate(r=Sum(rev))["r"]
        or ZERO
    )
    similar = _similar_clients(client, period, size, similar_limit)
    exposure, headroom = credit_headroom(client)
    draft_gross = (
        order.gross_total if order is not None and order.status == OrderStatus.DRAFT else ZERO
    )
    offer = Offer(client.pk, len(similar), exposure, headroom, draft_gross)
    if not similar:
        return offer
    since, until = period.start, period.last_day
    own = set(
        InvoiceLine.objects.filter(
            invoice__client=client,
            invoice__issue_date__gte=since,
            product_id__isnull=False,
        ).values_list("product_id", flat=True)
    )
    if order is not None:
        own |= set(order.lines.values_list("product_id", flat=True))
    stats = (
        InvoiceLine.objects.filter(
            invoice__client_id__in=similar,
            invoice__issue_date__gte=since,
            invoice__issue_date__lte=until,
            product__active=True,
        )
        .exclude(product_id__in=own)
        .values("product_id")
        .annotate(
            buyers=Count("invoice__client_id", distinct=True),
            margin=Sum(F("net") - F("cost")),
            qty=Sum("quantity"),
            lines=Count("id"),
        )
        .order_by()
    )
    n = len(similar)
    ranked = []
    for row in stats:
        share = row["buyers"] / n
        per_buyer = (row["margin"] or ZERO) / row["buyers"]
        ranked.append((share * float(per_buyer), share, per_buyer, row))
    ranked.sort(key=lambda item: (-item[0], item[3]["product_id"]))
    products = Product.objects.in_bulk([item[3]["product_id"] for item in ranked[:limit]])
    on = today()
    for score, share, _per_buyer, row in ranked[:limit]:
        product = products[row["product_id"]]
        quantity = (row["qty"] / row["lines"]).quantize(Decimal("0.001"))
        if product.unit == "pcs" or quantity >= 1:
            quantity = max(Decimal(1), quantity.to_integral_value())
        price = price_for(product.pk, client.price_column_id, on)
        gross = None
        exceeds = False
        if price is not None:
            net = q2(quantity * price)
            gross = net + q2(net * product.vat_rate / HUNDRED)
            exceeds = draft_gross + gross > headroom
        offer.suggestions.append(
            Suggestion(
                kind="product",
                id=product.pk,
                label=f"{product.sku} {product.name}",
                buyers_share=share,
                expected_margin=q2(Decimal(repr(score))) if margin_ok else None,
                quantity=quantity,
                unit_price=price,
                line_gross=gross,
                exceeds_headroom=exceeds,
                reason=_(
                    "%(buyers)s of %(n)s similar clients buy it; this client has not in the "
                    "last 12 months"
                )
                % {"buyers": row["buyers"], "n": n},
            )
        )
    # Categories this client does not buy at all, for the wider conversation.
    own_categories = set(
        ClientCategoryMonth.objects.filter(client=client, month__gte=period.start).values_list(
            "category_key", flat=True
        )
    )
    cats = (
        ClientCategoryMonth.objects.filter(client_id__in=similar, month__gte=period.start)
        .exclude(category_key__in=own_categories | {0})
        .values("category_key")
        .annotate(buyers=Count("client_id", distinct=True), margin=Sum(F("net") - F("cost")))
        .order_by()
    )
    names = dict(Category.objects.values_list("pk", "name"))
    cat_ranked = sorted(
        ((c["buyers"] / n * float((c["margin"] or ZERO) / c["buyers"]), c) for c in cats),
        key=lambda item: (-item[0], item[1]["category_key"]),
    )
    for score, cat in cat_ranked[:5]:
        offer.suggestions.append(
            Suggestion(
                kind="category",
                id=cat["category_key"],
                label=names.get(cat["category_key"], str(cat["category_key"])),
                buyers_share=cat["buyers"] / n,
                expected_margin=q2(Decimal(repr(score))) if margin_ok else None,
                reason=_(
                    "%(buyers)s of %(n)s similar clients buy this category; this client buys "
                    "nothing in it"
                )
                % {"buyers": cat["buyers"], "n": n},
            )
        )
    return offer


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


def churn_risk_alerts(user: User, *, on: dt.date | None = None) -> list[ChurnAlert]:
    """For the Today page: ``churn_alerts`` of the clients in the user's view (largest
    NPV first); empty for roles that do not work with analytics."""
    if not sees_analytics(user):
        return []
    return churn_alerts(user, on=on)


def churn_risk_first(
    user: User, limit: int, *, on: dt.date | None = None
) -> tuple[list[ChurnAlert], int]:
    """``churn_risk_alerts``' first ``limit`` alerts and how many there are in all."""
    if not sees_analytics(user):
        return [], 0
    return churn_alerts_first(user, limit, on=on)


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

"""Every analytics read, scoped to what the user may see, from the rollups.

Scope: the clients come from ``clients_visible_to`` (a KAM's Pareto is of their
clients, a head of sales' of the team's, the director's of all), optionally narrowed
to a KAM, a team or a segment. Cost and margin are left out (``None``) for users who
may not see margin (``raktas.org.access.sees_margin``).

Ranking arithmetic (shares, ABC classes, coefficients of variation) is done in
floating point on the rollup sums, because it produces ratios. The rollups keep money
in whole cents, so the per-item sums are exact integers: every amount shown is one of
them (or their total) turned into a ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, BigIntegerField, F, FloatField, QuerySet, Sum
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, TruncMonth
from django.utils.translation import gettext as _

from raktas.analytics import abc as abc_math
from raktas.analytics.models import ClientMonth, ClientValue, ProductMonth
from raktas.analytics.text import pct
from raktas.catalog.models import Product
from raktas.clients.models import Client, Tier
from raktas.clients.selectors import clients_visible_to
from raktas.core.exceptions import ValidationFailed
from raktas.core.money import ZERO, from_cents, q2, to_cents
from raktas.ledger.models import InvoiceLine
from raktas.org.access import scope_for, sees_margin, today
from raktas.org.models import User

# --- Period and filters ---------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` to ``end`` inclusive (both first days of a month)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start.day != 1 or self.end.day != 1:
            raise ValidationFailed("period: months start on the 1st", field="period")
        if self.end < self.start:
            raise ValidationFailed("period: the end is before the start", field="period")

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def last_day(self) -> dt.date:
        return add_months(self.end, 1) - dt.timedelta(days=1)

    @classmethod
    def trailing(cls, months: int = 12, *, on: dt.date | None = None) -> Period:
        """The ``months`` months up to and including the current one."""
        end = (on or today()).replace(day=1)
        return cls(add_months(end, -(months - 1)), end)

    @classmethod
    def parse(cls, start: str | None, end: str | None, *, default_months: int = 12) -> Period:
        """From "YYYY-MM" strings; missing parts default to the trailing 12 months."""
        fallback = cls.trailing(default_months)

        def month(value: str | None, default: dt.date, name: str) -> dt.date:
            if not value:
                return default
            try:
                year, mon = value[:7].split("-")
                return dt.date(int(year), int(mon), 1)
            except ValueError:
                raise ValidationFailed(f"{name}: use YYYY-MM", field=name) from None

        return cls(month(start, fallback.start, "start"), month(end, fallback.end, "end"))


@dataclass(frozen=True)
class Filters:
    kam_id: int | None = None
    team_id: int | None = None
    segment_id: int | None = None

    @property
    def empty(self) -> bool:
        return self.kam_id is None and self.team_id is None and self.segment_id is None


def scoped_clients(user: User, filters: Filters = Filters()) -> QuerySet[Client]:
    qs = clients_visible_to(user)
    if filters.kam_id is not None:
        qs = qs.filter(owner_id=filters.kam_id)
    if filters.team_id is not None:
        qs = qs.filter(owner__team_id=filters.team_id)
    if filters.segment_id is not None:
        qs = qs.filter(segment_id=filters.segment_id)
    return qs


def _sees_everything(user: User, filters: Filters) -> bool:
    """True when no client filter is needed: the rollups can be read whole."""
    return scope_for(user).all_clients and filters.empty


def thresholds_from_settings(**overrides: float | None) -> abc_math.Thresholds:
    base = {
        "a": settings.ANALYTICS_ABC_A,
        "b": settings.ANALYTICS_ABC_B,
        "x": settings.ANALYTICS_XYZ_X,
        "y": settings.ANALYTICS_XYZ_Y,
    }
    base.update({k: float(v) for k, v in overrides.items() if v is not None})
    try:
        return abc_math.Thresholds(**base)
    except ValueError as exc:
        raise ValidationFailed(f"thresholds: {exc}", field="thresholds") from None


# --- ABC / XYZ / Pareto --------------------------------------------------------------


@dataclass
class AbcItem:
    id: int
    label: str
    revenue: Decimal
    margin: Decimal | None
    share: float
    cumulative_share: float
    abc: str
    abc_margin: str | None
    cv: float | None
    xyz: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AbcReport:
    dimension: str
    period: Period
    thresholds: abc_math.Thresholds
    count: int
    total_revenue: Decimal
    total_margin: Decimal | None
    classes: dict[str, dict[str, float]]
    matrix: dict[str, dict[str, float]]
    pareto: list[tuple[float, float]]
    items: list[AbcItem]
    margin_visible: bool


@dataclass
class _Sums:
    ids: np.ndarray
    revenue: np.ndarray  # cents, as floats: for ranking only
    margin: np.ndarray
    revenue_sq: np.ndarray  # Σ (monthly revenue in cents)², for XYZ
    # The exact per-item sums of whole cents, in the order of ``ids``: ints, or floats
    # that hold whole numbers exactly (see ``_float_sums_are_exact``).
    revenue_cents: Sequence[Any] = ()
    cost_cents: Sequence[Any] = ()

    def revenue_of(self, i: int) -> Decimal:
        return from_cents(int(self.revenue_cents[i]))

    def margin_of(self, i: int) -> Decimal:
        return from_cents(int(self.revenue_cents[i]) - int(self.cost_cents[i]))

    @property
    def total_revenue(self) -> Decimal:
        return from_cents(sum(map(int, self.revenue_cents)))

    @property
    def total_margin(self) -> Decimal:
        return self.total_revenue - from_cents(sum(map(int, self.cost_cents)))


def _raw_rows(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a grouped ``values_list`` query without Django's per-value
    converters: tens of thousands of groups convert slower than SQLite sums them.

    On PostgreSQL the rows come in binary: parsing 42,000 rows of five numbers from
    text took psycopg 34 ms, from binary 10 ms. Django's cursors bind parameters on the
    client, which rules binary results out, so this one query runs on a psycopg cursor
    with server-side binding, wrapped by Django as usual (logging, execute wrappers)."""
    sql, params = qs.query.sql_with_params()
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        raw: Any = psycopg.Cursor(connection.connection)
        raw.format = psycopg.pq.Format.BINARY  # what connection.cursor(binary=True) sets
        wrapped = (
            connection.make_debug_cursor(raw)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
        with wrapped as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _Total(Aggregate):
    """SQLite's TOTAL(): a float sum that, unlike SUM, cannot overflow."""

    function = "TOTAL"
    name = "Total"
    output_field = FloatField()


def _cents_sums(qs: QuerySet[Any], key: str, revenue: Any, cost: Any, *, months: int) -> _Sums:
    """Per ``key``: Σ revenue and Σ cost in whole cents (margin = their difference), and
    Σ revenue² (for XYZ), over the rollup rows of ``qs`` (cents columns; at most one
    row per item and month, and ``months`` months).

    SQLite adds the integers itself (its fastest sum). On PostgreSQL ``SUM(bigint)``
    keeps a 128-bit state per group and returns a numeric, which costs more than
    the scan; so the cents are summed as float8 there, which is exact while no running
    sum passes 2**53 cents — checked for every item (``_float_sums_are_exact``), and if
    any item could pass it, everything is summed again as integers. Summing revenue
    and cost (not revenue and margin) keeps each row's arithmetic to a minimum: the
    product rollup's columns are summed as they are."""
    as_float = Cast(revenue, FloatField())
    if connection.vendor == "postgresql":
        cost_float = Cast(cost, FloatField())
        rows = _raw_rows(
            qs.values(key)
            .annotate(
                r=Sum(as_float),
                c=Sum(cost_float),
                s=Sum(as_float * as_float, output_field=FloatField()),
                q=Sum(cost_float * cost_float, output_field=FloatField()),
            )
            .values_list(key, "r", "c", "s", "q")
            .order_by()
        )
        columns = list(zip(*rows, strict=True))
        if _float_sums_are_exact(columns, months):
            return _to_sums(columns)
    if connection.vendor == "sqlite":
        # TOTAL is SQLite's float sum (it never overflows), and an integer product that
        # overflows becomes a float there: no cast per row (a tenth of the query).
        squares: Any = _Total(CombinedExpression(revenue, "*", revenue, BigIntegerField()))
    else:
        squares = Sum(as_float * as_float, output_field=FloatField())
    rows = _raw_rows(
        qs.values(key)
        .annotate(
            # ::bigint, so that PostgreSQL's numeric SUM reaches Python as an int.
            r=Cast(Sum(revenue), BigIntegerField()),
            c=Cast(Sum(cost), BigIntegerField()),
            # cents² can overflow a BIGINT; XYZ only needs a ratio.
            s=squares,
        )
        .values_list(key, "r", "c", "s")
        .order_by()
    )
    return _to_sums(list(zip(*rows, strict=True)))


# Every whole number up to 2**53 is a float8, so float additions of whole cents whose
# running sums stay within it are exact. By Cauchy–Schwarz, Σ|x| ≤ √(n · Σx²): n
# rows whose squares add up to less than 2**106 have every partial sum (in any order,
# also across parallel workers) below 2**53. The slack covers the rounding of Σx².
_EXACT_SQUARES = 2.0**106 * (1 - 1e-9)


def _float_sums_are_exact(columns: Sequence[Sequence[Any]], months: int) -> bool:
    """Columns (ids, Σr, Σc, Σr², Σc²), sums of whole cents as floats, each over at
    most ``months`` rows (the rollups hold one row per item and month)."""
    if not columns:
        return True
    _ids, _r, _c, squares, c_squares = columns
    return max(max(squares), max(c_squares)) < _EXACT_SQUARES / months


def _client_sums(user: User, period: Period, filters: Filters) -> _Sums:
    rev = F("invoiced_net") - F("credited_net")
    qs = ClientMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    if not _sees_everything(user, filters):
        qs = qs.filter(client_id__in=scoped_clients(user, filters).values("pk"))
    cost = F("invoiced_cost") - F("credited_cost")
    return _cents_sums(qs, "client_id", rev, cost, months=period.months)


def _to_sums(columns: Sequence[Sequence[Any]]) -> _Sums:
    """From columns (ids, revenue cents, cost cents, Σ revenue² in cents², …); the
    cents are ints, or floats holding whole numbers exactly (``_float_sums_are_exact``)."""
    if not columns:
        empty = np.zeros(0)
        return _Sums(np.zeros(0, dtype=np.int64), empty, empty, empty)
    ids, revenue, cost, squares = columns[:4]
    r = np.array(revenue, dtype=np.float64)
    return _Sums(
        np.array(ids, dtype=np.int64),
        r,
        r - np.array(cost, dtype=np.float64),
        np.array(squares, dtype=np.float64),
        revenue_cents=revenue,
        cost_cents=cost,
    )


def _product_sums(user: User, period: Period, filters: Filters) -> _Sums:
    """Products ranked by invoiced sales (a credit note names no product, so products
    are not netted of credit notes: see returns analysis). Company-wide from the
    product rollup; for a narrower scope from the invoice lines of its clients only."""
    if _sees_everything(user, filters):
        return _cents_sums(
            ProductMonth.objects.filter(month__gte=period.start, month__lte=period.end),
            "product_id",
            F("net"),
            F("cost"),
            months=period.months,
        )
    monthly = (
        InvoiceLine.objects.filter(
            invoice__client_id__in=scoped_clients(user, filters).values("pk"),
            invoice__issue_date__gte=period.start,
            invoice__issue_date__lte=period.last_day,
            product_id__isnull=False,
        )
        .values("product_id", month=TruncMonth("invoice__issue_date"))
        .annotate(r=Sum("net"), c=Sum("cost"))
        .values_list("product_id", "r", "c")
        .order_by()
    )
    per: dict[int, list[int]] = {}
    squares: dict[int, float] = {}
    for product_id, r, c in monthly:
        acc = per.setdefault(product_id, [0, 0])
        r_cents = to_cents(r or ZERO)
        acc[0] += r_cents
        acc[1] += to_cents(c or ZERO)
        squares[product_id] = squares.get(product_id, 0.0) + float(r_cents) ** 2
    rows = [(pid, r, c, squares[pid]) for pid, (r, c) in per.items()]
    return _to_sums(list(zip(*rows, strict=True)))


def _exact_client_totals(
    user: User, period: Period, filters: Filters, ids: list[int] | None
) -> dict[int | None, tuple[Decimal, Decimal]]:
    rev = F("invoiced_net") - F("credited_net")
    qs = ClientMonth.objects.filter(month__gte=period.start, month__lte=period.end)
    if not _sees_everything(user, filters):
        qs = qs.filter(client_id__in=scoped_clients(user, filters).values("pk"))
    margin = rev - F("invoiced_cost") + F("credited_cost")
    if ids is None:
        total = qs.aggregate(r=Sum(rev), m=Sum(margin))
        return {None: (total["r"] or ZERO, total["m"] or ZERO)}
    if len(ids) > 500:  # see key_client_candidates: no huge IN lists
        wanted = set(ids)
        return {
            cid: (r or ZERO, m or ZERO)
            for cid, r, m in qs.values("client_id")
            .annotate(r=Sum(rev), m=Sum(margin))
            .values_list("client_id", "r", "m")
            .order_by()
            if cid in wanted
        }
    return {
        cid: (r or ZERO, m or ZERO)
        for cid, r, m in qs.filter(client_id__in=ids)
        .values("client_id")
        .annotate(r=Sum(rev), m=Sum(margin))
        .values_list("client_id", "r", "m")
        .order_by()
    }


def abc_report(
    user: User,
    *,
    dimension: str = "client",
    period: Period | None = None,
    filters: Filters = Filters(),
    thresholds: abc_math.Thresholds | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> AbcReport:
    """Pareto, ABC (revenue and margin) and XYZ of clients or products in the user's scope.

    ``items`` are the ``limit`` largest from ``offset`` on; the classes, the matrix and
    the Pareto curve cover every item.
    """
    if dimension not in ("client", "product"):
        raise ValidationFailed("dimension: client or product", field="dimension")
    period = period or Period.trailing()
    thresholds = thresholds or thresholds_from_settings()
    margin_ok = sees_margin(user)
    sums = (_client_sums if dimension == "client" else _product_sums)(user, period, filters)
    ranking = abc_math.abc(sums.revenue, thresholds)
    ranking_m = abc_math.abc(sums.margin, thresholds)
    cv = abc_math.coefficient_of_variation(sums.revenue, sums.revenue_sq, period.months)
    xyz = abc_math.xyz(cv, thresholds)
    n = len(sums.ids)

    classes: dict[str, dict[str, float]] = {}
    for cls in "ABC":
        mask = ranking.classes == cls
        classes[cls] = {"count": int(mask.sum()), "revenue_share": float(ranking.share[mask].sum())}
    matrix: dict[str, dict[str, float]] = {}
    for a_cls in "ABC":
        for x_cls in "XYZ":
            mask = (ranking.classes == a_cls) & (xyz == x_cls)
            matrix[a_cls + x_cls] = {
                "count": int(mask.sum()),
                "revenue_share": float(ranking.share[mask].sum()),
            }

    total_r, total_m = sums.total_revenue, sums.total_margin
    page = ranking.order[offset : None if limit is None else offset + limit]
    page_ids = [int(sums.ids[i]) for i in page]
    labels = _labels(dimension, page_ids)
    items = []
    for i in page:
        item_id = int(sums.ids[i])
        # The exact sums in cents: only the page's become Decimals.
        r, m = sums.revenue_of(i), sums.margin_of(i)
        label, extra = labels.get(item_id, (str(item_id), {}))
        finite_cv = float(cv[i]) if np.isfinite(cv[i]) else None
        items.append(
            AbcItem(
                id=item_id,
                label=label,
                revenue=q2(r),
                margin=q2(m) if margin_ok else None,
                share=float(ranking.share[i]),
                cumulative_share=float(ranking.cumulative[i]),
                abc=str(ranking.classes[i]),
                abc_margin=str(ranking_m.classes[i]) if margin_ok else None,
                cv=finite_cv,
                xyz=str(xyz[i]),
                extra=extra,
            )
        )
    return AbcReport(
        dimension=dimension,
        period=period,
        thresholds=thresholds,
        count=n,
        total_revenue=q2(total_r),
        total_margin=q2(total_m) if margin_ok else None,
        classes=classes,
        matrix=matrix,
        pareto=abc_math.pareto_curve(sums.revenue),
        items=items,
        margin_visible=margin_ok,
    )


def _labels(dimension: str, ids: list[int]) -> dict[int, tuple[str, dict[str, Any]]]:
    if not ids:
        return {}
    if dimension == "client":
        return {
            pk: (name, {"owner": owner, "segment": segment, "tier": tier})
            for pk, name, owner, segment, tier in Client.objects.filter(pk__in=ids).values_list(
                "pk", "legal_name", "owner__username", "segment__name", "tier"
            )
        }
    return {
        pk: (f"{sku} {name}", {"category": category})
        for pk, sku, name, category in Product.objects.filter(pk__in=ids).values_list(
            "pk", "sku", "name", "category__name"
        )
    }


# --- Key-client candidates --------------------------------------------------------------


@dataclass(frozen=True)
class KeyClientRules:
    """A client is a candidate when any rule holds; each rule that holds is a reason."""

    revenue_share: float = 0.10  # of the revenue in view (the KAM's book, the team, all)
    margin_share: float = 0.10
    a_by_revenue_and_margin: bool = True
    npv_top_share: float = 0.10  # NPV among the top 10 % of the clients in view

    @classmethod
    def from_settings(cls, **overrides: Any) -> KeyClientRules:
        base: dict[str, Any] = {
            "revenue_share": settings.ANALYTICS_KEY_REVENUE_SHARE,
            "margin_share": settings.ANALYTICS_KEY_MARGIN_SHARE,
            "npv_top_share": settings.ANALYTICS_KEY_NPV_TOP_SHARE,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)


@dataclass
class KeyClientCandidate:
    client_id: int
    label: str
    owner: str
    tier: str
    revenue: Decimal
    revenue_share: float
    margin: Decimal | None
    margin_share: float | None
    npv: Decimal | None
    reasons: list[str]


def _review(tier: str) -> str:
    return (
        _("tiered %s but meets no key-client rule: review the tier")
        % str(dict(Tier.choices).get(tier, tier)).lower()
    )


def key_client_candidates(
    user: User,
    *,
    period: Period | None = None,
    filters: Filters = Filters(),
    rules: KeyClientRules | None = None,
) -> list[KeyClientCandidate]:
    """Clients that meet a key-client rule in the user's view, each with its reasons,
    largest revenue first. Clients already tiered key or strategic that meet no rule
    are listed too, with that as their reason, so the tier can be reviewed."""
    period = period or Period.trailing()
    rules = rules or KeyClientRules.from_settings()
    margin_ok = sees_margin(user)
    sums = _client_sums(user, period, filters)
    if len(sums.ids) == 0:
        return []
    thresholds = thresholds_from_settings()
    by_rev = abc_math.abc(sums.revenue, thresholds)
    by_margin = abc_math.abc(sums.margin, thresholds)
    ids = [int(i) for i in sums.ids]
    # Whole-table reads filtered in Python: a list of every client id in view would
    # overflow SQLite's limit on query parameters at tens of thousands of clients.
    in_view = set(ids)
    npv = {
        cid: v
        for cid, v in ClientValue.objects.filter(
            client_id__in=scoped_clients(user, filters).values("pk")
        ).values_list("client_id", "npv")
        if cid in in_view
    }
    npv_values = np.array([float(npv.get(i, 0)) for i in ids])
    n_top = max(1, int(np.ceil(len(ids) * rules.npv_top_share)))
    npv_cut = np.sort(npv_values)[::-1][n_top - 1] if len(ids) else 0.0
    tiers = dict(scoped_clients(user, filters).values_list("pk", "tier"))
    picked: dict[int, list[str]] = {}
    for k, cid in enumerate(ids):
        reasons = []
        if by_rev.share[k] >= rules.revenue_share:
            reasons.append(_("brings %s of revenue in this view") % pct(by_rev.share[k], 1))
        if margin_ok and by_margin.share[k] >= rules.margin_share:
            reasons.append(_("brings %s of gross margin in this view") % pct(by_margin.share[k], 1))
        if (
            margin_ok
            and rules.a_by_revenue_and_margin
            and by_rev.classes[k] == "A"
            and by_margin.classes[k] == "A"
        ):
            reasons.append(_("class A by revenue and by margin"))
        if cid in npv and npv_values[k] > 0 and npv_values[k] >= npv_cut and margin_ok:
            reasons.append(_("NPV in the top %s of clients in view") % pct(rules.npv_top_share))
        if not reasons and tiers.get(cid) in (Tier.STRATEGIC, Tier.KEY):
            reasons.append(_review(tiers[cid]))
        if reasons:
            picked[cid] = reasons
    for cid, tier in (
        scoped_clients(user, filters)
        .filter(tier__in=(Tier.STRATEGIC, Tier.KEY))
        .values_list("pk", "tier")
    ):
        if cid not in in_view:
            picked[cid] = [_review(tier)]
    exact = _exact_client_totals(user, period, filters, list(picked))
    total_r, total_m = _exact_client_totals(user, period, filters, None)[None]
    people = Client.objects.all() if len(picked) > 500 else Client.objects.filter(pk__in=picked)
    info = {
        pk: (name, owner, tier)
        for pk, name, owner, tier in people.values_list(
            "pk", "legal_name", "owner__username", "tier"
        )
        if pk in picked
    }
    out = []
    for cid, reasons in picked.items():
        r, m = exact.get(cid, (ZERO, ZERO))
        name, owner, tier = info[cid]
        out.append(
            KeyClientCandidate(
                client_id=cid,
                label=name,
                owner=owner,
                tier=tier,
                revenue=q2(r),
                revenue_share=float(r / total_r) if total_r else 0.0,
                margin=q2(m) if margin_ok else None,
                margin_share=(float(m / total_m) if total_m else 0.0) if margin_ok else None,
                npv=npv.get(cid) if margin_ok else None,
                reasons=reasons,
            )
        )
    out.sort(key=lambda c: c.revenue, reverse=True)
    return out


def client_monthly(user: User, client: Client, period: Period) -> list[dict[str, Any]]:
    """One client's months (the caller fetched the client through ``get_client_for``)."""
    margin_ok = sees_margin(user)
    rows = ClientMonth.objects.filter(
        client=client, month__gte=period.start, month__lte=period.end
    ).order_by("month")
    out = []
    for row in rows:
        revenue = row.invoiced_net - row.credited_net
        out.append(
            {
                "month": row.month,
                "revenue": revenue,
                "margin": revenue - row.invoiced_cost + row.credited_cost if margin_ok else None,
                "invoices": row.invoices,
                "returned": row.returned_net,
                "refused_orders": row.refused_orders,
            }
        )
    return out

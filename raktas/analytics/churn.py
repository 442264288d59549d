"""Churn risk: the clients in view whose P(alive) fell, or who are silent longer than
their rhythm (docs/analytics.md), and the Today page's alerts of them.

Scoped like ``raktas.analytics.selectors``: the clients in view come from
``clients_visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import gettext as _

from raktas.analytics.models import (
    ClientValue,
)
from raktas.analytics.selectors import (
    Filters,
    scoped_clients,
)
from raktas.analytics.text import number, pct
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
    threshold = p_alive_below if p_alive_below is not None else settings.ANALYTICS_CHURN_P_ALIVE
    factor = rhythm_factor if rhythm_factor is not None else settings.ANALYTICS_CHURN_RHYTHM_FACTOR
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

"""Analytics that write: lifetime values, tier proposals and their decisions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from raktas.analytics import clv
from raktas.analytics.models import (
    ClientDay,
    ClientMonth,
    ClientValue,
    ModelFit,
    ProposalStatus,
    TierProposal,
)
from raktas.analytics.rollups import rebuild, refresh
from raktas.analytics.selectors import add_months
from raktas.analytics.text import pct
from raktas.audit.services import record
from raktas.clients.models import Client, Tier
from raktas.clients.services import client_update
from raktas.core.exceptions import IllegalTransition, PermissionDenied, ValidationFailed
from raktas.core.money import ZERO, q2
from raktas.org.access import decides_for, today
from raktas.org.models import User

# Below this many clients with purchases the models have too little to learn from.
MIN_CLIENTS_TO_FIT = 10
# Pseudo-purchases of the company margin rate mixed into each client's own rate.
MARGIN_RATE_PRIOR_WEIGHT = 2.0


def horizon_months() -> int:
    return settings.ANALYTICS_HORIZON_MONTHS


def annual_discount_rate() -> float:
    return settings.ANALYTICS_DISCOUNT_RATE


@dataclass
class RefreshResult:
    clients: int
    fit: ModelFit | None
    skipped_reason: str = ""


@transaction.atomic
def client_values_refresh(
    *,
    as_of: dt.date | None = None,
    months: int | None = None,
    annual_rate: float | None = None,
) -> RefreshResult:
    """Fit BG/NBD and Gamma-Gamma on every client's purchase days up to ``as_of`` and
    store each client's P(alive), expected orders, expected margin and NPV over the
    horizon (docs/analytics.md gives the formulas).

    A purchase is a day with an invoice (``ClientDay``); its value is the day's net.
    Gamma-Gamma is fitted on net spend per purchase, not margin: spend is positive,
    as the model needs, while a day's margin can be zero or negative. Expected margin
    is expected spend × the client's margin rate, shrunk towards the company's rate
    when the client has few purchases.
    """
    as_of = as_of or today()
    months = months or horizon_months()
    rate = annual_discount_rate() if annual_rate is None else annual_rate
    if months <= 0 or rate < 0:
        raise ValidationFailed("horizon and discount rate must be positive", field="horizon")
    epoch = dt.date(2000, 1, 1)
    rows = list(
        ClientDay.objects.filter(day__lte=as_of)
        .order_by()
        .values_list("client_id", "day", "net", "cost")
    )
    ids_with_sales = {r[0] for r in rows}
    if len(ids_with_sales) < MIN_CLIENTS_TO_FIT:
        return RefreshResult(0, None, f"only {len(ids_with_sales)} clients have purchases")
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    days = np.array([(r[1] - epoch).days for r in rows], dtype=np.int64)
    net = np.array([float(r[2]) for r in rows])
    cost = np.array([float(r[3]) for r in rows])
    end_day = (as_of - epoch).days
    summary = clv.summarise(ids, days, net, end_day=end_day)
    # T = 0 (first purchase today) carries no information about the rate; a tiny T
    # keeps the likelihood defined.
    T = np.maximum(summary.T, 1.0 / 7)
    bg = clv.fit_bgnbd(summary.x, summary.t_x, T)
    repeat = (summary.x > 0) & (summary.m > 0)
    gg: clv.GammaGammaParams | None = None
    if repeat.sum() >= MIN_CLIENTS_TO_FIT:
        gg = clv.fit_gamma_gamma(summary.x[repeat], summary.m[repeat])
        if gg.q <= 1:
            gg = None
    horizon_weeks = months * clv.WEEKS_PER_YEAR / 12
    alive = clv.probability_alive(bg, summary.x, summary.t_x, T)
    expected = clv.expected_purchases(bg, horizon_weeks, summary.x, summary.t_x, T)
    discounted = clv.discounted_expected_purchases(
        bg, summary.x, summary.t_x, T, horizon_weeks=horizon_weeks, annual_rate=rate
    )
    alive = np.nan_to_num(alive, nan=1.0)
    expected = np.nan_to_num(expected, nan=0.0, posinf=0.0)
    discounted = np.nan_to_num(discounted, nan=0.0, posinf=0.0)
    if gg is not None:
        order_value = clv.expected_mean_value(gg, summary.x, summary.m)
        # Gamma-Gamma counts repeat purchases only, so a client with none would get the
        # population mean. In B2B the first order already says much about the size of
        # the next ones: it is taken as one observation of the same spend process, so a
        # new client's expected order is its first order shrunk towards the mean.
        first = (summary.x == 0) & (summary.first_value > 0)
        if first.any():
            order_value[first] = clv.expected_mean_value(
                gg, np.ones(int(first.sum())), summary.first_value[first]
            )
    else:
        # Too few repeat buyers for Gamma-Gamma: each client's own mean purchase.
        total_by_client = np.bincount(
            np.searchsorted(summary.ids, ids), weights=net, minlength=len(summary.ids)
        )
        order_value = total_by_client / (summary.x + 1)
    idx = np.searchsorted(summary.ids, ids)
    client_net = np.bincount(idx, weights=net, minlength=len(summary.ids))
    client_cost = np.bincount(idx, weights=cost, minlength=len(summary.ids))
    company_rate = (
        float((client_net.sum() - client_cost.sum()) / client_net.sum())
        if client_net.sum()
        else 0.0
    )
    n = summary.x + 1
    own_rate = np.divide(
        client_net - client_cost, client_net, out=np.zeros_like(client_net), where=client_net > 0
    )
    margin_rate = (n * own_rate + MARGIN_RATE_PRIOR_WEIGHT * company_rate) / (
        n + MARGIN_RATE_PRIOR_WEIGHT
    )
    fit = ModelFit.objects.create(
        as_of=as_of,
        clients=len(summary.ids),
        r=bg.r,
        alpha=bg.alpha,
        a=bg.a,
        b=bg.b,
        bgnbd_log_likelihood=bg.log_likelihood,
        p=gg.p if gg else None,
        q=gg.q if gg else None,
        gamma=gg.gamma if gg else None,
        horizon_months=months,
        annual_rate=rate,
    )

    def money(value: float) -> Decimal:
        return q2(Decimal(repr(float(value)))) if math.isfinite(value) else ZERO

    values = []
    for k, client_id in enumerate(summary.ids):
        x = float(summary.x[k])
        values.append(
            ClientValue(
                client_id=int(client_id),
                computed_on=as_of,
                repeat_purchases=int(x),
                weeks_since_first=float(summary.T[k]),
                weeks_since_last=float(summary.T[k] - summary.t_x[k]),
                p_alive=float(alive[k]),
                expected_orders=float(expected[k]),
                expected_order_net=money(order_value[k]),
                margin_rate=float(margin_rate[k]),
                expected_margin=money(expected[k] * order_value[k] * margin_rate[k]),
                npv=money(discounted[k] * order_value[k] * margin_rate[k]),
                typical_gap_days=float(summary.t_x[k] * 7 / x) if x > 0 else None,
            )
        )
    ClientValue.objects.all().delete()
    ClientValue.objects.bulk_create(values, batch_size=5000)
    return RefreshResult(len(values), fit)


# --- Tiers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TierRules:
    """Thresholds of the proposed tier, as shares of company figures over 12 months.

    strategic: share of revenue ≥ ``strategic_share`` and NPV in the top
    ``strategic_npv_top``; key: share of revenue ≥ ``key_share`` or of margin ≥
    ``key_margin_share``; develop: growing ≥ ``develop_growth`` year on half-year, or
    NPV in the top ``develop_npv_top``; otherwise maintain.
    """

    strategic_share: float = 0.05
    strategic_npv_top: float = 0.05
    key_share: float = 0.01
    key_margin_share: float = 0.01
    develop_growth: float = 0.20
    develop_npv_top: float = 0.25


def _window_revenue(start: dt.date, end: dt.date) -> dict[int, tuple[float, float]]:
    rev = F("invoiced_net") - F("credited_net")
    return {
        cid: (float(r or 0), float(m or 0))
        for cid, r, m in ClientMonth.objects.filter(month__gte=start, month__lte=end)
        .values("client_id")
        .annotate(r=Sum(rev), m=Sum(rev - F("invoiced_cost") + F("credited_cost")))
        .values_list("client_id", "r", "m")
        .order_by()
    }


Reason = dict[str, Any]  # {"msg": an English message id, "args": its %-placeholders}


def _reason(msg: str, **args: Any) -> Reason:
    return {"msg": msg, "args": args}


def _pct(value: float, places: int = 0, *, signed: bool = False) -> dict[str, Any]:
    """A percentage kept as a number, formatted when read (``reason_text``)."""
    return {"pct": round(float(value), 6), "places": places, "signed": signed}


def reason_text(reason: Reason | str) -> str:
    """A stored reason in the active language. Reasons are stored as message ids with
    their figures, so a proposal made overnight reads in whichever language the head
    of sales uses (older proposals stored plain English text, shown as it is)."""
    if isinstance(reason, str):
        return reason
    args = {
        key: pct(value["pct"], value["places"], signed=value["signed"])
        if isinstance(value, dict)
        else value
        for key, value in reason.get("args", {}).items()
    }
    return gettext(reason["msg"]) % args


# Reasons that carry a client's own margin or NPV figure (NPV is a value of future
# margin): read only by those who may see margin (raktas.org.access.sees_margin).
# The rule lines keep only the company's thresholds and stay for everyone.
MARGIN_REASONS = frozenset({"%(share)s of gross margin", "NPV in the top %(top)s of clients"})


def reason_texts(reasons: list[Reason | str], *, margin: bool) -> list[str]:
    """The reasons of a proposal for one reader, in the active language: without the
    margin and NPV figures unless ``margin`` (the reader may see margin)."""
    return [reason_text(r) for r in reasons if margin or not _carries_margin(r)]


def _carries_margin(reason: Reason | str) -> bool:
    if isinstance(reason, str):  # older proposals stored English text
        return "of gross margin" in reason or reason.startswith("NPV in the top")
    return reason.get("msg") in MARGIN_REASONS


def propose_tier(
    *,
    share: float,
    margin_share: float,
    npv_rank: float | None,
    growth: float | None,
    rules: TierRules,
) -> tuple[str, list[Reason]]:
    """The tier the figures point to, and why (``reason_text`` renders a reason). ``npv_rank``
    is the share of clients with a higher NPV (0 = the highest); ``growth`` is the last
    6 months against the 6 before, or None when there was nothing before."""
    reasons = [
        _reason(gettext_noop("%(share)s of company revenue"), share=_pct(share, 1)),
        _reason(gettext_noop("%(share)s of gross margin"), share=_pct(margin_share, 1)),
    ]
    if npv_rank is not None:
        reasons.append(
            _reason(
                gettext_noop("NPV in the top %(top)s of clients"),
                top=_pct(max(npv_rank, 0.001)),
            )
        )
    if growth is not None:
        reasons.append(
            _reason(
                gettext_noop("revenue %(growth)s against the previous six months"),
                growth=_pct(growth, signed=True),
            )
        )
    if (
        share >= rules.strategic_share
        and npv_rank is not None
        and npv_rank < rules.strategic_npv_top
    ):
        return Tier.STRATEGIC, [
            _reason(
                gettext_noop("share ≥ %(share)s and NPV in the top %(top)s"),
                share=_pct(rules.strategic_share),
                top=_pct(rules.strategic_npv_top),
            ),
            *reasons,
        ]
    if share >= rules.key_share or margin_share >= rules.key_margin_share:
        return Tier.KEY, [
            _reason(
                gettext_noop("share of revenue ≥ %(share)s or of margin ≥ %(margin)s"),
                share=_pct(rules.key_share),
                margin=_pct(rules.key_margin_share),
            ),
            *reasons,
        ]
    if (growth is not None and growth >= rules.develop_growth) or (
        npv_rank is not None and npv_rank < rules.develop_npv_top
    ):
        return Tier.DEVELOP, [
            _reason(gettext_noop("growing fast or high future value (NPV)")),
            *reasons,
        ]
    return Tier.MAINTAIN, [
        _reason(gettext_noop("small share, not growing fast, modest NPV")),
        *reasons,
    ]


@transaction.atomic
def tier_proposals_refresh(*, on: dt.date | None = None, rules: TierRules | None = None) -> int:
    """Propose a tier for every client whose figures point elsewhere than its tier.

    A pending proposal that still holds is kept; one that no longer holds (or points
    at the tier the client now has) is superseded. Returns the number of new proposals.
    """

    on = on or today()
    rules = rules or TierRules()
    this_month = on.replace(day=1)
    year = _window_revenue(add_months(this_month, -11), this_month)
    recent = _window_revenue(add_months(this_month, -5), this_month)
    before = _window_revenue(add_months(this_month, -11), add_months(this_month, -6))
    total_r = sum(max(r, 0) for r, _ in year.values()) or 1.0
    total_m = sum(max(m, 0) for _, m in year.values()) or 1.0
    npv = {cid: float(v) for cid, v in ClientValue.objects.values_list("client_id", "npv")}
    ranked = sorted(npv, key=lambda c: -npv[c])
    rank = {cid: i / max(len(ranked), 1) for i, cid in enumerate(ranked)}
    pending = {p.client_id: p for p in TierProposal.objects.filter(status=ProposalStatus.PENDING)}
    created = 0
    for client_id, tier in Client.objects.values_list("pk", "tier"):
        r, m = year.get(client_id, (0.0, 0.0))
        prev = before.get(client_id, (0.0, 0.0))[0]
        growth = (recent.get(client_id, (0.0, 0.0))[0] - prev) / prev if prev > 0 else None
        proposed, reasons = propose_tier(
            share=max(r, 0) / total_r,
            margin_share=max(m, 0) / total_m,
            npv_rank=rank.get(client_id),
            growth=growth,
            rules=rules,
        )
        open_one = pending.get(client_id)
        if open_one is not None:
            if open_one.proposed_tier == proposed and proposed != tier:
                continue
            open_one.status = ProposalStatus.SUPERSEDED
            open_one.save(update_fields=["status"])
        if proposed == tier:
            continue
        TierProposal.objects.create(
            client_id=client_id,
            current_tier=tier,
            proposed_tier=proposed,
            reasons=reasons,
            figures={
                "revenue_12m": round(r, 2),
                "margin_12m": round(m, 2),
                "share": round(max(r, 0) / total_r, 6),
                "margin_share": round(max(m, 0) / total_m, 6),
                "npv": npv.get(client_id),
                "growth": growth,
                "as_of": on.isoformat(),
            },
        )
        created += 1
    return created


@transaction.atomic
def tier_proposal_decide(
    *, by: User, proposal: TierProposal, accept: bool, note: str = ""
) -> TierProposal:
    """Accept (the client's tier changes, through ``client_update``, audited) or reject."""
    # Lock only the proposal row: two heads clicking at once decide it once. (PostgreSQL
    # refuses FOR UPDATE on the nullable side of the team join, hence ``of``.)
    proposal = (
        TierProposal.objects.select_for_update(of=("self",))
        .select_related("client__owner__team")
        .get(pk=proposal.pk)
    )
    if not decides_for(by, proposal.client):
        raise PermissionDenied(
            "Only the head of sales of the client's team or the director decides tiers.",
            code="not_tier_decider",
        )
    if proposal.status != ProposalStatus.PENDING:
        raise IllegalTransition(
            f"This proposal is already {proposal.get_status_display().lower()}.",
            code="proposal_decided",
        )
    if not accept and not note.strip():
        raise ValidationFailed("note: say why the proposal is rejected", field="note")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()[:255]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if accept:
        client_update(by=by, client=proposal.client, tier=proposal.proposed_tier)
    record(
        actor=by,
        action="accept" if accept else "reject",
        obj=proposal,
        before={"status": ProposalStatus.PENDING},
        after={
            "status": proposal.status,
            "client": proposal.client_id,
            "proposed_tier": proposal.proposed_tier,
            **({"note": proposal.decision_note} if proposal.decision_note else {}),
        },
    )
    return proposal


def refresh_rollups_for(
    client_ids: Iterable[int],
    *,
    product_ids: Iterable[int] = (),
    since: dt.date | None = None,
) -> None:
    """Bring the rollups of these clients and products up to date from the month of
    ``since`` on, after documents were written around the services (``raktas import``).
    Runs in the caller's transaction: a rolled-back import leaves the rollups as they
    were. Name every client and product whose figures the documents changed, before
    and after (an invoice moved to another client names both)."""

    refresh(clients=client_ids, products=product_ids, since=since)


def after_bulk_load(*, progress: Callable[[str], None] | None = None) -> None:
    """Bring analytics up to date after documents were loaded around the services
    (``raktas seed``, ``raktas demo``): rebuild the rollups, value the clients, propose
    tiers."""
    import time

    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    counts = rebuild()
    say(f"analytics rollups rebuilt in {time.perf_counter() - start:.1f} s ({counts})")
    start = time.perf_counter()
    result = client_values_refresh()
    proposals = tier_proposals_refresh()
    say(
        f"lifetime values of {result.clients} clients and {proposals} tier proposals "
        f"in {time.perf_counter() - start:.1f} s {result.skipped_reason}".rstrip()
    )

"""Analytics pages: one per role (the book in view), and one per client.

The same selectors as the API; the pages only lay out what they return. The Pareto
curve is an SVG drawn here on the server (no script, nothing fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from raktas.analytics.churn import churn_alerts, churn_alerts_first
from raktas.analytics.models import ClientValue, ProposalStatus, TierProposal
from raktas.analytics.offers import next_best_offer
from raktas.analytics.returns import client_rate_jumps, rate_jumps, returns_report
from raktas.analytics.segments import segment_prospects
from raktas.analytics.selectors import (
    Filters,
    Period,
    abc_report,
    client_monthly,
    key_client_candidates,
)
from raktas.analytics.services import reason_texts, tier_proposal_decide
from raktas.analytics.text import pct
from raktas.clients.models import Tier
from raktas.clients.selectors import clients_visible_to, get_client_for
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied
from raktas.orders.selectors import get_order_for
from raktas.org.access import decides_for, leads_team, sees_analytics, sees_margin, signed_in_user
from raktas.org.models import User

# Rows of tier proposals and of churn risk on the overview before "show all".
OVERVIEW_ROWS = 15
# Pending tier proposals read for the overview (the weightiest are sorted among these).
PROPOSALS_READ = 200

# The returns table of the overview page, grouped by one of these.
RETURN_GROUPS = {
    "client": _("client"),
    "product": _("product"),
    "kam": _("KAM"),
    "segment": _("segment"),
    "month": _("month"),
}

W, H, PAD = 480, 260, 36


@dataclass
class ParetoSvg:
    width: int
    height: int
    points: str
    diagonal: str
    eighty_y: float
    knee_x: float | None
    knee_label: str
    ticks: list[tuple[float, float, str]]


def pareto_svg(
    curve: list[tuple[float, float]], a: float = 0.8, *, products: bool = False
) -> ParetoSvg:
    """Coordinates of the Pareto curve (share of clients or products → share of revenue)."""
    inner_w, inner_h = W - 2 * PAD, H - 2 * PAD

    def xy(px: float, py: float) -> tuple[float, float]:
        return round(PAD + px * inner_w, 1), round(H - PAD - py * inner_h, 1)

    pts = " ".join(f"{x},{y}" for x, y in (xy(px, py) for px, py in curve))
    knee = next((px for px, py in curve if py >= a), None)
    ticks = [(*xy(t, 0), f"{t:.0%}") for t in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    return ParetoSvg(
        width=W,
        height=H,
        points=pts,
        diagonal=f"{PAD},{H - PAD} {W - PAD},{PAD}",
        eighty_y=xy(0, a)[1],
        knee_x=xy(knee, 0)[0] if knee is not None else None,
        knee_label=(
            (
                gettext("%(share)s of the products make %(a)s of revenue")
                if products
                else gettext("%(share)s of the clients make %(a)s of revenue")
            )
            % {"share": pct(knee), "a": pct(a)}
            if knee is not None
            else ""
        ),
        ticks=ticks,
    )


def _analyst(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not sees_analytics(user):
        raise PermissionDenied("Analytics are for KAMs, heads of sales, the director and finance.")
    return user


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = _analyst(request)
    q = request.GET
    period = Period.parse(q.get("start"), q.get("end"))
    filters = Filters(
        kam_id=_int(q.get("kam")), team_id=_int(q.get("team")), segment_id=_int(q.get("segment"))
    )
    dimension = "product" if q.get("dimension") == "product" else "client"
    returns_by = q.get("returns") or "client"
    if returns_by not in RETURN_GROUPS:
        returns_by = "client"
    report = abc_report(user, dimension=dimension, period=period, filters=filters, limit=25)
    matrix_rows = [(a, [(x, report.matrix[a + x]) for x in "XYZ"]) for a in "ABC"]
    # Tier proposals and churn risk show the weightiest ``OVERVIEW_ROWS`` with their
    # count; ``?all=proposals`` / ``?all=churn`` lists them all.
    show_all = request.GET.get("all", "")
    proposals: list[TierProposal] = []
    read = 0
    if leads_team(user):
        pending = list(
            TierProposal.objects.filter(
                client__in=clients_visible_to(user), status=ProposalStatus.PENDING
            ).select_related("client__owner__team")[:PROPOSALS_READ]
        )
        read = len(pending)
        proposals = [p for p in pending if decides_for(user, p.client)]
        # The weightiest first: proposals to raise a client to strategic or key, then by
        # the client's share of company revenue.
        rank: dict[str, int] = {Tier.STRATEGIC: 0, Tier.KEY: 1, Tier.DEVELOP: 2}
        proposals.sort(
            key=lambda p: (rank.get(p.proposed_tier, 3), -float(p.figures.get("share") or 0))
        )
    proposals_count = len(proposals)
    # Only the first ``PROPOSALS_READ`` pending proposals are read: "200+" beyond.
    proposals_total = f"{proposals_count}+" if read == PROPOSALS_READ else str(proposals_count)
    if show_all != "proposals":
        proposals = proposals[:OVERVIEW_ROWS]
    margin = sees_margin(user)
    for p in proposals:
        p.reason_texts = reason_texts(p.reasons, margin=margin)  # type: ignore[attr-defined]
    churn, churn_count = churn_alerts_first(
        user, None if show_all == "churn" else OVERVIEW_ROWS, filters=filters
    )
    base_query = request.GET.copy()
    base_query.pop("all", None)
    context: dict[str, Any] = {
        "report": report,
        "period": period,
        "dimension": dimension,
        "svg": pareto_svg(report.pareto, report.thresholds.a, products=dimension == "product"),
        "matrix_rows": matrix_rows,
        "candidates": key_client_candidates(user, period=period, filters=filters)[:25]
        if dimension == "client"
        else [],
        "churn": churn,
        "churn_count": churn_count,
        "proposals_count": proposals_count,
        "proposals_total": proposals_total,
        "show_all": show_all,
        "overview_rows": OVERVIEW_ROWS,
        # The page's own query without ``all``, for the "show all" / "show fewer" links.
        "base_query": base_query.urlencode(),
        "reasons": returns_report(user, group_by="reason", period=period, filters=filters)[:10],
        "jumps": (
            rate_jumps(user, filters=filters) + client_rate_jumps(user, filters=filters)[:10]
        ),
        "returns_by": returns_by,
        "returns_groups": [(g, RETURN_GROUPS[g]) for g in RETURN_GROUPS],
        "returns": returns_report(user, group_by=returns_by, period=period, filters=filters)[:15],
        "lang": (translation.get_language() or "en")[:2],
        "segments": segment_prospects(user, period=period),
        "proposals": proposals,
        "margin": sees_margin(user),
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/overview.html", context)


@login_required
@require_GET
def client_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _analyst(request)
    client = get_client_for(user, pk)
    value = ClientValue.objects.filter(client=client).first()
    churn = [a for a in churn_alerts(user) if a.client_id == client.pk]
    return render(
        request,
        "analytics/client.html",
        {
            "client": client,
            "value": value,
            "churn": churn[0] if churn else None,
            "offer": next_best_offer(user, client),
            "months": client_monthly(user, client, Period.trailing(12)),
            "margin": sees_margin(user),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _analyst(request)
    proposal = TierProposal.objects.filter(client__in=clients_visible_to(user), pk=pk).first()
    if proposal is None:
        raise NotFound("Tier proposal not found.")
    accept = request.POST.get("decision") == "accept"
    try:
        tier_proposal_decide(
            by=user, proposal=proposal, accept=accept, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        values = {
            "client": proposal.client.legal_name,
            "tier": proposal.get_proposed_tier_display(),
        }
        text = (
            gettext("%(client)s: tier changed to %(tier)s.")
            if accept
            else gettext("%(client)s: tier kept.")
        )
        messages.success(request, text % values)
    if request.POST.get("all") == "proposals":
        return redirect(reverse("analytics:overview") + "?all=proposals#proposals-h")
    return redirect("analytics:overview")


@login_required
@require_GET
def client_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """A fragment for the client page (``hx-get`` on load): NPV, P(alive), churn."""
    user = _analyst(request)
    client = get_client_for(user, pk)
    churn = [a for a in churn_alerts(user) if a.client_id == client.pk]
    return render(
        request,
        "analytics/_client_panel.html",
        {
            "client": client,
            "value": ClientValue.objects.filter(client=client).first(),
            "churn": churn[0] if churn else None,
            "margin": sees_margin(user),
        },
    )


@login_required
@require_GET
def order_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """A fragment for order entry (``hx-get`` on load and after each line): what similar
    clients buy, each marked when its line would take the order past credit headroom."""

    user = _analyst(request)
    order = get_order_for(user, pk)
    offer = next_best_offer(user, order.client, order=order, limit=8)
    return render(
        request,
        "analytics/_order_suggestions.html",
        {"order": order, "offer": offer, "margin": sees_margin(user)},
    )

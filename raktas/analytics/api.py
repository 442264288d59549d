"""Key-client intelligence over the API: Pareto/ABC/XYZ, key-client candidates,
lifetime value and churn, next best offer within credit, returns and refusals,
segment prospects, tier proposals. Every figure is scoped by the selectors; cost,
margin and NPV are null for users who may not see margin."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from raktas.analytics import offers, reports
from raktas.analytics.churn import churn_alerts
from raktas.analytics.models import ClientValue, ProposalStatus, TierProposal
from raktas.analytics.returns import client_rate_jumps, rate_jumps, returns_report
from raktas.analytics.schemas import (
    AbcOut,
    AbcQuery,
    CandidateOut,
    ChurnOut,
    DecisionIn,
    JumpOut,
    KeyQuery,
    OfferOut,
    ProposalOut,
    RateOut,
    ReturnsQuery,
    ScopeQuery,
    SegmentOut,
    SegmentReportQuery,
    ValueOut,
)
from raktas.analytics.segments import segment_prospects
from raktas.analytics.selectors import (
    KeyClientRules,
    Period,
    abc_report,
    client_monthly,
    key_client_candidates,
    thresholds_from_settings,
)
from raktas.analytics.services import reason_texts, tier_proposal_decide
from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, effective_limit, paginate
from raktas.audit.services import access_record
from raktas.clients.selectors import clients_visible_to, get_client_for
from raktas.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from raktas.orders.selectors import get_order_for
from raktas.org.access import decides_for, sees_analytics, sees_margin
from raktas.org.models import User

router = Router(tags=["analytics"])


def analyst(request: HttpRequest) -> User:
    """The user, if their role works with analytics. The order desk and the
    administrator get 403: their scope is orders and settings, not the book."""
    user = current_user(request)
    if not sees_analytics(user):
        raise PermissionDenied("Analytics are for KAMs, heads of sales, the director and finance.")
    return user


def page_of(rows: list[Any], params: PageParams) -> dict[str, Any]:
    """The API's list shape over a computed list (already in its stable order)."""
    limit = effective_limit(params.limit)
    return {
        "items": rows[params.offset : params.offset + limit],
        "count": len(rows),
        "limit": limit,
        "offset": params.offset,
    }


@router.get("/analytics/abc", response=AbcOut, summary="Pareto, ABC and XYZ of clients or products")
def abc(request: HttpRequest, q: Query[AbcQuery]) -> dict[str, Any]:
    user = analyst(request)
    report = abc_report(
        user,
        dimension=q.dimension,
        period=q.period(),
        filters=q.filters(),
        thresholds=thresholds_from_settings(a=q.a, b=q.b, x=q.x, y=q.y),
        limit=max(1, min(q.limit, 500)),
        offset=max(0, q.offset),
    )
    return {
        "dimension": report.dimension,
        "start": report.period.start,
        "end": report.period.end,
        "thresholds": asdict(report.thresholds),
        "count": report.count,
        "total_revenue": report.total_revenue,
        "total_margin": report.total_margin,
        "classes": report.classes,
        "matrix": report.matrix,
        "pareto": report.pareto,
        "items": [asdict(item) for item in report.items],
    }


@router.get(
    "/analytics/key-clients",
    response=Page[CandidateOut],
    summary="Key-client candidates with their reasons",
)
def key_clients(
    request: HttpRequest, q: Query[KeyQuery], page: Query[PageParams]
) -> dict[str, Any]:
    user = analyst(request)
    rules = KeyClientRules.from_settings(revenue_share=q.revenue_share, margin_share=q.margin_share)
    found = key_client_candidates(user, period=q.period(), filters=q.filters(), rules=rules)
    return page_of([asdict(c) for c in found], page)


@router.get(
    "/analytics/clients/{client_id}/value",
    response=ValueOut,
    summary="A client's lifetime value, P(alive) and monthly history",
)
def client_value(request: HttpRequest, client_id: int) -> dict[str, Any]:
    user = analyst(request)
    client = get_client_for(user, client_id)
    value = ClientValue.objects.filter(client=client).first()
    margin_ok = sees_margin(user)
    monthly = [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        for row in client_monthly(user, client, Period.trailing(24))
    ]
    return {
        "client_id": client.pk,
        "computed_on": value.computed_on if value else None,
        "p_alive": value.p_alive if value else None,
        "expected_orders": value.expected_orders if value else None,
        "expected_order_net": value.expected_order_net if value else None,
        "expected_margin": value.expected_margin if value and margin_ok else None,
        "npv": value.npv if value and margin_ok else None,
        "weeks_since_last": value.weeks_since_last if value else None,
        "typical_gap_days": value.typical_gap_days if value else None,
        "monthly": monthly,
    }


@router.get("/analytics/churn", response=Page[ChurnOut], summary="Churn-risk alerts")
def churn(request: HttpRequest, q: Query[ScopeQuery], page: Query[PageParams]) -> dict[str, Any]:
    user = analyst(request)
    return page_of([asdict(a) for a in churn_alerts(user, filters=q.filters())], page)


@router.get(
    "/analytics/clients/{client_id}/next-best-offer",
    response=OfferOut,
    summary="What similar clients buy and this one does not, within credit headroom",
)
def next_best_offer(request: HttpRequest, client_id: int, order: int | None = None) -> Any:
    user = analyst(request)
    client = get_client_for(user, client_id)
    draft = None
    if order is not None:
        draft = get_order_for(user, order)
        if draft.client_id != client.pk:
            raise NotFound("Order not found.")
    return asdict(offers.next_best_offer(user, client, order=draft))


@router.get(
    "/analytics/returns",
    response=Page[RateOut],
    summary="Return and refusal rates by client, KAM, segment, month, product or reason",
)
def returns(
    request: HttpRequest, q: Query[ReturnsQuery], page: Query[PageParams]
) -> dict[str, Any]:
    user = analyst(request)
    rows = returns_report(user, group_by=q.group_by, period=q.period(), filters=q.filters())
    return page_of([asdict(r) for r in rows], page)


@router.get("/analytics/returns/alerts", response=Page[JumpOut], summary="Rate jump alerts")
def return_alerts(
    request: HttpRequest, q: Query[ScopeQuery], page: Query[PageParams]
) -> dict[str, Any]:
    user = analyst(request)
    filters = q.filters()
    alerts = rate_jumps(user, filters=filters) + client_rate_jumps(user, filters=filters)
    return page_of([asdict(a) for a in alerts], page)


@router.get("/analytics/segments", response=Page[SegmentOut], summary="Segment prospects")
def segments(request: HttpRequest, q: Query[ScopeQuery], page: Query[PageParams]) -> dict[str, Any]:
    user = analyst(request)
    return page_of([asdict(r) for r in segment_prospects(user, period=q.period())], page)


def _report_language(request: HttpRequest, lang: str | None) -> str:
    from django.utils import translation

    if lang is None:
        lang = (getattr(request, "LANGUAGE_CODE", None) or translation.get_language() or "en")[:2]
    if lang not in reports.LANGUAGES:
        raise ValidationFailed(f"lang: one of {', '.join(reports.LANGUAGES)}", field="lang")
    return lang


def _segment_report(request: HttpRequest, q: SegmentReportQuery, kind: str) -> HttpResponse:
    from django.utils import translation

    user = analyst(request)
    period = q.period()
    lang = _report_language(request, q.lang)
    with translation.override(lang):  # the proposals are written in the report's language
        rows = segment_prospects(user, period=period)
    access_record(request, what=f"segments.{kind}", rows=len(rows), user=user)
    name = f"segments-{period.start:%Y%m}-{period.end:%Y%m}-{lang}.{kind}"
    if kind == "pdf":
        body = reports.segment_report_pdf(
            rows,
            period,
            language=lang,
            margin=sees_margin(user),
            prepared_for=user.get_full_name() or user.username,
        )
        content_type = "application/pdf"
    else:
        body = reports.segment_workbook(rows, period, language=lang)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return HttpResponse(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/analytics/segments.xlsx", summary="Segment prospects as a proposal workbook")
def segments_xlsx(request: HttpRequest, q: Query[SegmentReportQuery]) -> HttpResponse:
    return _segment_report(request, q, "xlsx")


@router.get("/analytics/segments.pdf", summary="Segment prospects as a proposal report (PDF)")
def segments_pdf(request: HttpRequest, q: Query[SegmentReportQuery]) -> HttpResponse:
    return _segment_report(request, q, "pdf")


def _proposal_out(user: User, p: TierProposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "client_id": p.client_id,
        "client": p.client.legal_name,
        "current_tier": p.current_tier,
        "proposed_tier": p.proposed_tier,
        "reasons": reason_texts(p.reasons, margin=sees_margin(user)),
        "status": p.status,
        "created_at": p.created_at,
        "decided_by": p.decided_by.username if p.decided_by else None,
        "decision_note": p.decision_note,
        "you_may_decide": p.status == ProposalStatus.PENDING and decides_for(user, p.client),
    }


def proposals_visible_to(user: User) -> Any:
    return TierProposal.objects.filter(client__in=clients_visible_to(user)).select_related(
        "client__owner__team", "decided_by"
    )


@router.get(
    "/analytics/tier-proposals", response=Page[ProposalOut], summary="Tier proposals in view"
)
def tier_proposals(
    request: HttpRequest, page: Query[PageParams], status: str = "pending"
) -> dict[str, Any]:
    user = analyst(request)
    qs = proposals_visible_to(user).order_by("-created_at", "-id")
    if status != "all":
        qs = qs.filter(status=status)
    return paginate(qs, page, page_hook=lambda rows: [_proposal_out(user, p) for p in rows])


def _decide(request: HttpRequest, proposal_id: int, accept: bool, note: str) -> dict[str, Any]:
    user = analyst(request)
    proposal = proposals_visible_to(user).filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("Tier proposal not found.")
    decided = tier_proposal_decide(by=user, proposal=proposal, accept=accept, note=note)
    return _proposal_out(user, proposals_visible_to(user).get(pk=decided.pk))


@router.post(
    "/analytics/tier-proposals/{proposal_id}/accept",
    response=ProposalOut,
    summary="Accept: the client's tier changes (head of the client's team or director)",
)
def accept_proposal(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> Any:
    return _decide(request, proposal_id, True, payload.note)


@router.post(
    "/analytics/tier-proposals/{proposal_id}/reject",
    response=ProposalOut,
    summary="Reject, saying why",
)
def reject_proposal(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> Any:
    return _decide(request, proposal_id, False, payload.note)

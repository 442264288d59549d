"""Credit control: a client's exposure and headroom (with an order preview), override
requests and their decisions, credit holds, credit scores.

Visibility is the client's account (``raktas.credit.selectors``: 404 when invisible);
whether the caller may decide or change is the service's rule (403).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.clients.selectors import get_account_client_for
from raktas.core.exceptions import PermissionDenied
from raktas.credit.models import CreditHold, CreditScore, OverrideRequest
from raktas.credit.schemas import (
    CreditPreviewParams,
    CreditStatusOut,
    DecisionIn,
    HoldIn,
    HoldOut,
    LiftIn,
    OverrideFilters,
    OverrideOut,
    ScoreOut,
)
from raktas.credit.scoring import credit_score_compute, credit_score_refresh
from raktas.credit.selectors import (
    active_holds,
    get_hold_for,
    get_override_for,
    overrides_to_decide,
    overrides_visible_to,
)
from raktas.credit.services import (
    credit_hold_lift,
    credit_hold_set,
    exposure_of,
    may_decide_override,
    override_approve,
    override_reject,
    refusals_for,
)
from raktas.org.access import changes_credit
from raktas.org.models import User

router = Router()

_OVERRIDE_RELATED = ("order", "client__owner__team", "requested_by", "decided_by")


@router.get(
    "/clients/{client_id}/credit-status",
    response=CreditStatusOut,
    summary="Exposure, headroom and holds of a client; preview an order with ?amount=",
)
def credit_status(
    request: HttpRequest, client_id: int, params: Query[CreditPreviewParams]
) -> dict[str, Any]:
    client = get_account_client_for(current_user(request), client_id)
    exposure = exposure_of(client)
    out: dict[str, Any] = {
        "client": client,
        "currency": exposure.currency,
        "credit_limit": exposure.credit_limit,
        "payment_terms_days": client.payment_terms_days,
        "balance": exposure.balance,
        "open_orders": exposure.open_orders,
        "exposure": exposure.exposure,
        "headroom": exposure.headroom,
        "overdue": exposure.overdue,
        "overdue_past_grace": exposure.overdue_past_grace,
        "grace_days": exposure.grace_days,
        "blocked": exposure.blocked,
        "holds": list(active_holds(client).select_related("client", "set_by", "lifted_by")),
    }
    if params.amount is not None:
        reasons = refusals_for(exposure, params.amount)
        out |= {
            "amount": params.amount,
            "would_pass": not reasons,
            "reasons": [{"code": r.code, "message": r.message} for r in reasons],
        }
    return out


def _override_out(user: User, override: OverrideRequest) -> OverrideRequest:
    override.may_decide = override.status == "pending" and may_decide_override(user, override)  # type: ignore[attr-defined]
    return override


@router.get(
    "/credit/overrides",
    response=Page[OverrideOut],
    summary="Credit override requests you may see (?to_decide=true: the ones waiting for you)",
)
def list_overrides(
    request: HttpRequest, filters: Query[OverrideFilters], page: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    qs = overrides_to_decide(user) if filters.to_decide else overrides_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    qs = qs.select_related(*_OVERRIDE_RELATED).order_by("-requested_at", "-id")
    return paginate(qs, page, page_hook=lambda rows: [_override_out(user, o) for o in rows])


@router.get("/credit/overrides/{override_id}", response=OverrideOut, summary="One override request")
def get_override(request: HttpRequest, override_id: int) -> OverrideRequest:
    user = current_user(request)
    return _override_out(user, get_override_for(user, override_id))


@router.post(
    "/credit/overrides/{override_id}/approve",
    response=OverrideOut,
    summary="Approve: the order is submitted now (head of the client's team, director)",
)
def approve_override(request: HttpRequest, override_id: int, payload: DecisionIn) -> Any:
    user = current_user(request)
    override = get_override_for(user, override_id)
    override_approve(by=user, override=override, reason=payload.reason)
    return _override_out(user, get_override_for(user, override_id))


@router.post(
    "/credit/overrides/{override_id}/reject",
    response=OverrideOut,
    summary="Reject: the order stays a draft (head of the client's team, director)",
)
def reject_override(request: HttpRequest, override_id: int, payload: DecisionIn) -> Any:
    user = current_user(request)
    override = get_override_for(user, override_id)
    override_reject(by=user, override=override, reason=payload.reason)
    return _override_out(user, get_override_for(user, override_id))


@router.post(
    "/clients/{client_id}/credit-holds",
    response={201: HoldOut},
    summary="Stop new orders for a client (finance, director)",
)
def set_hold(request: HttpRequest, client_id: int, payload: HoldIn) -> Status:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    hold = credit_hold_set(client=client, kind=payload.kind, reason=payload.reason, by=user)
    return Status(201, get_hold_for(user, hold.pk))


@router.post(
    "/credit/holds/{hold_id}/lift",
    response=HoldOut,
    summary="Lift a credit hold (finance, director)",
)
def lift_hold(request: HttpRequest, hold_id: int, payload: LiftIn) -> CreditHold:
    user = current_user(request)
    hold = get_hold_for(user, hold_id)
    credit_hold_lift(hold=hold, reason=payload.reason, by=user)
    return get_hold_for(user, hold_id)


@router.get(
    "/clients/{client_id}/credit-score",
    response=ScoreOut,
    summary="The client's credit score, grade, factors and suggested limit",
)
def credit_score(request: HttpRequest, client_id: int) -> Any:
    client = get_account_client_for(current_user(request), client_id)
    stored = CreditScore.objects.filter(client=client).first()
    if stored is not None:
        return stored
    # Not scored yet (a new client before the nightly run): compute, do not store.
    result = credit_score_compute(client)
    return SimpleNamespace(
        client=client,
        score=result.score,
        grade=result.grade,
        factors=[f.as_dict() for f in result.factors],
        suggested_limit=result.suggested_limit,
        suggested_limit_why=result.suggested_limit_why,
        computed_at=None,
    )


@router.post(
    "/clients/{client_id}/credit-score/refresh",
    response=ScoreOut,
    summary="Recompute and store the client's credit score now (finance, director)",
)
def refresh_credit_score(request: HttpRequest, client_id: int) -> CreditScore:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    if not changes_credit(user):
        raise PermissionDenied("Only finance or the director recompute scores on demand.")
    score = credit_score_refresh(client)
    score.computed_at = score.computed_at or timezone.now()
    return score

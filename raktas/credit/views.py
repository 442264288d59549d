"""Pages of credit control: the credit page (override requests to decide, holds, weak
grades), one override request, and a client's credit and collection page (exposure,
score with its factors, promises, tasks, timeline, letters). Collection's own pages
(its worklist, promises, tasks) are ``raktas.collection.views``.

Reads go through the scoped selectors (NotFound → 404 page, by the web middleware);
writes through the services; a refused write comes back as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from raktas.clients.selectors import get_account_client_for, timeline_visible_to
from raktas.collection.models import TaskStatus
from raktas.collection.selectors import (
    collection_tasks_visible_to,
    letters_visible_to,
    promises_visible_to,
)
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied
from raktas.core.redirects import next_or
from raktas.credit.models import CreditScore, OverrideStatus
from raktas.credit.scoring import credit_score_compute
from raktas.credit.selectors import (
    active_holds,
    get_hold_for,
    get_override_for,
    holds_visible_to,
    low_grades_visible_to,
    overrides_to_decide,
    overrides_visible_to,
)
from raktas.credit.services import (
    credit_hold_lift,
    exposure_of,
    may_decide_override,
    override_approve,
    override_reject,
)
from raktas.org.access import changes_credit, sees_accounts, signed_in_user, works_debt
from raktas.org.models import User


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


@login_required
@require_GET
def credit_home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not sees_accounts(user):
        raise PermissionDenied("Credit is shown to those who see clients' accounts.")
    related = ("order", "client__owner__team", "requested_by", "decided_by")
    to_decide = list(overrides_to_decide(user).select_related(*related).order_by("requested_at"))
    recent = list(
        overrides_visible_to(user)
        .exclude(pk__in=[o.pk for o in to_decide])
        .select_related(*related)
        .order_by("-requested_at", "-id")[:30]
    )
    holds = list(
        holds_visible_to(user)
        .filter(lifted_at__isnull=True)
        .select_related("client", "set_by")
        .order_by("-set_at")[:50]
    )
    return render(
        request,
        "credit/home.html",
        {
            "to_decide": to_decide,
            "recent": recent,
            "holds": holds,
            "may_lift": changes_credit(user),
            "low_grades": list(low_grades_visible_to(user)[:30]),
        },
    )


@login_required
@require_GET
def override_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    override = get_override_for(user, pk)
    return render(
        request,
        "credit/override.html",
        {
            "o": override,
            "may_decide": override.status == OverrideStatus.PENDING
            and may_decide_override(user, override),
            "exposure_now": exposure_of(override.client),
        },
    )


@login_required
@require_POST
def override_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    override = get_override_for(user, pk)
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")
    try:
        if decision == "approve":
            override_approve(by=user, override=override, reason=reason)
            override.order.refresh_from_db()  # submitted now: it has its number
            messages.success(
                request, _("Approved: order %(order)s was submitted.") % {"order": override.order}
            )
        elif decision == "reject":
            override_reject(by=user, override=override, reason=reason)
            messages.success(
                request, _("Rejected: order %(order)s stays a draft.") % {"order": override.order}
            )
        else:
            messages.error(request, _("Choose approve or reject."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _refused(request, error)
    return redirect(next_or(request, reverse("credit:override", args=[pk])))


@login_required
@require_POST
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    hold = get_hold_for(user, pk)
    try:
        credit_hold_lift(hold=hold, reason=request.POST.get("reason", ""), by=user)
        messages.success(
            request,
            _("%(hold)s lifted for %(client)s.")
            % {"hold": hold.get_kind_display(), "client": hold.client},
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _refused(request, error)
    return redirect(next_or(request, reverse("credit:home")))


def client_context(user: User, client_pk: int) -> dict[str, Any]:
    """What the client's credit page shows; also usable by the client page."""
    client = get_account_client_for(user, client_pk)
    exposure = exposure_of(client)
    stored = CreditScore.objects.filter(client=client).first()
    if stored is not None:
        score: Any = stored
    else:
        result = credit_score_compute(client)
        score = {
            "score": result.score,
            "grade": result.grade,
            "factors": [f.as_dict() for f in result.factors],
            "suggested_limit": result.suggested_limit,
            "suggested_limit_why": result.suggested_limit_why,
            "suggested_limit_text": list(result.suggested_limit_text),
            "computed_at": None,
        }
    used = (
        int(exposure.exposure * 100 / exposure.credit_limit) if exposure.credit_limit > 0 else None
    )
    return {
        "client": client,
        "exposure": exposure,
        "used_pct": used,
        "score": score,
        "holds": list(active_holds(client).select_related("set_by")),
        "promises": list(
            promises_visible_to(user)
            .filter(client=client)
            .select_related("recorded_by")
            .order_by("-promised_on", "-id")[:20]
        ),
        "tasks": list(
            collection_tasks_visible_to(user)
            .filter(client=client, status=TaskStatus.OPEN)
            .select_related("assigned_to")
            .order_by("due_on", "id")
        ),
        "timeline": list(
            timeline_visible_to(user).filter(client=client).select_related("actor")[:50]
        ),
        "letters": list(
            letters_visible_to(user).filter(client=client).defer("pdf").order_by("-created_at")[:10]
        ),
        "overrides": list(
            overrides_visible_to(user)
            .filter(client=client)
            .select_related("order", "requested_by", "decided_by")
            .order_by("-requested_at")[:10]
        ),
        "may_work_debt": works_debt(user, client),
        "may_lift": changes_credit(user),
    }


@login_required
@require_GET
def client_credit(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "credit/client.html", client_context(signed_in_user(request), pk))

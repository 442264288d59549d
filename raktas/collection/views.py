"""Collection's pages: the worklist (broken promises and dunning calls, also on the
Today page), recording a promise to pay and closing a collection task. They are
mounted under /credit/ beside credit control's pages (raktas/urls.py); a client's
credit and collection page is credit control's (``credit:client``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from raktas.clients.selectors import get_account_client_for
from raktas.collection.selectors import get_task_for, today_collection
from raktas.collection.services import collection_task_done, promise_create
from raktas.core.exceptions import DomainError, NotFound, PermissionDenied
from raktas.core.money import parse_decimal
from raktas.core.redirects import next_or
from raktas.org.access import sees_accounts, signed_in_user


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


@login_required
@require_POST
def promise_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = get_account_client_for(user, pk)
    try:
        promised_on = dt.date.fromisoformat(request.POST.get("promised_on", ""))
    except ValueError:
        messages.error(request, _("Give the promised date as YYYY-MM-DD."))
        return redirect("credit:client", pk=pk)
    try:
        amount = parse_decimal(request.POST.get("amount", ""), field="amount")
        promise_create(
            by=user,
            client=client,
            promised_on=promised_on,
            amount=amount,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Promise to pay recorded."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _refused(request, error)
    return redirect("credit:client", pk=pk)


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    task = get_task_for(user, pk)
    try:
        collection_task_done(by=user, task=task, outcome=request.POST.get("outcome", ""))
        messages.success(request, _("Done: %(task)s") % {"task": task.display_title})
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _refused(request, error)
    return redirect(next_or(request, reverse("credit:client", args=[task.client_id])))


@login_required
@require_GET
def collection_today(request: HttpRequest) -> HttpResponse:
    """The collection worklist: broken promises and dunning calls (the Today page's
    collection part, also on its own page)."""
    user = signed_in_user(request)
    if not sees_accounts(user):
        raise PermissionDenied("Collection is shown to those who see clients' accounts.")
    return render(request, "collection/today.html", today_collection(user))

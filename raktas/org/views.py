"""The organisation's own pages. The access-log page (duty 2.21): the commercial
director reads who exported or read what, with filters, and the alerts on unusual
reads. The log is written by ``raktas.audit`` (below everything that exports); who may
read it is decided here, above it, through ``raktas.org.selectors``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from raktas.audit.services import ACCESS_CODES
from raktas.org.access import signed_in_user
from raktas.org.selectors import access_alerts_for, access_entries_for, filter_access

PAGE_SIZE = 50
ALERTS_SHOWN = 20


def _day(raw: str | None, name: str, errors: list[str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(field)s: a date like 2026-03-31") % {"field": name})
        return None


def _page(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 9 else 1


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    entries = access_entries_for(user)  # PermissionDenied (403) for anyone else
    errors: list[str] = []
    what = request.GET.get("what") or ""
    filters: dict[str, Any] = {
        "user": (request.GET.get("user") or "").strip()[:150],
        "what": what if what in ACCESS_CODES else "",
        "since": _day(request.GET.get("since"), _("From"), errors),
        "until": _day(request.GET.get("until"), _("To"), errors),
    }
    page = Paginator(filter_access(entries, **filters), PAGE_SIZE).get_page(
        _page(request.GET.get("page"))
    )
    for entry in page.object_list:
        entry.label = ACCESS_CODES.get(entry.what, entry.what)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/access_log.html",
        {
            "page": page,
            "filters": filters,
            "codes": list(ACCESS_CODES.items()),
            "alerts": list(access_alerts_for(user).order_by("-at", "-id")[:ALERTS_SHOWN]),
            "errors": errors,
            "query": query.urlencode(),
        },
    )

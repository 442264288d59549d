"""The aging page: as of any day, by client/KAM/team/company, with drill-down to the
invoices and links to the XLSX export and the settlement statements. Read only."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from raktas.core.exceptions import ValidationFailed
from raktas.org.access import signed_in_user, today
from raktas.receivables.aging import parse_edges
from raktas.receivables.selectors import aging_for, aging_invoices_for

GROUPINGS = ("client", "kam", "team", "company")


def _date(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        raise ValidationFailed("as_of: a date like 2026-03-31", field="as_of") from None


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
@require_GET
def aging_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    by = request.GET.get("by") or "client"
    if by not in GROUPINGS:
        by = "client"
    error = ""
    try:
        as_of = _date(request.GET.get("as_of"), today())
        edges = parse_edges(request.GET.get("buckets") or None)
    except ValidationFailed as exc:
        error, as_of, edges = exc.message, today(), parse_edges(None)
    client_id = _int(request.GET.get("client"))
    report = aging_for(user, as_of=as_of, edges=edges, client_id=client_id)
    invoices = (
        aging_invoices_for(user, as_of=as_of, edges=edges, client_id=client_id)
        if client_id
        else None
    )
    rows = report.rows(by)
    return render(
        request,
        "receivables/aging.html",
        {
            "report": report,
            "by": by,
            "groupings": [
                ("client", _("Client")),
                ("kam", _("KAM")),
                ("team", _("Team")),
                ("company", _("Company")),
            ],
            "rows": [(row, list(zip(report.labels, row.buckets, strict=True))) for row in rows],
            "company": list(zip(report.labels, report.company.buckets, strict=True)),
            "buckets": ",".join(str(e) for e in edges),
            "client_id": client_id,
            "invoices": invoices,
            "error": error,
            "year_start": as_of.replace(month=1, day=1),
        },
    )

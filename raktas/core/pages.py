"""Small helpers every app's pages share (reading page parameters, xlsx responses)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter as a page number from 1; anything else is page 1."""
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def xlsx_response(data: bytes, stem: str) -> HttpResponse:
    """A workbook as a download named ``raktas-<stem>-<today>.xlsx``."""
    response = HttpResponse(data, content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="raktas-{stem}-{stamp}.xlsx"'
    return response

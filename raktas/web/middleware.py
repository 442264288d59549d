"""Domain errors become pages, in one place (the API maps them to JSON in its own).

A view that fetches through ``get_client_for``/``get_order_for`` lets ``NotFound``
and ``PermissionDenied`` propagate; here they become the 404 and 403 pages, so an
invisible object and a missing one look the same to the user.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from raktas.core.exceptions import NotFound, PermissionDenied


class DomainErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403)
        return None


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    response = TemplateResponse(request, f"{status}.html", status=status)
    response.render()
    return response

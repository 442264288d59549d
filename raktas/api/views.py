from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from raktas.api.errors import error_response


@csrf_exempt
def unknown_endpoint(request: HttpRequest) -> HttpResponse:
    return error_response(404, "not_found", f"No API endpoint at {request.path}.")

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from raktas.api.api import api
from raktas.api.docs import docs_asset
from raktas.api.errors import error_response
from raktas.api.views import unknown_endpoint

View = Callable[..., HttpResponse]


def _is_bare_405(response: HttpResponse) -> bool:
    return response.status_code == 405 and "json" not in response.get("Content-Type", "")


def _one_path(views: Sequence[View]) -> View:
    """One view for a path that several apps' routers define with different methods
    (``PUT /clients/{id}/credit`` in clients, ``GET`` of the same path in credit).

    ninja gives each router its own URL pattern, and Django stops at the first that
    matches the path — so the second router's methods would answer 405. This asks
    each in turn and answers 405 only when none of them takes the method."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed: set[str] = set()
        for view in views:
            response = view(request, *args, **kwargs)
            if not _is_bare_405(response):
                return response
            allowed.update(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
        return HttpResponseNotAllowed(sorted(allowed))

    return dispatch


def _json_405(view: View) -> View:
    """ninja answers a known path with the wrong method with a bare 405; give it the
    API's error shape (keeping the Allow header)."""

    @csrf_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if _is_bare_405(response):
            allowed = response.get("Allow", "")
            response = error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here; allowed: {allowed}.",
            )
            response["Allow"] = allowed
        return response

    return wrapped


def _api_patterns(patterns: Sequence[Any]) -> list[Any]:
    by_route: dict[str, list[URLPattern]] = defaultdict(list)
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            by_route[str(pattern.pattern)].append(pattern)
    out: list[Any] = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            out.append(pattern)
            continue
        same = by_route[str(pattern.pattern)]
        view = _one_path([p.callback for p in same]) if len(same) > 1 else pattern.callback
        # Every original pattern stays, so each keeps its name for reverse().
        out.append(URLPattern(pattern.pattern, _json_405(view), pattern.default_args, pattern.name))
    return out


_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", (_api_patterns(_patterns), _app_name, _namespace)),
    # Anything else under /api/v1/ answers in the API's error shape, not an HTML page.
    re_path(r"^.*$", unknown_endpoint),
]

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from raktas.api import inputs
from raktas.api.api import api
from raktas.api.docs import docs_asset
from raktas.api.errors import error_response, is_retryable
from raktas.api.pagination import rows_read
from raktas.api.views import unknown_endpoint
from raktas.audit.services import access_record

View = Callable[..., HttpResponse]
logger = logging.getLogger("raktas.api")


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


def _log_list_read(request: HttpRequest, response: HttpResponse, rows: int | None) -> None:
    """Duty 2.21: an API list read of more than ACCESS_LOG_LIST_ROWS rows is logged."""
    if rows is None or rows <= settings.ACCESS_LOG_LIST_ROWS or response.status_code != 200:
        return
    user = getattr(request, "auth", None)
    access_record(request, what="api.list", rows=rows, user=user)


RETRIES = 3
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _run(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Run a request; a write runs in one transaction, and is run again (up to RETRIES
    times, after a short random pause) when PostgreSQL aborts it as the loser of a
    deadlock or a serialization failure. The one transaction is what makes the retry
    safe: nothing of the lost attempt was committed. Reads are not wrapped."""
    if request.method in _SAFE_METHODS:
        return view(request, *args, **kwargs)
    for attempt in range(1, RETRIES + 1):
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except OperationalError as exc:
            if not is_retryable(exc):
                raise
            if attempt == RETRIES or transaction.get_connection().in_atomic_block:
                logger.warning(
                    "%s %s: gave up after %d tries: %s", request.method, request.path, attempt, exc
                )
                response = error_response(
                    503, "busy", "The database was busy with a conflicting change; try again."
                )
                response["Retry-After"] = "1"
                return response
            logger.info("%s %s: %s; trying again", request.method, request.path, exc)
            time.sleep(random.uniform(0.02, 0.1) * attempt)
    raise AssertionError("unreachable")


def _json_405(view: View) -> View:
    """ninja answers a known path with the wrong method with a bare 405; give it the
    API's error shape (keeping the Allow header). Every API call passes here, so this
    is also where values no endpoint can store are refused (``raktas.api.inputs``),
    bodies over DATA_UPLOAD_MAX_MEMORY_SIZE answer 413, and large list reads reach the
    access log."""

    @csrf_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            inputs.check(request)
        except inputs.Unstorable as exc:
            return error_response(422, "invalid", exc.message, exc.field)
        except RequestDataTooBig:
            return error_response(413, "too_large", "The request body is too large.")
        token = rows_read.set(0)
        try:
            response = _run(view, request, *args, **kwargs)
            _log_list_read(request, response, rows_read.get())
        finally:
            rows_read.reset(token)
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

"""Every error the API returns has one JSON shape:

    {"error": {"code": "not_found", "message": "Client not found.", "field": null}}

``code`` is machine-readable and stable, ``message`` is for people, ``field`` names the
input at fault (a dotted path such as ``lines.0.quantity``) or is null. The domain's
exception hierarchy (``raktas.core.exceptions``) is mapped here once; so are ninja's
own errors (validation, authentication, unparsable bodies) and Django's 404 and 403.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from raktas.core.exceptions import DomainError
from raktas.core.services import first_error

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("raktas.api")

# ninja raises HttpError with a bare status; these give each status its code.
_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
}

# pydantic error types that deserve their own code; every other one is "invalid".
_CODES_BY_PYDANTIC_TYPE = {
    "extra_forbidden": "unknown_field",
    "missing": "required",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    """An error response outside ninja (unknown URL under /api/v1/, docs assets)."""
    return JsonResponse(error_body(code, message, field), status=status)


def _field_from_loc(loc: Sequence[Any]) -> str | None:
    """ninja's location → the client's field path.

    ninja prefixes the source (``body``, ``query``, ``path``) and, for a body, the
    parameter name of the schema; the client never sees either. pydantic adds the
    name of the union member it tried (``literal['oldest','none']``,
    ``list[...]``), which is no field either: field names never contain brackets.
    """
    parts = list(loc)
    if not parts:
        return None
    source, rest = parts[0], parts[1:]
    if source == "body":
        rest = rest[1:]
    names = [str(p) for p in rest if not (isinstance(p, str) and ("[" in p or "(" in p))]
    return ".".join(names) or None


def _most_specific(errors: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Of several errors, the one deepest in the input: for a union (``"oldest"`` or a
    list of allocations) the branch that got furthest says what is actually wrong."""
    return max(enumerate(errors), key=lambda pair: (len(pair[1].get("loc", ())), -pair[0]))[1]


def validation_error_body(errors: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not errors:
        return error_body("invalid", "The request is not valid.")
    error = _most_specific(errors)
    kind = error.get("type", "")
    field = _field_from_loc(error.get("loc", ()))
    code = _CODES_BY_PYDANTIC_TYPE.get(kind, "invalid")
    if kind == "extra_forbidden":
        message = f"{field}: unknown field; this field cannot be set here"
    elif kind == "missing" and field is None:
        message = "The request body is missing."
    else:
        text = error.get("msg", "invalid value")
        message = f"{field}: {text}" if field else text
    return error_body(code, message, field)


# PostgreSQL's SQLSTATEs of a transaction that lost to a concurrent one and may simply
# be run again: deadlock detected, serialization failure.
RETRYABLE_STATES = frozenset({"40P01", "40001"})


def is_retryable(exc: BaseException) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in RETRYABLE_STATES


# PostgreSQL's SQLSTATEs for a value too large for its column or type: numeric value
# out of range, datetime field overflow.
_OUT_OF_RANGE_STATES = frozenset({"22003", "22008"})


def _out_of_range_field(request: HttpRequest) -> str | None:
    """The parameter that made a number or a day overflow: an integer outside 64 bits,
    or a year before 1000 or after 9000, among the path and query parameters."""
    match = getattr(request, "resolver_match", None)
    candidates = list((match.kwargs if match else {}).items())
    candidates += [(k, v) for k, values in request.GET.lists() for v in values]
    for name, value in candidates:
        text = str(value).strip()
        if text.lstrip("+-").isdigit() and abs(int(text)) > 2**63 - 1:
            return str(name)
        looks_like_day = len(text) >= 10 and text[4:5] == "-" and text[:4].isdigit()
        if looks_like_day and not 1000 <= int(text[:4]) <= 9000:
            return str(name)
    return None


def unique_violation_field(exc: IntegrityError) -> str | None:
    """The column a unique constraint refused, if ``exc`` is a unique violation:
    SQLite says ``UNIQUE constraint failed: orders_order.external_id``, PostgreSQL
    (SQLSTATE 23505) ``Key (external_id)=(…) already exists``."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23505":
        detail = getattr(getattr(cause, "diag", None), "message_detail", "") or ""
        if detail.startswith("Key (") and ")=" in detail:
            return detail[5 : detail.index(")=")].split(",")[-1].strip()
        return ""
    text = str(exc)
    if text.startswith("UNIQUE constraint failed:"):
        return text.split(":", 1)[1].split(",")[-1].strip().rsplit(".", 1)[-1]
    return None


def out_of_range_body(request: HttpRequest) -> dict[str, Any]:
    field = _out_of_range_field(request)
    if field:
        return error_body("invalid", f"{field}: the value is out of range", field)
    return error_body("invalid", "A number or a date in the request is out of range.")


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``. ninja looks handlers up along the exception's
    MRO, so the most specific class registered wins."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.field))

    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, 422, validation_error_body(exc.errors))

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = (
            exc.message
            if exc.message != "Unauthorized"
            else "Log in, or send an API token as 'Authorization: Bearer TOKEN'."
        )
        return respond(request, 401, error_body("unauthenticated", message))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _CODES_BY_STATUS.get(exc.status_code, "error")
        if exc.status_code == 403 and "CSRF" in exc.message:
            code = "csrf_failed"
        return respond(request, exc.status_code, error_body(code, exc.message))

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", "Not found."))

    def on_django_permission_denied(
        request: HttpRequest, exc: DjangoPermissionDenied
    ) -> HttpResponse:
        return respond(request, 403, error_body("forbidden", str(exc) or "You may not do this."))

    def on_django_validation_error(
        request: HttpRequest, exc: DjangoValidationError
    ) -> HttpResponse:
        return on_domain_error(request, first_error(exc))

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, error_body("too_large", "The request body is too large."))

    def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # A number or a day beyond what Python's dates or the database hold, from a
        # parameter no schema bounded: the caller's input, not our failure.
        logger.info("Out of range in %s %s: %s", request.method, request.path, exc)
        return respond(request, 422, out_of_range_body(request))

    def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        if getattr(exc.__cause__, "sqlstate", None) in _OUT_OF_RANGE_STATES:
            return on_overflow(request, OverflowError(str(exc)))
        return on_unexpected(request, exc)

    def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # A unique value (an order's or payment's external_id, a SKU) that another row
        # holds — possibly one in another team's book. Answered like any validation
        # error, naming the field and nothing about the other row or whose it is.
        field = unique_violation_field(exc)
        if field is None:
            return on_unexpected(request, exc)
        message = f"{field}: is already in use" if field else "A value is already in use."
        return respond(request, 422, error_body("invalid", message, field or None))

    def on_operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        if is_retryable(exc):
            raise exc  # to raktas.api.urls, which runs the request again
        return on_unexpected(request, exc)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with the traceback for the operator; the client gets the same shape
        # as every other error and no internals.
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return respond(
            request, 500, error_body("server_error", "Something went wrong on our side.")
        )

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, on_domain_error),
        (NinjaValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (HttpError, on_http_error),
        (Http404, on_404),
        (DjangoPermissionDenied, on_django_permission_denied),
        (DjangoValidationError, on_django_validation_error),
        (RequestDataTooBig, on_too_big),
        (OverflowError, on_overflow),
        (DataError, on_data_error),
        (IntegrityError, on_integrity_error),
        (OperationalError, on_operational_error),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


@contextmanager
def renamed_fields(**names: str) -> Iterator[None]:
    """Report a domain error on the field name the client sent.

    Services speak in model fields (``owner``, ``client``); the API's input names
    references with ``_id`` (``owner_id``, ``client_id``). ``renamed_fields(owner="owner_id")``
    rewrites ``field`` — and the ``"owner: "`` prefix of the message — on the way out.
    """
    try:
        yield
    except DomainError as exc:
        new = names.get(exc.field or "")
        if new is not None:
            old = exc.field
            exc.field = new
            if exc.message.startswith(f"{old}:"):
                exc.message = new + exc.message[len(old or "") :]
        raise


@contextmanager
def blame(field: str) -> Iterator[None]:
    """Name ``field`` on a domain error that names none — e.g. a 404 for an id the
    client sent in the body (``client_id``), so the client knows which id is wrong."""
    try:
        yield
    except DomainError as exc:
        if exc.field is None:
            exc.field = field
        raise

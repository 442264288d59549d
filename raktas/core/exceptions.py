"""One exception hierarchy for every domain rule.

Services raise these; the API maps them once to JSON errors (``raktas.api``) and the
pages map them once to messages. ``code`` is machine-readable and stable; ``field``
names the input at fault when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    """A request the domain refuses. Maps to HTTP 400/409/422 by subclass.

    ``after_rollback``: work that must be done *because* of the refusal and survive
    its rollback (credit control records an override request for a refused order).
    The service that lets the error out runs it in a transaction of its own once its
    own transaction has rolled back (``raktas.core.services.refusals_recorded``)."""

    status = 422
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.after_rollback: list[Callable[[], Any]] = []

    def user_message(self) -> str | None:
        """The refusal for a person, in the active language, or None to let the page
        choose by code and field (``raktas.core.errors.message_for``). Subclasses
        that carry figures (a credit refusal) override it."""
        return None


class ValidationFailed(DomainError):
    """Input is malformed or out of range."""

    status = 422
    code = "invalid"


class IllegalTransition(DomainError):
    """A state machine refuses a move (e.g. shipping a draft order)."""

    status = 409
    code = "illegal_transition"


class Conflict(DomainError):
    """The request clashes with existing data (duplicate number, over-allocation)."""

    status = 409
    code = "conflict"


class NotFound(DomainError):
    """The object does not exist *or the user may not see it* — the two are never told apart."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)


class PermissionDenied(DomainError):
    """The user may see the object but not do this to it."""

    status = 403
    code = "forbidden"

    def __init__(self, message: str = "You may not do this.", **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)

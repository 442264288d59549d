"""Who is calling: a personal API token, or the browser's Django session.

The user found here is the only "who is asking" the endpoints ever use
(``request.auth``); nothing in a request body or query names the actor.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from raktas.org.models import ApiToken, User


class BearerToken(HttpBearer):
    """``Authorization: Bearer rk_…`` — a token made by ``raktas token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip())
        if user is None:
            # A token was sent and it is wrong: say so, rather than fall through to
            # the session and answer as whoever happens to be logged in.
            raise AuthenticationError(message="The API token is invalid or revoked.")
        # Code that reads request.user (logging, middleware) sees the same person.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with Django's CSRF check on unsafe methods.

    ninja's stock session auth runs the CSRF check before it looks at the user, so
    an anonymous POST is answered "CSRF failed" (403). Here the anonymous caller
    gets 401 like on every other method, and the CSRF check applies to logged-in
    sessions — the only ones a forged request could ride on.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def current_user(request: HttpRequest) -> User:
    """The authenticated user of this request (set by one of the auth classes above)."""
    user: User = request.auth  # type: ignore[attr-defined]
    return user

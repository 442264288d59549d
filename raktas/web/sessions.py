"""The idle session timeout, kept without writing the session on every request.

``SESSION_COOKIE_AGE`` is an idle timeout: a signed-in session lives that long after
the user's last request. Django's ``SESSION_SAVE_EVERY_REQUEST`` would keep it so by
rewriting the session row (and committing — an fsync on SQLite) on every request,
6–16 ms per page on a busy machine. This middleware re-saves a signed-in session only
when its last save is older than ``SESSION_TOUCH_INTERVAL`` (a minute, or a tenth of
the timeout when that is shorter): the expiry then moves forward at most that much
later than it would have, and a page view costs no write at all in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

TOUCHED_KEY = "_raktas_touched"


class IdleSessionMiddleware:
    """After ``SessionMiddleware``; marks a stale signed-in session modified so that
    ``SessionMiddleware`` saves it, with a fresh expiry, on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            if now - int(session.get(TOUCHED_KEY, 0)) >= settings.SESSION_TOUCH_INTERVAL:
                session[TOUCHED_KEY] = now
        return self.get_response(request)

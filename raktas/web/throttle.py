"""Throttle password guessing: after too many failed sign-ins for one username from
one address (or too many from one address in all) sign-in is refused for a while,
even with the right password, so a guesser learns nothing during the lockout."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from raktas.web.models import FailedLogin


def max_failures() -> int:
    return int(getattr(settings, "LOGIN_MAX_FAILURES", 5))


def max_failures_per_ip() -> int:
    return int(getattr(settings, "LOGIN_MAX_FAILURES_PER_IP", 50))


def lockout() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "LOGIN_LOCKOUT_MINUTES", 15)))


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy
    # rewrites it, and trusting it would let a guesser pick a fresh address per try.
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:45]


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:150]


def is_locked(username: str, ip: str) -> bool:
    since = timezone.now() - lockout()
    recent = FailedLogin.objects.filter(at__gte=since)
    if recent.filter(username=_norm(username), ip=ip).count() >= max_failures():
        return True
    return recent.filter(ip=ip).count() >= max_failures_per_ip()


def note_failure(username: str, ip: str) -> None:
    now = timezone.now()
    FailedLogin.objects.filter(at__lt=now - lockout()).delete()
    FailedLogin.objects.create(username=_norm(username), ip=ip, at=now)


def note_success(username: str, ip: str) -> None:
    FailedLogin.objects.filter(username=_norm(username), ip=ip).delete()

"""Throttle password guessing, without handing an attacker a way to lock anyone out.

Three counters, each a row of ``LoginThrottle``:

* **address + username** — ``LOGIN_MAX_FAILURES`` failures lock this pair for
  ``LOGIN_LOCKOUT_MINUTES``: one guesser on one account. The real user, from any other
  address, is not affected.
* **address** — ``LOGIN_MAX_FAILURES_PER_IP`` failures lock the address: one guesser
  trying many accounts. Behind a proxy this is only right with
  ``TRUSTED_PROXY_HEADER`` set (``raktas.core.net.client_ip``); otherwise every user
  shares the proxy's address.
* **username** — from any address. Past ``LOGIN_MAX_FAILURES`` failures each further
  try must wait longer (1, 2, 4 … seconds, at most ``LOGIN_BACKOFF_MAX_SECONDS``): a
  growing delay, not a lock, so guessing from many addresses slows to a trickle
  (at most one guess per ``LOGIN_BACKOFF_MAX_SECONDS``) while the real user still
  gets in after a short wait.

A try is *claimed* before the password is checked: the counters are locked, checked
and incremented in one transaction, and only then is the (slow) password hash run.
So parallel tries cannot all read "4 failures so far" and all go on to check: 30
tries at once make at most ``LOGIN_MAX_FAILURES`` checks. A right password gives the
claim back (``succeeded``). While refused, the password is not checked at all, so a
refusal tells a guesser nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from raktas.web.models import LoginThrottle


def max_failures() -> int:
    return settings.LOGIN_MAX_FAILURES


def max_failures_per_ip() -> int:
    return settings.LOGIN_MAX_FAILURES_PER_IP


def lockout() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def backoff_max() -> int:
    return settings.LOGIN_BACKOFF_MAX_SECONDS


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _keys(username: str, ip: str) -> tuple[str, str, str]:
    name, addr = _norm(username), (ip or "unknown")[:45]
    return f"p:{addr}|{name}", f"a:{addr}", f"u:{name}"


@dataclass(frozen=True)
class Refused:
    """Why a try was refused and for how long (whole seconds, at least 1)."""

    seconds: int
    account: bool  # the username's growing delay, rather than a lock of this address

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def _until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def claim(username: str, ip: str) -> Refused | None:
    """Reserve one password check for ``username`` from ``ip``, or say why not.

    The reservation counts as a failure until ``succeeded`` gives it back.
    """
    pair_key, addr_key, user_key = _keys(username, ip)
    keys = sorted((pair_key, addr_key, user_key))
    now = timezone.now()
    stale = now - lockout()
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key=key, last_at=now) for key in keys], ignore_conflicts=True
    )
    with transaction.atomic():
        # Rows locked in key order (PostgreSQL); SQLite's BEGIN IMMEDIATE already
        # serialises writers. Either way no two claims read the same counts.
        rows = {
            row.key: row
            for row in LoginThrottle.objects.select_for_update()
            .filter(key__in=keys)
            .order_by("key")
        }
        for row in rows.values():
            if row.last_at < stale:
                row.failures, row.next_at = 0, None
        pair, addr, account = rows[pair_key], rows[addr_key], rows[user_key]
        if pair.failures >= max_failures():
            return Refused(_until(pair.last_at + lockout(), now), account=False)
        if addr.failures >= max_failures_per_ip():
            return Refused(_until(addr.last_at + lockout(), now), account=False)
        if account.next_at is not None and account.next_at > now:
            return Refused(_until(account.next_at, now), account=True)
        for row in rows.values():
            row.failures += 1
            row.last_at = now
        over = account.failures - max_failures()
        if over >= 0:
            account.next_at = now + dt.timedelta(seconds=min(2**over, backoff_max()))
        LoginThrottle.objects.bulk_update(rows.values(), ["failures", "last_at", "next_at"])
    # Forget counters nobody has touched for a whole window (cheap: indexed).
    LoginThrottle.objects.filter(last_at__lt=stale).delete()
    return None


def succeeded(username: str, ip: str) -> None:
    """The claimed check found the right password: forget this pair's and this
    account's failures, and give the address back the try it reserved."""
    pair_key, addr_key, user_key = _keys(username, ip)
    with transaction.atomic():
        LoginThrottle.objects.filter(key__in=(pair_key, user_key)).delete()
        row = LoginThrottle.objects.select_for_update().filter(key=addr_key).first()
        if row is not None and row.failures > 0:
            row.failures -= 1
            row.save(update_fields=["failures"])

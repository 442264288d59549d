"""The workbench keeps one table of its own: sign-in throttling counters."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LoginThrottle(models.Model):
    """A count of failed (or in-flight) password checks for one key: an address and a
    username, an address, or a username (``raktas.web.throttle``). Kept in the
    database, not a per-process cache, so the limits hold across every server
    process; rows untouched for a whole window are pruned."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The username's growing delay: no password check for it before this moment.
    next_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"

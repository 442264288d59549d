"""The workbench keeps one table of its own: failed sign-ins, for throttling."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FailedLogin(models.Model):
    """One failed sign-in. Kept in the database, not a per-process cache, so the
    limit holds across every server process; rows older than the window are pruned."""

    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=45)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "ip", "at"]),
            models.Index(fields=["ip", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"

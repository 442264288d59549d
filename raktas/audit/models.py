"""An append-only audit log.

Rows are only ever inserted by ``raktas.audit.services.record``. Database triggers
(``raktas.audit.guards``) refuse UPDATE, DELETE and TRUNCATE (and on SQLite an
``INSERT OR REPLACE`` over an existing entry), so not even a mistaken ORM call or a
shell session can rewrite history; the API offers no write. Each entry is chained to
the one before by hash (``raktas.audit.chain``), so an edit made with the triggers
dropped is found by ``raktas audit verify``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Kept as plain values, not a foreign key: a log line must outlive any row it names.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    entity = models.CharField(max_length=60)
    entity_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    # SHA-256 of the entry before (by id) and of this one (raktas.audit.chain).
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "entity_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.entity}#{self.entity_id}"


class AccessEntry(models.Model):
    """One read of many rows at once (duty 2.21): an export, a statement, a PDF, or an
    API list read of more than ``ACCESS_LOG_LIST_ROWS`` rows. Append-only like the
    audit log (the same triggers, ``raktas.audit.guards``); written by
    ``raktas.audit.services.access_record``; read by the commercial director."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    # A code: clients.export, aging.xlsx, statement.pdf, segments.xlsx, letter.pdf,
    # api.list … (raktas.audit.services.ACCESS_CODES)
    what = models.CharField(max_length=40)
    path = models.CharField(max_length=255, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user_id", "at"]), models.Index(fields=["what", "at"])]
        verbose_name_plural = "access entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.what} {self.rows}"


class AccessAlert(models.Model):
    """A user read far more rows today than on their usual day (the rule is in
    ``raktas.audit.services.unusual_reads``). At most one per user and day; shown to
    the director on the access-log page and the API, and written to the log."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    day = models.DateField()
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    rows_today = models.PositiveIntegerField()
    usual = models.DecimalField(max_digits=14, decimal_places=1)
    entry = models.ForeignKey(AccessEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "day"], name="audit_one_alert_per_user_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.username}: {self.rows_today} rows (usual {self.usual})"

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

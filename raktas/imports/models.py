"""A record of every import run, kept whether the run committed or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMMITTED = "committed", "Committed"
    ROLLED_BACK = "rolled_back", "Rolled back (bad rows, nothing imported)"
    DRY_RUN = "dry_run", "Dry run (nothing written)"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One ``raktas import KIND FILE``.

    Written outside the import's own transaction, so a run that rolled back still
    leaves its trace: who tried to load which file (by checksum) and why it failed.
    The audit entry for the rows a run created names this row's id.
    """

    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_runs"
    )
    dry_run = models.BooleanField(default=False)
    skip_bad = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    # The first few errors only; the count above is complete.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.kind} {self.file_name} ({self.status})"


class SeenKey(models.Model):
    """Keys of the orders / invoices a running import has already written.

    Lines of one order must be consecutive in the file. Remembering every order
    key in Python would make memory grow with the file, so the keys go to this
    table (one row per order, not per line) inside the import's transaction and
    are deleted before it commits.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="uniq_seen_key")]

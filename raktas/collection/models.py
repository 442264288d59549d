"""Collection: dunning levels and what the daily run did, call tasks, formal letters,
and promises to pay."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.messages import render
from raktas.core.money import MoneyField


class DunningAction(models.TextChoices):
    REMINDER_EMAIL = "reminder_email", _("Reminder e-mail")
    CALL_TASK = "call_task", _("Call task for the KAM")
    FORMAL_LETTER = "formal_letter_pdf", _("Formal letter (PDF)")
    STOP_SHIPMENTS = "stop_shipments", _("Stop shipments")
    LEGAL_HANDOVER = "legal_handover", _("Hand over to legal")


class DunningLevel(models.Model):
    """One rung of the dunning ladder: from ``days_overdue`` days past due, do ``action``.

    Templates may use the placeholders {client}, {invoices}, {total}, {currency},
    {days}, {kam} and {today}; anything else in braces is left as written.
    """

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    name = models.CharField(_("name"), max_length=80)
    days_overdue = models.PositiveSmallIntegerField(_("days overdue from"))
    action = models.CharField(_("action"), max_length=20, choices=DunningAction.choices)
    subject_en = models.CharField(_("subject (EN)"), max_length=200, blank=True)
    subject_lt = models.CharField(_("subject (LT)"), max_length=200, blank=True)
    template_en = models.TextField(_("text (EN)"), blank=True)
    template_lt = models.TextField(_("text (LT)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["days_overdue"], name="uniq_dunning_days"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name} ({self.days_overdue}+ days)"


class DunningStep(models.Model):
    """One invoice reached one level on one run. Unique per (invoice, level): the run
    is idempotent, and re-running a day never sends a second letter."""

    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(DunningLevel, on_delete=models.PROTECT, related_name="steps")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    run_on = models.DateField()
    days_overdue = models.PositiveIntegerField()
    open_amount = MoneyField()
    # What happened: "sent", "no_recipient", "task", "letter", "hold", "legal".
    outcome = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-run_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="uniq_dunning_step"),
        ]
        indexes = [models.Index(fields=["client", "-run_on"])]


class TaskKind(models.TextChoices):
    DUNNING_CALL = "dunning_call", _("Call about overdue invoices")
    BROKEN_PROMISE = "broken_promise", _("Broken promise to pay")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CollectionTask(models.Model):
    """Something a KAM must do about a client's debt: call about overdue invoices, or
    follow up a broken promise. Shown on the KAM's Today page."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="collection_tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collection_tasks"
    )
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    title = models.CharField(max_length=200)  # in English; see display_title
    # The title's message (an English template) and parameters, rendered in the
    # reader's language (raktas.core.messages). Empty for tasks written before.
    title_message = models.CharField(max_length=200, blank=True)
    title_params = models.JSONField(default=dict, blank=True)
    detail = models.TextField(blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(blank=True)
    promise = models.ForeignKey(
        "collection.PromiseToPay",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assigned_to", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language."""
        return render(self.title_message, self.title_params) if self.title_message else self.title


class DunningLetter(models.Model):
    """A formal demand letter as the PDF that was produced (kept as sent)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(DunningLevel, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=2)
    total = MoneyField()
    currency = models.CharField(max_length=3, default="EUR")
    pdf = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def filename(self) -> str:
        return f"demand-{self.client_id}-{self.created_at:%Y%m%d}-{self.pk}.pdf"


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class PromiseToPay(models.Model):
    """The client said they would pay ``amount`` by ``promised_on``.

    Kept when payments received from ``made_on`` through ``promised_on`` add up to
    the amount; broken when ``promised_on`` has passed and they do not.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="promises")
    made_on = models.DateField(default=timezone.localdate)
    promised_on = models.DateField(_("promised payment date"))
    amount = MoneyField()
    note = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-promised_on", "-id"]
        indexes = [
            models.Index(fields=["status", "promised_on"]),
            models.Index(fields=["client", "-promised_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(promised_on__gte=models.F("made_on")), name="promise_after_made"
            ),
        ]


class TimelineKind(models.TextChoices):
    """What collection writes on a client's timeline (``raktas.clients.timeline``)."""

    REMINDER = "reminder", _("Reminder e-mail")
    CALL_TASK = "call_task", _("Call task")
    LETTER = "letter", _("Formal letter")
    PROMISE = "promise", _("Promise to pay")
    PROMISE_KEPT = "promise_kept", _("Promise kept")
    PROMISE_BROKEN = "promise_broken", _("Promise broken")
    TASK_DONE = "task_done", _("Collection task done")

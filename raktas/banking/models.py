"""Bank statements imported from ISO 20022 camt files and their credit entries.

A ``BankEntry`` is one incoming payment as the bank reported it. Matched entries point
at the ledger ``Payment`` they created; unmatched ones wait in the finance queue with
suggestions until finance resolves (assigns to a client and invoices) or ignores them.
``key`` is the idempotency key: importing the same statement again, or the evening
camt.053 after the day's camt.054 notifications, never makes a second payment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.money import MoneyField


class BankStatement(models.Model):
    """One imported camt message (a statement or a notification): the import log."""

    kind = models.CharField(max_length=8)  # "camt.053" or "camt.054"
    version = models.CharField(max_length=16)  # e.g. "001.08"
    message_id = models.CharField(max_length=64, blank=True)
    statement_id = models.CharField(max_length=64, blank=True)
    account_iban = models.CharField(max_length=34, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    entries = models.PositiveIntegerField(default=0)  # credit entries read from the file
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # debits, pending entries
    reversals = models.PositiveIntegerField(default=0)  # reversed credits read

    class Meta:
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["file_sha256"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.statement_id or self.message_id}"


class BankEntryStatus(models.TextChoices):
    MATCHED = "matched", _("Matched automatically")
    UNMATCHED = "unmatched", _("Waiting for finance")
    RESOLVED = "resolved", _("Assigned by finance")
    IGNORED = "ignored", _("Ignored (not a client payment)")


class MatchRule(models.TextChoices):
    REFERENCE = "reference", _("Structured creditor reference")
    INVOICE_NUMBER = "invoice_number", _("Invoice number in the payment details")
    AMOUNT = "amount", _("Amount of the only open invoice of the payer")
    MANUAL = "manual", _("Assigned by finance")
    # How a reversal found the credit it undoes (same account, currency and amount):
    BANK_REFERENCE = "bank_reference", _("Bank reference of the original credit")
    END_TO_END = "end_to_end", _("End-to-end id of the original credit")
    REMITTANCE = "remittance", _("Same payer and payment details as the original credit")


class BankEntry(models.Model):
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="items")
    key = models.CharField(max_length=64, unique=True)  # sha256 of the idempotency parts
    key_source = models.CharField(max_length=255)  # the parts, readable
    account_iban = models.CharField(max_length=34, blank=True)
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    debtor_name = models.CharField(max_length=140, blank=True)
    debtor_iban = models.CharField(max_length=34, blank=True)
    debtor_id = models.CharField(max_length=35, blank=True)  # registration code, if sent
    reference = models.CharField(max_length=35, blank=True)  # structured creditor reference
    remittance = models.TextField(blank=True)  # unstructured remittance text
    end_to_end_id = models.CharField(max_length=35, blank=True)
    acct_svcr_ref = models.CharField(max_length=35, blank=True)
    status = models.CharField(
        max_length=10, choices=BankEntryStatus.choices, default=BankEntryStatus.UNMATCHED
    )
    match_rule = models.CharField(max_length=16, choices=MatchRule.choices, blank=True)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment = models.OneToOneField(
        "ledger.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="bank_entry"
    )
    suggestions = models.JSONField(default=list, blank=True)
    # A booked debit with RvslInd=true: the bank took back an earlier credit. It points
    # at that credit (``reverses``) once found; its payment is reversed in the ledger.
    is_reversal = models.BooleanField(default=False)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    return_reason = models.CharField(max_length=140, blank=True)
    note = models.CharField(max_length=255, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-booking_date", "-id"]
        verbose_name_plural = "bank entries"
        indexes = [
            models.Index(fields=["status", "booking_date"]),
            models.Index(fields=["debtor_iban"]),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency} {self.debtor_name}"

"""Clients, their contacts, and segments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from raktas.core.messages import render
from raktas.core.money import MoneyField
from raktas.core.search import client_search_text, contact_search_text


class Segment(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed")
    BLOCKED = "blocked", _("Blocked")


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    DEVELOP = "develop", _("Develop")
    MAINTAIN = "maintain", _("Maintain")


class Client(models.Model):
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    registration_code = models.CharField(_("registration code"), max_length=32, blank=True)
    vat_code = models.CharField(_("VAT code"), max_length=32, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="clients"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("owner KAM"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.MAINTAIN)
    price_column = models.ForeignKey(
        "catalog.PriceColumn",
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("price-list column"),
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    credit_limit = MoneyField(_("credit limit"), default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    city = models.CharField(_("city"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, default="LT")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Legal name and city folded for search (raktas.core.search): kept by save(), the
    # importer and the seed; never edited by hand.
    search_text = models.TextField(default="", blank=True, editable=False)

    class Meta:
        ordering = ["legal_name", "id"]
        indexes = [
            models.Index(fields=["owner", "legal_name"]),
            models.Index(fields=["legal_name", "id"]),
            models.Index(fields=["registration_code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="credit_limit_non_negative"
            ),
            models.UniqueConstraint(
                fields=["registration_code"],
                condition=~Q(registration_code=""),
                name="uniq_registration_code",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = client_search_text(self.legal_name, self.city)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"legal_name", "city"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    BUYER = "buyer", _("Buyer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    FINANCE = "finance", _("Finance / payments")


class Contact(models.Model):
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=120, blank=True)
    buying_role = models.CharField(
        _("role in the buying decision"),
        max_length=20,
        choices=BuyingRole.choices,
        default=BuyingRole.BUYER,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # name, position, email and phone folded (raktas.core.search), kept by save().
    search_text = models.TextField(default="", blank=True, editable=False)

    class Meta:
        ordering = ["client", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = contact_search_text(self.name, self.position, self.email, self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "position", "email", "phone"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


# The kinds of timeline event and their labels, registered by the apps that write
# them (``raktas.clients.timeline.register_kinds``).
TIMELINE_KINDS: dict[str, Any] = {}


class TimelineEvent(models.Model):
    """One line of the client's history, written by any context (credit control,
    collection, …) through ``raktas.clients.timeline.timeline_add``. Visible to whoever
    sees the client's account (``raktas.org.access.sees_account``)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    # What kind of event: a code registered by the app that writes it, with its label
    # (``raktas.clients.timeline.register_kinds``).
    kind = models.CharField(max_length=24)
    text = models.TextField()  # in English; see display_text
    # The message (an English template) and its parameters, rendered in the reader's
    # language (raktas.core.messages). Empty for events written before messages were kept.
    message = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # A path inside the app (e.g. "/api/v1/credit/overrides/12"); empty when none.
    link = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="clients_timeline_client_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind}: {self.text[:40]}"

    @property
    def display_text(self) -> str:
        """The event in the active language."""
        return render(self.message, self.params) if self.message else self.text

    @property
    def kind_label(self) -> str:
        """The kind's label in the active language (the code if nobody registered it)."""
        return str(TIMELINE_KINDS.get(self.kind, self.kind))

"""People, roles, sales teams, deputy delegations and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    KAM = "kam", _("Key account manager")
    ORDER_DESK = "order_desk", _("Order desk")
    HEAD_OF_SALES = "head_of_sales", _("Head of sales")
    DIRECTOR = "director", _("Commercial director")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


BUSINESS_ROLES = frozenset(
    {Role.KAM, Role.ORDER_DESK, Role.HEAD_OF_SALES, Role.DIRECTOR, Role.FINANCE}
)


class Team(models.Model):
    """A sales department: its head and the KAMs whose ``team`` points here."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    head = models.ForeignKey(
        "org.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headed_teams",
        verbose_name=_("head of sales"),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    # Finance sees balances but not margins unless this is granted (DESIGN: roles).
    margin_access = models.BooleanField(_("may see cost and margin"), default=False)

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def forget_cached_access(self) -> None:
        """Drop the per-object caches after roles, teams or delegations change."""
        for attr in ("roles", "_raktas_scope"):
            self.__dict__.pop(attr, None)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_role_grant")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"


class Delegation(models.Model):
    """For a date range a KAM's clients and rights pass to a deputy (job description 1.4).

    It ends by itself: visibility checks compare the dates with today, so no job has
    to run for an expired delegation to stop working. ``revoked_at`` ends it early.
    """

    kam = models.ForeignKey(User, on_delete=models.PROTECT, related_name="delegations_given")
    deputy = models.ForeignKey(User, on_delete=models.PROTECT, related_name="delegations_held")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(kam=models.F("deputy")), name="delegation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["deputy", "starts_on", "ends_on"])]

    def is_active_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored.

    A token is 256 random bits, so a fast digest is enough: there is nothing to
    brute-force, unlike a password, and a per-request key-stretching hash would cost
    every API call tens of milliseconds.
    """

    PREFIX = "rk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_prefix=raw[:10], digest=_digest(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = (
            cls.objects.select_related("user")
            .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        # Write at most once a minute per token: the API should not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

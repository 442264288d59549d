"""``raktas token``: personal API tokens.

  raktas token create USERNAME [--name NAME]   prints the new token, once
  raktas token revoke PREFIX                   PREFIX as shown by ``list`` (or the whole token)
  raktas token list USERNAME

Only a digest of a token is stored (``raktas.org.models.ApiToken``), so the token
printed by ``create`` cannot be shown again: lose it and make a new one. ``create``
writes the token alone on standard output and the advice on standard error, so
``TOKEN=$(raktas token create kam1)`` works in a script.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from raktas.core.exceptions import DomainError
from raktas.org.models import ApiToken, User, _digest
from raktas.org.services import token_create, token_revoke


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username!r}") from None


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, revoke and list personal API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'laptop'")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix")
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="List a user's tokens (never the tokens themselves)")
        listing.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        if not user.is_active:
            raise CommandError(f"{user.username} is deactivated; a token would not work")
        name = opts["name"].strip()
        if len(name) > 100:  # ApiToken.name
            raise CommandError("--name is too long (at most 100 characters)")
        token, raw = token_create(user=user, name=name)
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.key_prefix}… for {user.username}"
            f"{f' ({name})' if name else ''} created. It is shown only this once: store it now.\n"
            f"Use it as the header  Authorization: Bearer <token>"
        )

    def _revoke(self, opts: dict[str, Any]) -> None:
        prefix = opts["prefix"].strip().rstrip("…")
        if len(prefix) < 4:
            raise CommandError("give at least 4 characters of the token's prefix")
        active = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True)
        # The whole token works too: it is matched by its digest.
        matches = list(active.filter(digest=_digest(prefix))) or list(
            # ApiToken.issue keeps the token's first 10 characters as its prefix.
            active.filter(key_prefix__startswith=prefix[:10])
        )
        if not matches:
            raise CommandError(f"no active token starts with {prefix!r}")
        if len(matches) > 1:
            owners = ", ".join(f"{t.key_prefix} ({t.user.username})" for t in matches)
            raise CommandError(f"{prefix!r} matches {len(matches)} tokens: {owners}; give more")
        token = matches[0]
        token_revoke(token=token)
        self.stdout.write(f"revoked {token.key_prefix}… of {token.user.username}")

    def _list(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        tokens = user.api_tokens.order_by("-created_at", "-id")
        if not tokens:
            self.stdout.write(f"{user.username} has no API tokens")
            return
        self.stdout.write(f"{'PREFIX':<12} {'NAME':<20} {'CREATED':<16} {'LAST USED':<16} STATE")
        for token in tokens:
            state = f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.key_prefix:<12} {token.name[:20]:<20} {_when(token.created_at):<16} "
                f"{_when(token.last_used_at):<16} {state}"
            )

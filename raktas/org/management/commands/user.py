"""``raktas user``: the administrator's command line for people, roles and teams.

  raktas user create USERNAME --role kam [--role …] [--team NAME] [--email E]
  raktas user grant USERNAME ROLE | revoke USERNAME ROLE
  raktas user team USERNAME TEAM   (an empty TEAM removes the user from their team)
  raktas user head TEAM USERNAME   (make USERNAME head of TEAM, creating the team)
  raktas user deactivate USERNAME | list

The password is asked for interactively, or read from RAKTAS_NEW_PASSWORD, never from
the command line (it would land in shell history). Every change is audited with the
command line as the actor ("system").
"""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from raktas.audit.services import record
from raktas.core.exceptions import DomainError
from raktas.org.models import Role, Team, User
from raktas.org.services import role_grant, role_revoke, team_set_member, user_create


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username!r}") from None


class Command(BaseCommand):
    help = "Manage users, roles and teams (administrator)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--role", action="append", choices=Role.values, default=[])
        create.add_argument("--team")
        create.add_argument("--email", default="")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        for name in ("grant", "revoke"):
            p = sub.add_parser(name)
            p.add_argument("username")
            p.add_argument("role", choices=Role.values)
        team = sub.add_parser("team")
        team.add_argument("username")
        team.add_argument("team")
        head = sub.add_parser("head")
        head.add_argument("team")
        head.add_argument("username")
        deactivate = sub.add_parser("deactivate")
        deactivate.add_argument("username")
        sub.add_parser("list")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _password(self) -> str:
        password = os.environ.get("RAKTAS_NEW_PASSWORD")
        if password:
            return password
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        return first

    def _create(self, opts: dict[str, Any]) -> None:
        team = Team.objects.get_or_create(name=opts["team"])[0] if opts["team"] else None
        user = user_create(
            by=None,
            username=opts["username"],
            password=self._password(),
            email=opts["email"],
            first_name=opts["first_name"],
            last_name=opts["last_name"],
            team=team,
            roles=tuple(opts["role"]),
        )
        self.stdout.write(f"created {user.username} ({', '.join(sorted(user.roles)) or 'no role'})")

    def _grant(self, opts: dict[str, Any]) -> None:
        role_grant(by=None, user=_user(opts["username"]), role=opts["role"])
        self.stdout.write(f"granted {opts['role']} to {opts['username']}")

    def _revoke(self, opts: dict[str, Any]) -> None:
        role_revoke(by=None, user=_user(opts["username"]), role=opts["role"])
        self.stdout.write(f"revoked {opts['role']} from {opts['username']}")

    def _team(self, opts: dict[str, Any]) -> None:
        team = Team.objects.get_or_create(name=opts["team"])[0] if opts["team"] else None
        team_set_member(by=None, user=_user(opts["username"]), team=team)
        self.stdout.write(f"{opts['username']} is now in {team or 'no team'}")

    @transaction.atomic
    def _head(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        team, _ = Team.objects.get_or_create(name=opts["team"])
        before = team.head_id
        team.head = user
        team.save(update_fields=["head"])
        record(
            actor=None, action="update", obj=team, before={"head": before}, after={"head": user.pk}
        )
        self.stdout.write(f"{user.username} heads {team.name}")

    @transaction.atomic
    def _deactivate(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        user.is_active = False
        user.save(update_fields=["is_active"])
        user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(
            actor=None,
            action="deactivate",
            obj=user,
            before={"is_active": True},
            after={"is_active": False},
        )
        self.stdout.write(f"deactivated {user.username}; their API tokens are revoked")

    def _list(self, opts: dict[str, Any]) -> None:
        for user in (
            User.objects.select_related("team").prefetch_related("role_grants").order_by("username")
        ):
            roles = ",".join(sorted(g.role for g in user.role_grants.all())) or "-"
            state = "" if user.is_active else " (inactive)"
            self.stdout.write(f"{user.username:<16} {roles:<30} {user.team or '-'}{state}")

"""The demo cast: two sales teams, their heads and KAMs, the order desk, finance, the
commercial director and the administrator. ``raktas seed`` hangs its clients on them;
``raktas demo`` gives them passwords."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from raktas.audit.services import record
from raktas.org.models import Delegation, Role, Team, User
from raktas.org.services import delegation_create, role_grant, team_set_member, user_create

TEAMS = (("Vilniaus skyrius", "head1"), ("Kauno skyrius", "head2"))


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str
    team: int | None  # 1 or 2
    title: str


PEOPLE: tuple[Person, ...] = (
    Person("director", "Rūta", "Kazlauskienė", Role.DIRECTOR, None, "commercial director"),
    Person("head1", "Tomas", "Petrauskas", Role.HEAD_OF_SALES, 1, "head of sales, team 1"),
    Person("head2", "Aistė", "Jankauskienė", Role.HEAD_OF_SALES, 2, "head of sales, team 2"),
    Person("kam1", "Mantas", "Stankevičius", Role.KAM, 1, "KAM, team 1"),
    Person("kam2", "Eglė", "Vasiliauskaitė", Role.KAM, 1, "KAM, team 1"),
    Person("kam3", "Darius", "Žukauskas", Role.KAM, 1, "KAM, team 1"),
    Person("kam4", "Ieva", "Butkutė", Role.KAM, 2, "KAM, team 2"),
    Person("kam5", "Lukas", "Paulauskas", Role.KAM, 2, "KAM, team 2"),
    Person("kam6", "Gabija", "Urbonaitė", Role.KAM, 2, "KAM, team 2"),
    Person("desk1", "Inga", "Navickienė", Role.ORDER_DESK, None, "order desk"),
    Person("finance1", "Vytautas", "Rimkus", Role.FINANCE, None, "finance"),
    Person("admin", "Sistemos", "Administratorius", Role.ADMIN, None, "administrator"),
)


@transaction.atomic
def ensure_people() -> dict[str, User]:
    """Create the teams and the demo users that are missing; give each its role and team.

    Idempotent: existing users keep their passwords; only what is missing is added
    (through the org services, so it is audited as the system).
    """
    teams: list[Team] = []
    for name, _head in TEAMS:
        team, created = Team.objects.get_or_create(name=name)
        if created:
            record(actor=None, action="create", obj=team, after={"name": name})
        teams.append(team)
    users: dict[str, User] = {}
    for person in PEOPLE:
        home: Team | None = teams[person.team - 1] if person.team else None
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = user_create(
                by=None,
                username=person.username,
                password=None,
                email=f"{person.username}@demo.raktas.example",
                first_name=person.first_name,
                last_name=person.last_name,
                team=home,
                roles=(person.role,),
            )
        else:
            role_grant(by=None, user=user, role=person.role)
            if home is not None and user.team_id != home.pk:
                team_set_member(by=None, user=user, team=home)
        users[person.username] = user
    for team, (_name, head) in zip(teams, TEAMS, strict=True):
        if team.head_id != users[head].pk:
            before = team.head_id
            team.head = users[head]
            team.save(update_fields=["head"])
            record(
                actor=None,
                action="update",
                obj=team,
                before={"head": before},
                after={"head": team.head_id},
            )
    return users


def ensure_delegation(users: dict[str, User]) -> None:
    """kam2 is on holiday this week and kam1 deputises: the demo shows delegation at work."""
    today = timezone.localdate()
    starts, ends = today - dt.timedelta(days=3), today + dt.timedelta(days=4)
    kam, deputy = users["kam2"], users["kam1"]
    exists = Delegation.objects.filter(
        kam=kam, deputy=deputy, starts_on__lte=today, ends_on__gte=today, revoked_at__isnull=True
    ).exists()
    if not exists:
        delegation_create(
            by=users["head1"],
            kam=kam,
            deputy=deputy,
            starts_on=starts,
            ends_on=ends,
            note="Atostogos",
        )


# --- demo passwords ---------------------------------------------------------------------


def load_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        username, _role, password = [*line.split("\t"), "", ""][:3]
        if username and password:
            out[username] = password
    return out


def save_passwords(path: Path, passwords: dict[str, str]) -> None:
    """Write the logins readable by the owner only (mode 600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# Raktas demo logins: username<TAB>role<TAB>password\n")
        for person in PEOPLE:
            fh.write(f"{person.username}\t{person.title}\t{passwords[person.username]}\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@transaction.atomic
def set_demo_passwords(users: dict[str, User], path: Path) -> dict[str, str]:
    """Give every demo user the password kept in ``path``; make one for those without.

    Passwords are random on the first run and stay the same after, so a browser's
    saved login keeps working; a user whose password was changed gets it back.
    """
    passwords = load_passwords(path)
    for person in PEOPLE:
        password = passwords.get(person.username) or secrets.token_urlsafe(9)
        passwords[person.username] = password
        user = users[person.username]
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            record(actor=None, action="set_password", obj=user, note="raktas demo")
    save_passwords(path, passwords)
    return passwords

"""Changes to users, roles, teams and delegations. Audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from raktas.audit.services import record
from raktas.core.exceptions import ValidationFailed
from raktas.org.access import Action, require
from raktas.org.models import ApiToken, Delegation, Role, RoleGrant, Team, User


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
    roles: tuple[str, ...] = (),
) -> User:
    """Create a user. ``by=None`` is the command line acting as the system."""
    if by is not None:
        require(by, Action.USERS_MANAGE)
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"username: {username!r} is taken", field="username")
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, team=team
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(
        actor=by,
        action="create",
        obj=user,
        after={"username": username, "team": team.pk if team else None},
    )
    for role in roles:
        role_grant(by=by, user=user, role=role)
    return user


@transaction.atomic
def role_grant(*, by: User | None, user: User, role: str) -> RoleGrant:
    if by is not None:
        require(by, Action.USERS_MANAGE)
    if role not in Role.values:
        raise ValidationFailed(f"role: must be one of {', '.join(Role.values)}", field="role")
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        record(actor=by, action="grant_role", obj=user, after={"role": role})
    user.forget_cached_access()
    return grant


@transaction.atomic
def role_revoke(*, by: User | None, user: User, role: str) -> None:
    if by is not None:
        require(by, Action.USERS_MANAGE)
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    if deleted:
        record(actor=by, action="revoke_role", obj=user, before={"role": role})
    user.forget_cached_access()


@transaction.atomic
def team_set_member(*, by: User | None, user: User, team: Team | None) -> None:
    if by is not None:
        require(by, Action.USERS_MANAGE)
    before = user.team_id
    user.team = team
    user.save(update_fields=["team"])
    record(
        actor=by,
        action="update",
        obj=user,
        before={"team": before},
        after={"team": team.pk if team else None},
    )


@transaction.atomic
def delegation_create(
    *, by: User, kam: User, deputy: User, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> Delegation:
    """A KAM (or their head, or the director) hands the KAM's clients to a deputy for a date range."""
    if by.pk != kam.pk:
        require(by, Action.CLIENT_REASSIGN, owner_id=kam.pk)
    if not kam.has_role(Role.KAM):
        raise ValidationFailed("kam: only a KAM's clients can be delegated", field="kam")
    if not deputy.has_role(Role.KAM) or not deputy.is_active:
        raise ValidationFailed("deputy: the deputy must be an active KAM", field="deputy")
    if deputy.pk == kam.pk:
        raise ValidationFailed("deputy: a KAM cannot deputise for themself", field="deputy")
    if ends_on < starts_on:
        raise ValidationFailed("ends_on: must not be before starts_on", field="ends_on")
    delegation = Delegation.objects.create(
        kam=kam, deputy=deputy, starts_on=starts_on, ends_on=ends_on, note=note, created_by=by
    )
    record(
        actor=by,
        action="create",
        obj=delegation,
        after={
            "kam": kam.pk,
            "deputy": deputy.pk,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, by: User, delegation: Delegation) -> Delegation:
    from django.utils import timezone

    if by.pk != delegation.kam_id:
        require(by, Action.CLIENT_REASSIGN, owner_id=delegation.kam_id)
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    record(
        actor=by,
        action="revoke",
        obj=delegation,
        after={"revoked_at": delegation.revoked_at.isoformat()},
    )
    return delegation


@transaction.atomic
def token_create(*, user: User, name: str = "", by: User | None = None) -> tuple[ApiToken, str]:
    """Issue a personal API token; the raw token is returned once and never stored."""
    token, raw = ApiToken.issue(user, name)
    record(
        actor=by or user,
        action="create",
        obj=token,
        after={"user": user.pk, "name": name, "prefix": token.key_prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None = None) -> None:
    from django.utils import timezone

    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=by or token.user, action="revoke", obj=token, after={"prefix": token.key_prefix})

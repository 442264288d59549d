"""Who am I: the caller, their roles and what they may see. Part of the API's own
router (``raktas.api.api``): it is about the caller, not about any one app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from raktas.api.auth import current_user
from raktas.api.schemas import Out, UserRef
from raktas.org.access import delegators_of, scope_for, today
from raktas.org.models import Role, User

router = Router(tags=["me"])


class ScopeOut(Out):
    all_clients: bool
    book_owners: list[UserRef]
    writable_owners: list[UserRef]
    deputising_for: list[UserRef]
    order_desk: bool
    sees_margin: bool


class MeOut(Out):
    id: int
    username: str
    name: str
    email: str
    roles: list[str]
    team: str | None
    scope: ScopeOut


@router.get("/me", response=MeOut, summary="Who am I: roles and what I may see")
def me(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    scope = scope_for(user)
    people = User.objects.in_bulk(scope.kam_ids)

    def refs(ids: Any) -> list[User]:
        return sorted((people[i] for i in ids if i in people), key=lambda u: (u.username, u.pk))

    # Delegations pass clients to KAMs only (raktas.org.access.compute_scope).
    delegators = delegators_of(user, today()) if user.has_role(Role.KAM) else set()
    deputising = User.objects.filter(pk__in=delegators).order_by("username", "id")
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "email": user.email,
        "roles": sorted(user.roles),
        "team": user.team.name if user.team is not None else None,
        "scope": {
            "all_clients": scope.all_clients,
            "book_owners": refs(scope.kam_ids),
            "writable_owners": refs(scope.writable_kam_ids),
            "deputising_for": list(deputising),
            "order_desk": scope.desk,
            "sees_margin": scope.sees_margin,
        },
    }

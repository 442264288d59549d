from __future__ import annotations

from raktas.api.schemas import Out, UserRef


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

"""Clients, keyed by ``external_id``; and their contacts, keyed by theirs."""

from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any

from raktas.audit.services import _jsonable, snapshot
from raktas.clients.models import BuyingRole, Client, ClientStatus, Contact, Segment, Tier
from raktas.clients.selectors import clients_visible_to
from raktas.clients.services import CLIENT_AUDIT_FIELDS, CONTACT_FIELDS
from raktas.core.exceptions import PermissionDenied
from raktas.core.search import client_search_text, contact_search_text
from raktas.imports import cells
from raktas.imports.base import KEY_TAKEN, UNKNOWN_CLIENT, Column, Importer, Row, refusal
from raktas.imports.sql import insert_rows, update_rows
from raktas.org.access import Action, has_right, holds_client_owner, may_own_clients, require
from raktas.org.models import User

CREDIT_FIELDS = ("credit_limit", "payment_terms_days")
DEFAULTS = (
    ("status", ClientStatus.ACTIVE.value),
    ("tier", Tier.MAINTAIN.value),
    ("currency", "EUR"),
    ("country", "LT"),
    ("payment_terms_days", 30),
    ("credit_limit", Decimal("0.00")),
)
# What the importer writes, by attribute name (foreign keys as *_id).
ATTNAMES = (
    "external_id",
    "legal_name",
    "registration_code",
    "vat_code",
    "segment_id",
    "status",
    "owner_id",
    "tier",
    "price_column_id",
    "payment_terms_days",
    "credit_limit",
    "currency",
    "city",
    "address",
    "country",
    "created_at",
    "updated_at",
    "search_text",  # kept here: the bulk write does not go through Client.save()
)
_insert_values = operator.itemgetter(*ATTNAMES)
UPDATE_ATTNAMES = tuple(a for a in ATTNAMES if a not in ("external_id", "created_at"))
PROFILE_FIELDS = (
    "legal_name",
    "registration_code",
    "vat_code",
    "segment",
    "status",
    "tier",
    "price_column",
    "currency",
    "city",
    "address",
    "country",
)


def audit_view(client: dict[str, Any]) -> dict[str, Any]:
    """The audited fields of a client row, as ``snapshot`` gives them for an instance."""
    return {
        name: _jsonable(client[name + "_id" if name in FOREIGN_KEYS else name])
        for name in CLIENT_AUDIT_FIELDS
    }


FOREIGN_KEYS = frozenset({"segment", "owner", "price_column"})


def visible_client_ids(user: User, ids: list[int]) -> set[int]:
    """Which of ``ids`` the user may see — through the one scoped selector."""
    if not ids:
        return set()
    return set(clients_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def clients_by_external_id(user: User, keys: set[str], *, writable: bool) -> dict[str, Client]:
    """The batch's clients the user may see (and, with ``writable``, change).

    Anything else is absent from the result, so the caller reports "unknown client"
    and never reveals that a client outside the user's book exists.
    """
    if not keys:
        return {}
    found: dict[str, Client] = {
        c.external_id or "": c for c in clients_visible_to(user).filter(external_id__in=keys)
    }
    if writable:
        return {k: c for k, c in found.items() if holds_client_owner(user, c.owner_id)}
    return found


class ClientImporter(Importer):
    kind = "clients"
    label = "client"
    columns = (
        Column(
            "external_id",
            cells.text(64),
            key=True,
            fmt="text, ≤ 64",
            example="C-10042",
            note="Your system's id of the client; the key that makes re-imports update.",
        ),
        Column(
            "legal_name",
            cells.text(200),
            needed=True,
            fmt="text, ≤ 200",
            example="UAB „Šiaurės žvaigždė“",
            aliases=("name",),
        ),
        Column(
            "registration_code",
            cells.text(32),
            fmt="text, ≤ 32",
            example="304123456",
            note="Unique among clients when filled in.",
        ),
        Column("vat_code", cells.text(32), fmt="text, ≤ 32", example="LT100009876543"),
        Column(
            "segment",
            cells.text(40),
            fmt="segment code",
            example="horeca",
            note="Must exist already.",
        ),
        Column(
            "status",
            cells.choice(ClientStatus),
            fmt="prospect | active | lapsed | blocked",
            example="active",
            note="Default active.",
        ),
        Column(
            "owner",
            cells.text(150),
            fmt="username",
            example="kam1",
            note="The owner KAM. Default: the importing user. A KAM may name only "
            "themself (or a KAM they deputise for), a head of sales their team.",
        ),
        Column(
            "tier",
            cells.choice(Tier),
            fmt="strategic | key | develop | maintain",
            example="key",
            note="Default maintain.",
        ),
        Column(
            "price_column",
            cells.text(81),
            needed=True,
            fmt="column code or LIST/CODE",
            example="WHOLESALE",
        ),
        Column(
            "payment_terms_days",
            cells.integer(minimum=0, maximum=3650),
            fmt="whole number 0–3650",
            example="30",
            note="Finance or director only (when it differs). Default 30.",
        ),
        Column(
            "credit_limit",
            cells.decimal(places=2),
            fmt="amount ≥ 0, 2 decimals",
            example="15000,00",
            note="Finance or director only (when it differs). Default 0.",
        ),
        Column(
            "currency", cells.upper_code(3), fmt="ISO 4217 code", example="EUR", note="Default EUR."
        ),
        Column("city", cells.text(80), fmt="text, ≤ 80", example="Kaunas"),
        Column("address", cells.text(255), fmt="text, ≤ 255", example="Laisvės al. 1"),
        Column(
            "country", cells.upper_code(2), fmt="ISO 3166 alpha-2", example="LT", note="Default LT."
        ),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._segments: dict[str, Segment | None] = {}
        self._owner_problem: dict[int, str | None] = {}
        self.rights = {
            a: has_right(self.by, a) for a in (Action.CLIENT_CREATE, Action.CLIENT_CREDIT)
        }
        self.first_pk: int | None = None
        self.last_pk: int | None = None

    def check_file(self) -> None:
        if not (
            has_right(self.by, Action.CLIENT_CHANGE) or has_right(self.by, Action.CLIENT_CREDIT)
        ):
            raise PermissionDenied("Your role may not import clients.")

    def segment(self, code: str) -> Segment | None:
        if code not in self._segments:
            self._segments[code] = Segment.objects.filter(code=code).first()
        return self._segments[code]

    def process(self, rows: list[Row]) -> None:
        # A later row with the same external id wins, as if the file were applied
        # row by row; only the last one is written.
        latest: dict[str, Row] = {}
        for row in rows:
            latest[row.values["external_id"]] = row
        rows = [r for r in rows if latest[r.values["external_id"]] is r]
        existing = {
            c["external_id"]: c
            for c in Client.objects.filter(external_id__in=set(latest)).values("id", *ATTNAMES)
        }
        visible = visible_client_ids(self.by, [c["id"] for c in existing.values()])
        codes = {r.values["registration_code"] for r in rows if r.get("registration_code")}
        code_owner = dict(
            Client.objects.filter(registration_code__in=codes).values_list(
                "registration_code", "external_id"
            )
        )
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        audits: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for row in rows:
            key = row.values["external_id"]
            old = existing.get(key)
            if old is not None and old["id"] not in visible:
                self.reject(row, "external_id", KEY_TAKEN)
                continue
            client = self._build(row, old)
            if client is None:
                continue
            code = client["registration_code"]
            if code:
                # A client without an external id holds its code too (holder None).
                if code in code_owner and code_owner[code] != key:
                    self.reject(row, "registration_code", "already belongs to another client")
                    continue
                code_owner[code] = key
            if old is None:
                new.append(_insert_values(client))
                continue
            before, after = audit_view(old), audit_view(client)
            if before == after:
                self.report.unchanged += 1
                continue
            if not self._may_change(row, old, before, after):
                continue
            client["updated_at"] = self.now
            changed.append((*(client[a] for a in UPDATE_ATTNAMES), old["id"]))
            audits.append((old["id"], before, after))
        insert_rows(Client, ATTNAMES, new)
        update_rows(Client, UPDATE_ATTNAMES, changed)
        self.report.created += len(new)
        self.report.updated += len(changed)
        for pk, before, after in audits:
            self.audit_update_of("clients.client", pk, before, after)

    def _build(self, row: Row, old: dict[str, Any] | None) -> dict[str, Any] | None:
        """The client as the row wants it: the existing one with the given columns applied."""
        if old is None:
            if not self.check_needed(row):
                return None
            client = {
                "external_id": row.values["external_id"],
                "registration_code": "",
                "vat_code": "",
                "segment_id": None,
                "status": ClientStatus.ACTIVE.value,
                "owner_id": self.by.pk,
                "tier": Tier.MAINTAIN.value,
                "payment_terms_days": 30,
                "credit_limit": Decimal("0.00"),
                "currency": "EUR",
                "city": "",
                "address": "",
                "country": "LT",
                "created_at": self.now,
                "updated_at": self.now,
            }
        else:
            client = dict(old)
        v = row.values
        for name in ("legal_name", "registration_code", "vat_code", "city", "address"):
            if name in v:
                client[name] = v[name] or ""
        for name, default in DEFAULTS:
            if name in v:
                client[name] = default if v[name] is None else v[name]
        if "segment" in v:
            if v["segment"] is None:
                client["segment_id"] = None
            else:
                segment = self.segment(v["segment"])
                if segment is None:
                    self.reject(row, "segment", "unknown segment")
                    return None
                client["segment_id"] = segment.pk
        if v.get("price_column") is not None:
            column = self.price_column(v["price_column"])
            if isinstance(column, str):
                self.reject(row, "price_column", column)
                return None
            client["price_column_id"] = column.pk
        if v.get("owner") is not None:
            owner = self.kam_named(row, "owner")
            if owner is None:
                return None
            client["owner_id"] = owner.pk
        client["search_text"] = client_search_text(client["legal_name"], client["city"])
        if old is None:
            return client if self._may_create(row) else None
        return client

    def _may_create(self, row: Row) -> bool:
        if not self.rights[Action.CLIENT_CREATE]:
            self.reject(row, "external_id", "your role may not create clients")
            return False
        owner = self.by if row.get("owner") is None else self.user_named(row.values["owner"])
        assert owner is not None  # kam_named checked it
        problem = self._owner_problem.get(owner.pk, "?")
        if problem == "?":
            # The same answer for every row with this owner: work it out once.
            problem = None
            if not may_own_clients(owner):
                problem = "the owner must be a key account manager"
            elif not holds_client_owner(self.by, owner.pk):
                problem = "you may not give clients to this person"
            self._owner_problem[owner.pk] = problem
        if problem:
            self.reject(row, "owner", problem)
            return False
        gave_credit = (row.get("credit_limit") or 0) != 0 or row.get("payment_terms_days", 30) != 30
        if gave_credit and not self.rights[Action.CLIENT_CREDIT]:
            self.reject(row, "credit_limit", "your role may not set credit limits or payment terms")
            return False
        return True

    def _may_change(self, row: Row, old: dict[str, Any], before: dict, after: dict) -> bool:
        changed = {k for k in before if before[k] != after[k]}
        try:
            if changed & set(PROFILE_FIELDS):
                require(self.by, Action.CLIENT_CHANGE, owner_id=old["owner_id"])
            if changed & set(CREDIT_FIELDS):
                require(self.by, Action.CLIENT_CREDIT)
            if "owner" in changed:
                require(self.by, Action.CLIENT_REASSIGN, owner_id=old["owner_id"])
                if not holds_client_owner(self.by, after["owner"]):
                    self.reject(row, "owner", "you may not give clients to this person")
                    return False
        except PermissionDenied as exc:
            column = sorted(changed)[0]
            self.reject(row, column, refusal(exc))
            return False
        return True


class ContactImporter(Importer):
    kind = "contacts"
    label = "contact"
    columns = (
        Column("external_id", cells.text(64), key=True, fmt="text, ≤ 64", example="P-77"),
        Column(
            "client",
            cells.text(64),
            needed=True,
            fmt="client external_id",
            example="C-10042",
            aliases=("client_external_id",),
        ),
        Column(
            "name", cells.text(150), needed=True, fmt="text, ≤ 150", example="Žydrūnė Ąžuolienė"
        ),
        Column("position", cells.text(120), fmt="text, ≤ 120", example="Pirkimų vadovė"),
        Column(
            "buying_role",
            cells.choice(BuyingRole),
            fmt="decision_maker | influencer | buyer | user | gatekeeper | finance",
            example="decision_maker",
            note="Default buyer.",
        ),
        Column("phone", cells.text(40), fmt="text, ≤ 40", example="+370 612 34567"),
        Column("email", cells.email, fmt="e-mail address", example="zydrune@example.lt"),
    )

    def check_file(self) -> None:
        if not has_right(self.by, Action.CLIENT_CHANGE):
            raise PermissionDenied("Your role may not import contacts.")

    def process(self, rows: list[Row]) -> None:
        latest = {r.values["external_id"]: r for r in rows}
        rows = [r for r in rows if latest[r.values["external_id"]] is r]
        existing = {
            c.external_id: c
            for c in Contact.objects.filter(external_id__in=set(latest)).select_related("client")
        }
        client_keys = {r.values["client"] for r in rows if r.get("client")}
        client_keys |= {c.client.external_id for c in existing.values() if c.client.external_id}
        writable = clients_by_external_id(self.by, client_keys, writable=True)
        writable_ids = {c.pk for c in writable.values()}
        to_write: list[Contact] = []
        updates: list[tuple[Contact, dict[str, Any]]] = []
        for row in rows:
            old = existing.get(row.values["external_id"])
            if old is not None and old.client_id not in writable_ids:
                self.reject(row, "external_id", KEY_TAKEN)
                continue
            if old is None:
                if not self.check_needed(row):
                    continue
                contact = Contact(external_id=row.values["external_id"])
            else:
                contact = Contact(
                    **{f.attname: getattr(old, f.attname) for f in Contact._meta.concrete_fields}
                )
            if row.get("client") is not None:
                client = writable.get(row.values["client"])
                if client is None:
                    self.reject(row, "client", UNKNOWN_CLIENT)
                    continue
                contact.client_id = client.pk
            v = row.values
            for name in ("name", "position", "phone", "email"):
                if name in v:
                    setattr(contact, name, v[name] or "")
            if "buying_role" in v:
                contact.buying_role = v["buying_role"] or BuyingRole.BUYER
            if old is None:
                to_write.append(contact)
                continue
            fields = ("client", *CONTACT_FIELDS)
            before, after = snapshot(old, fields), snapshot(contact, fields)
            if before == after:
                self.report.unchanged += 1
                continue
            to_write.append(contact)
            updates.append((contact, before))
        if not to_write:
            return
        for contact in to_write:  # bulk_create does not go through Contact.save()
            contact.search_text = contact_search_text(
                contact.name, contact.position, contact.email, contact.phone
            )
        Contact.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[
                "client",
                "name",
                "position",
                "buying_role",
                "phone",
                "email",
                "search_text",
            ],
        )
        self.report.created += len(to_write) - len(updates)
        self.report.updated += len(updates)
        for contact, before in updates:
            self.audit_update(contact, before, snapshot(contact, ("client", *CONTACT_FIELDS)))

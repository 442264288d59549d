"""Every change to clients and contacts. Each function is atomic and audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from raktas.audit.services import record, snapshot
from raktas.clients.models import Client, Contact
from raktas.core.exceptions import ValidationFailed
from raktas.core.services import assign, validate
from raktas.org.access import Action, holds_client_owner, may_own_clients, require
from raktas.org.models import User

CLIENT_AUDIT_FIELDS = (
    "external_id",
    "legal_name",
    "registration_code",
    "vat_code",
    "segment",
    "status",
    "owner",
    "tier",
    "price_column",
    "payment_terms_days",
    "credit_limit",
    "currency",
    "city",
    "address",
    "country",
)
# What the owning KAM (and head, director) may edit on a client profile.
CLIENT_PROFILE_FIELDS = (
    "external_id",
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
CLIENT_CREDIT_FIELDS = ("credit_limit", "payment_terms_days")
CONTACT_FIELDS = ("external_id", "name", "position", "buying_role", "phone", "email")


def _check_owner(by: User, owner: User) -> None:
    if not may_own_clients(owner):
        raise ValidationFailed("owner: the owner must be a key account manager", field="owner")
    if not holds_client_owner(by, owner.pk):
        raise ValidationFailed("owner: you may not give clients to this person", field="owner")


@transaction.atomic
def client_create(*, by: User, owner: User | None = None, **data: Any) -> Client:
    """Create a client. A KAM creates for themself; a head for their team; the director for anyone.

    Credit limit and payment terms may be given only by those allowed to set credit.
    """
    require(by, Action.CLIENT_CREATE)
    owner = owner or by
    _check_owner(by, owner)
    credit = {k: data.pop(k) for k in CLIENT_CREDIT_FIELDS if k in data}
    if credit:
        require(by, Action.CLIENT_CREDIT)
    client = Client(owner=owner)
    assign(client, data, CLIENT_PROFILE_FIELDS)
    assign(client, credit, CLIENT_CREDIT_FIELDS)
    validate(client)
    client.save()
    record(actor=by, action="create", obj=client, after=snapshot(client, CLIENT_AUDIT_FIELDS))
    return client


@transaction.atomic
def client_update(*, by: User, client: Client, **data: Any) -> Client:
    """Change profile fields; credit fields need the credit right, the owner the reassign right."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, CLIENT_AUDIT_FIELDS)
    credit = {k: data.pop(k) for k in CLIENT_CREDIT_FIELDS if k in data}
    new_owner = data.pop("owner", None)
    if data:
        require(by, Action.CLIENT_CHANGE, owner_id=client.owner_id)
        assign(client, data, CLIENT_PROFILE_FIELDS)
    if credit:
        require(by, Action.CLIENT_CREDIT)
        assign(client, credit, CLIENT_CREDIT_FIELDS)
    if new_owner is not None:
        require(by, Action.CLIENT_REASSIGN, owner_id=client.owner_id)
        _check_owner(by, new_owner)
        client.owner = new_owner
    validate(client)
    client.save()
    record(
        actor=by,
        action="update",
        obj=client,
        before=before,
        after=snapshot(client, CLIENT_AUDIT_FIELDS),
    )
    return client


def client_set_credit(
    *, by: User, client: Client, credit_limit: Decimal, payment_terms_days: int | None = None
) -> Client:
    data: dict[str, Any] = {"credit_limit": credit_limit}
    if payment_terms_days is not None:
        data["payment_terms_days"] = payment_terms_days
    return client_update(by=by, client=client, **data)


@transaction.atomic
def contact_create(*, by: User, client: Client, **data: Any) -> Contact:
    require(by, Action.CLIENT_CHANGE, owner_id=client.owner_id)
    contact = Contact(client=client)
    assign(contact, data, CONTACT_FIELDS)
    validate(contact)
    contact.save()
    record(
        actor=by, action="create", obj=contact, after=snapshot(contact, ("client", *CONTACT_FIELDS))
    )
    return contact


@transaction.atomic
def contact_update(*, by: User, contact: Contact, **data: Any) -> Contact:
    require(by, Action.CLIENT_CHANGE, owner_id=contact.client.owner_id)
    before = snapshot(contact, CONTACT_FIELDS)
    assign(contact, data, CONTACT_FIELDS)
    validate(contact)
    contact.save()
    record(
        actor=by,
        action="update",
        obj=contact,
        before=before,
        after=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_delete(*, by: User, contact: Contact) -> None:
    require(by, Action.CLIENT_CHANGE, owner_id=contact.client.owner_id)
    before = snapshot(contact, ("client", *CONTACT_FIELDS))
    pk = contact.pk
    contact.delete()
    record(actor=by, action="delete", entity="clients.contact", entity_id=pk, before=before)

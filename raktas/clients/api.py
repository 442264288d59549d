"""Clients and contacts. Reads go through the scoped selectors, writes through the
services; the endpoints only translate between JSON and those calls."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.errors import renamed_fields
from raktas.api.pagination import Page, PageParams, paginate
from raktas.api.schemas import Deleted
from raktas.catalog.models import PriceColumn
from raktas.clients.models import Client, Contact, Segment
from raktas.clients.schemas import (
    ClientCreateIn,
    ClientOut,
    ClientPatchIn,
    ContactCreateIn,
    ContactFilters,
    ContactOut,
    ContactPatchIn,
    CreditIn,
    TimelineOut,
)
from raktas.clients.selectors import (
    contacts_visible_to,
    get_account_client_for,
    get_client_for,
    get_contact_for,
    timeline_visible_to,
)
from raktas.clients.services import (
    client_create,
    client_set_credit,
    client_update,
    contact_create,
    contact_delete,
    contact_update,
)
from raktas.core.exceptions import ValidationFailed
from raktas.core.search import matches, search_term
from raktas.org.models import User

router = Router()

_CLIENT_RELATED = ("owner", "segment", "price_column__price_list")
# Input names references "<x>_id"; the services speak of model fields.
_CLIENT_REFS = {"owner": "owner_id", "segment": "segment_id", "price_column": "price_column_id"}


def _client_data(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn the ``*_id`` references of a client payload into what the services take,
    refusing ids that name nothing."""
    data = dict(payload)
    if "segment_id" in data:
        segment_id = data.pop("segment_id")
        if segment_id is not None and not Segment.objects.filter(pk=segment_id).exists():
            raise ValidationFailed("segment_id: no such segment", field="segment_id")
        data["segment"] = segment_id
    if "price_column_id" in data:
        column_id = data.pop("price_column_id")
        # Columns are not secret; checking existence here leaves the "may you" to the
        # service, so a caller without the right gets 403 rather than a lookup error.
        if not PriceColumn.objects.filter(pk=column_id).exists():
            raise ValidationFailed("price_column_id: no such price column", field="price_column_id")
        data["price_column"] = column_id
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        owner = User.objects.filter(pk=owner_id, is_active=True).first()
        if owner_id is not None and owner is None:
            raise ValidationFailed("owner_id: no such active user", field="owner_id")
        data["owner"] = owner
    return data


def _with_related(qs: QuerySet[Client]) -> QuerySet[Client]:
    return qs.select_related(*_CLIENT_RELATED)


@router.get("/clients/{client_id}", response=ClientOut, summary="One client")
def get_client(request: HttpRequest, client_id: int) -> Client:
    return get_client_for(current_user(request), client_id)


@router.post("/clients", response={201: ClientOut}, summary="Create a client")
def create_client(request: HttpRequest, payload: ClientCreateIn) -> Status:
    user = current_user(request)
    data = _client_data(payload.model_dump(exclude_unset=True))
    owner = data.pop("owner", None)
    with renamed_fields(**_CLIENT_REFS):
        client = client_create(by=user, owner=owner, **data)
    return Status(201, get_client_for(user, client.pk))


@router.patch("/clients/{client_id}", response=ClientOut, summary="Change a client's profile")
def update_client(request: HttpRequest, client_id: int, payload: ClientPatchIn) -> Client:
    user = current_user(request)
    # write=True: the desk and finance may see a client but not edit its profile (403).
    client = get_client_for(user, client_id, write=True)
    data = _client_data(payload.model_dump(exclude_unset=True))
    with renamed_fields(**_CLIENT_REFS):
        client_update(by=user, client=client, **data)
    return get_client_for(user, client_id)


@router.put(
    "/clients/{client_id}/credit",
    response=ClientOut,
    summary="Set a client's credit limit and payment terms (finance, director)",
)
def set_credit(request: HttpRequest, client_id: int, payload: CreditIn) -> Client:
    user = current_user(request)
    client = get_client_for(user, client_id)
    client_set_credit(
        by=user,
        client=client,
        credit_limit=payload.credit_limit,
        payment_terms_days=payload.payment_terms_days,
    )
    return get_client_for(user, client_id)


# --- contacts ---------------------------------------------------------------------


def _contacts(qs: QuerySet[Contact], filters: ContactFilters) -> QuerySet[Contact]:
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.buying_role:
        qs = qs.filter(buying_role=filters.buying_role)
    term = search_term(filters.q or "")
    if term:
        # Without regard to case or Lithuanian letters on both databases (core.search).
        qs = qs.filter(matches(term))
    return qs.select_related("client").order_by("client__legal_name", "client_id", "name", "id")


@router.get("/contacts", response=Page[ContactOut], summary="Contacts of the clients you may see")
def list_contacts(
    request: HttpRequest, filters: Query[ContactFilters], page: Query[PageParams]
) -> dict[str, Any]:
    return paginate(_contacts(contacts_visible_to(current_user(request)), filters), page)


@router.get(
    "/clients/{client_id}/contacts", response=Page[ContactOut], summary="A client's contacts"
)
def list_client_contacts(
    request: HttpRequest, client_id: int, filters: Query[ContactFilters], page: Query[PageParams]
) -> dict[str, Any]:
    client = get_client_for(current_user(request), client_id)
    return paginate(_contacts(client.contacts.all(), filters), page)


@router.post("/clients/{client_id}/contacts", response={201: ContactOut}, summary="Add a contact")
def create_contact(request: HttpRequest, client_id: int, payload: ContactCreateIn) -> Status:
    user = current_user(request)
    client = get_client_for(user, client_id)
    contact = contact_create(by=user, client=client, **payload.model_dump(exclude_unset=True))
    return Status(201, get_contact_for(user, contact.pk))


@router.get("/contacts/{contact_id}", response=ContactOut, summary="One contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return get_contact_for(current_user(request), contact_id)


@router.patch("/contacts/{contact_id}", response=ContactOut, summary="Change a contact")
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatchIn) -> Contact:
    user = current_user(request)
    contact = get_contact_for(user, contact_id)
    contact_update(by=user, contact=contact, **payload.model_dump(exclude_unset=True))
    return get_contact_for(user, contact_id)


@router.delete("/contacts/{contact_id}", response=Deleted, summary="Delete a contact")
def delete_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    user = current_user(request)
    contact = get_contact_for(user, contact_id)
    contact_delete(by=user, contact=contact)
    return {"id": contact_id, "deleted": True}


# --- timeline ---------------------------------------------------------------------


@router.get(
    "/clients/{client_id}/timeline",
    response=Page[TimelineOut],
    summary="The client's timeline: credit, dunning, promises, tasks (newest first)",
)
def client_timeline(request: HttpRequest, client_id: int, page: Query[PageParams]) -> Any:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    qs = timeline_visible_to(user).filter(client=client).select_related("actor")
    return paginate(qs.order_by("-at", "-id"), page)

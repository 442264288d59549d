"""Every read of clients, contacts and the client timeline, already limited to what
the user may see, and the one client search."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from raktas.clients.models import Client, Contact, TimelineEvent
from raktas.core.exceptions import NotFound
from raktas.core.search import matches, search_words
from raktas.org.access import Action, account_q, require, scope_for
from raktas.org.models import User


def _handled_orders() -> QuerySet[Any]:
    """The orders that reached the order desk (submitted, whatever happened next).

    Orders sit above clients in the layers (an order needs a client), so clients reads
    them through the relation the order declares on its client rather than importing
    the orders app."""
    order = Client._meta.get_field("orders").related_model
    return order._default_manager.filter(submitted_at__isnull=False).exclude(status="draft")


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients ``user`` may see today (see ``raktas.org.access`` for the rules)."""
    scope = scope_for(user)
    if scope.all_clients:
        return Client.objects.all()
    condition: Any = Q(owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition = condition | Exists(_handled_orders().filter(client=OuterRef("pk")))
    return Client.objects.filter(condition)


def get_client_for(user: User, pk: int, *, write: bool = False) -> Client:
    """One client: 404 when the user may not see it, 403 when they may see but not change it."""
    client = (
        clients_visible_to(user)
        .select_related("owner", "segment", "price_column")
        .filter(pk=pk)
        .first()
    )
    if client is None:
        raise NotFound("Client not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=client.owner_id)
    return client


def account_clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients whose account (balance, payments, credit notes, credit, collection,
    timeline) the user may see (``raktas.org.access.sees_account``): their book, or
    all for the director and finance. Not the order desk."""
    return Client.objects.filter(account_q(user))


def get_account_client_for(user: User, pk: int) -> Client:
    """A client whose account the user may see; 404 otherwise (also for the order desk,
    who may see the client but not what it owes)."""
    client = account_clients_visible_to(user).select_related("owner").filter(pk=pk).first()
    if client is None:
        raise NotFound("Client not found.")
    return client


def client_search(qs: QuerySet[Client], text: str) -> QuerySet[Client]:
    """The one client search, used by every search box and ``q`` parameter: every word
    typed, in any order, somewhere in the legal name or city — without regard to case,
    Lithuanian letters, quotes or punctuation — or the text as the start of the
    registration or VAT code (VAT without regard to case). "UAB Aukštumos", "uab aukstumos mazmena"
    and "mažmena aukštumos" all find UAB „Aukštumos mažmena“."""
    words = search_words(text)
    code = text.strip()
    if not words and not code:
        return qs
    by_words = Q()
    for word in words:
        by_words &= matches(word)
    codes = Q(registration_code__startswith=code) | Q(vat_code__istartswith=code) if code else Q()
    condition = (by_words | codes) if words and code else (by_words if words else codes)
    return qs.filter(condition)


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=clients_visible_to(user))


def get_contact_for(user: User, pk: int, *, write: bool = False) -> Contact:
    contact = contacts_visible_to(user).select_related("client").filter(pk=pk).first()
    if contact is None:
        raise NotFound("Contact not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=contact.client.owner_id)
    return contact


def timeline_visible_to(user: User) -> QuerySet[TimelineEvent]:
    """Timeline events of the clients whose account the user sees."""
    return TimelineEvent.objects.filter(account_q(user, prefix="client__"))

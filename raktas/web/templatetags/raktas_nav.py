"""The main navigation: every page a user may open, in the order of a working day.

Each item names the access function its page asks (``raktas.org.access``): the
navigation shows a page exactly when the page lets the user in, so the two can never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from raktas.org.access import (
    does_bank_work,
    handles_orders,
    leads_team,
    reads_audit,
    sees_accounts,
    sees_analytics,
    sees_book,
    works_today,
)
from raktas.org.models import Role, User

register = template.Library()


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: Promise | Callable[[User], Promise]
    allowed: Callable[[User], bool]
    # The views (namespace:name) that count as being on this item.
    current: tuple[str, ...]


def _clients_label(user: User) -> Promise:
    return _("My clients") if user.has_role(Role.KAM) else _("Clients")


ENTRIES = (
    Entry("book:today", _("Today"), works_today, ("book:today",)),
    Entry("book:clients", _clients_label, sees_book, ("book:clients", "book:client")),
    Entry("orders:orders", _("Orders"), sees_book, ("orders:orders", "orders:order")),
    Entry("orders:desk", _("Order desk"), handles_orders, ("orders:desk",)),
    Entry("book:team", _("Team"), leads_team, ("book:team",)),
    Entry("credit:home", _("Credit"), sees_accounts, ("credit:home", "credit:override")),
    Entry("collection:collection", _("Collection"), sees_accounts, ("collection:collection",)),
    Entry("receivables:aging", _("Aging"), sees_accounts, ("receivables:aging",)),
    # Finance's day: bank entries to place, override requests waiting, links on.
    Entry("banking:queue", _("Finance"), does_bank_work, ("banking:queue",)),
    Entry("analytics:overview", _("Analytics"), sees_analytics, ("analytics:overview",)),
    # Who read and exported what (duty 2.21).
    Entry("org:access_log", _("Access log"), reads_audit, ("org:access_log",)),
)


@dataclass
class NavItem:
    url: str
    label: str
    current: bool


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context) -> list[NavItem]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else ""
    out = []
    for entry in ENTRIES:
        if not entry.allowed(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # an app that is not installed here
            continue
        label = entry.label(user) if callable(entry.label) else entry.label
        out.append(NavItem(url, str(label), view in entry.current))
    return out

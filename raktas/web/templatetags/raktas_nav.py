"""The main navigation, by role: each role sees the pages of its day."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from raktas.org.models import BUSINESS_ROLES, Role

register = template.Library()


@dataclass
class NavItem:
    url: str
    label: str
    current: bool


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context) -> list[NavItem]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    roles = user.roles
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "web" else ""
    items: list[tuple[str, str, tuple[str, ...]]] = []
    if roles & {Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR}:
        items.append(("web:today", _("Today"), ("today",)))
    if roles & BUSINESS_ROLES:
        label = _("My clients") if Role.KAM in roles else _("Clients")
        items.append(("web:clients", label, ("clients", "client")))
        items.append(("web:orders", _("Orders"), ("orders", "order")))
    if roles & {Role.ORDER_DESK, Role.DIRECTOR}:
        items.append(("web:desk", _("Order desk"), ("desk",)))
    if roles & {Role.HEAD_OF_SALES, Role.DIRECTOR}:
        items.append(("web:team", _("Team"), ("team",)))
    # The other apps' pages, for the roles they serve (credit control and collection,
    # receivables, the bank queue, key-client analytics).
    if roles & {Role.HEAD_OF_SALES, Role.DIRECTOR, Role.FINANCE}:
        items.append(("credit:home", _("Credit"), ("credit:home", "credit:override")))
    if roles & {Role.KAM, Role.FINANCE}:
        items.append(("credit:collection", _("Collection"), ("credit:collection",)))
    if roles & {Role.DIRECTOR, Role.FINANCE}:
        items.append(("receivables:aging", _("Aging"), ("receivables:aging",)))
    if roles & {Role.DIRECTOR, Role.FINANCE}:
        # Finance's day: bank entries to place, override requests waiting, links on.
        # The director may do bank work too (raktas/banking/selectors.py).
        items.append(("banking:queue", _("Finance"), ("banking:queue",)))
    if roles & {Role.KAM, Role.HEAD_OF_SALES, Role.DIRECTOR, Role.FINANCE}:
        items.append(("analytics:overview", _("Analytics"), ("analytics:overview",)))
    if Role.DIRECTOR in roles:
        items.append(("audit:access_log", _("Access log"), ("audit:access_log",)))
    view = match.view_name if match else ""
    out = []
    for name, label, names in items:
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app that is not installed here
            continue
        out.append(NavItem(url, label, current in names or view in names))
    return out

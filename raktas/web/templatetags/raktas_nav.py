"""The main navigation, by role: each role sees the pages of its day."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
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
    current = match.url_name if match else ""
    items: list[tuple[str, str, tuple[str, ...]]] = []
    if roles & {Role.KAM, Role.HEAD_OF_SALES}:
        items.append(("web:today", _("Today"), ("today",)))
    if roles & BUSINESS_ROLES:
        label = _("My clients") if Role.KAM in roles else _("Clients")
        items.append(("web:clients", label, ("clients", "client")))
        items.append(("web:orders", _("Orders"), ("orders", "order")))
    if roles & {Role.ORDER_DESK, Role.DIRECTOR}:
        items.append(("web:desk", _("Order desk"), ("desk",)))
    if roles & {Role.HEAD_OF_SALES, Role.DIRECTOR}:
        items.append(("web:team", _("Team"), ("team",)))
    return [NavItem(reverse(name), label, current in names) for name, label, names in items]

"""Banking's fragments for other apps' pages (loaded by name in templates, so credit's
page can point finance at the bank queue without credit importing banking)."""

from __future__ import annotations

from typing import Any

from django import template

from raktas.banking.selectors import bank_entries_waiting

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_entries_waiting_for_user(context: template.Context) -> int | None:
    """How many bank entries wait in the queue, for a user who does bank work; else None."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return bank_entries_waiting(user)

"""Domain errors as page messages, in the user's language.

Services raise ``DomainError`` with a stable ``code`` and the ``field`` at fault; their
``message`` is English for logs and the API. Pages show a translated sentence chosen
by code (or field), next to the field named by ``field``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from raktas.core.exceptions import DomainError

# Field names the pages place errors next to; anything else goes to the top.
PAGE_FIELDS = frozenset({"product", "quantity", "discount_pct", "lines", "comment", "client"})


def message_for(error: DomainError) -> str:
    by_code = {
        "no_price": _("This product has no price in the client's price-list column."),
        "order_empty": _("Add at least one line before submitting the order."),
        "client_blocked": _("This client is blocked: no orders can be taken."),
        "order_not_editable": _("Only a draft order can be changed."),
        "illegal_transition": _("The order cannot make this move in its current state."),
        "not_your_client": _("This client is not in your book."),
        "forbidden": _("Your role may not do this."),
        "not_found": _("Not found."),
    }
    by_field = {
        "quantity": _("Enter a quantity greater than zero, with at most three decimals."),
        "discount_pct": _("Enter a discount from 0 to 100 %, with at most two decimals."),
        "product": _("Choose a product that is on sale."),
        "comment": _("Say why the order goes back to the key account manager."),
    }
    if error.code in by_code:
        return by_code[error.code]
    if error.field in by_field:
        return by_field[error.field or ""]
    return _("The request was refused: %(reason)s") % {"reason": error.message}


def field_of(error: DomainError) -> str:
    return error.field if error.field in PAGE_FIELDS else "general"

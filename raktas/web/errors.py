"""Domain errors as page messages, in the user's language.

Services raise ``DomainError`` with a stable ``code`` and the ``field`` at fault; their
``message`` is English for logs and the API. Pages show a translated sentence chosen
by code (or field), next to the field named by ``field``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from raktas.core.exceptions import DomainError
from raktas.credit.models import RefusalCode
from raktas.credit.services import CreditRefused
from raktas.web.formatting import money

# Field names the pages place errors next to; anything else goes to the top.
PAGE_FIELDS = frozenset({"product", "quantity", "discount_pct", "lines", "comment", "client"})


def credit_message(error: CreditRefused) -> str:
    """The credit check's reasons with the figures, formatted for the user's language."""
    exposure = error.exposure
    cur = exposure.currency
    parts = [_("Credit control refused the order.")]
    for refusal in error.refusals:
        if refusal.code == RefusalCode.BLOCKED:
            parts.append(_("The client is blocked."))
        elif refusal.code == RefusalCode.STOP_SHIPMENTS:
            parts.append(_("Shipments to this client are stopped."))
        elif refusal.code == RefusalCode.OVERDUE:
            parts.append(
                _("%(amount)s is overdue by more than %(days)s days.")
                % {"amount": money(exposure.overdue_past_grace, cur), "days": exposure.grace_days}
            )
        elif refusal.code == RefusalCode.CREDIT_LIMIT:
            after = exposure.exposure + error.order.gross_total
            parts.append(
                _(
                    "Exposure %(exposure)s with this order %(order)s would be over the "
                    "credit limit %(limit)s by %(over)s."
                )
                % {
                    "exposure": money(exposure.exposure, cur),
                    "order": money(error.order.gross_total, cur),
                    "limit": money(exposure.credit_limit, cur),
                    "over": money(after - exposure.credit_limit, cur),
                }
            )
    if error.override is not None:
        parts.append(
            _(
                "Override request #%(number)s is waiting for the head of sales or the "
                "commercial director."
            )
            % {"number": error.override.pk}
        )
    return " ".join(parts)


def message_for(error: DomainError) -> str:
    if isinstance(error, CreditRefused):
        return credit_message(error)
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

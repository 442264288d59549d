"""What orders register with the lower layers: how their refusals read on a page."""

from django.utils.translation import gettext_lazy as _

from raktas.core.errors import register_messages, register_page_fields

register_messages(
    by_code={
        "no_price": _("This product has no price in the client's price-list column."),
        "order_empty": _("Add at least one line before submitting the order."),
        "client_blocked": _("This client is blocked: no orders can be taken."),
        "order_not_editable": _("Only a draft order can be changed."),
        "illegal_transition": _("The order cannot make this move in its current state."),
    },
    by_field={
        "quantity": _("Enter a quantity greater than zero, with at most three decimals."),
        "discount_pct": _("Enter a discount from 0 to 100 %, with at most two decimals."),
        "product": _("Choose a product that is on sale."),
        "comment": _("Say why the order goes back to the key account manager."),
    },
)
register_page_fields("lines", "client")

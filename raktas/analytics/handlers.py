"""How key-client analytics reacts to the ledger and to orders: the sales rollups move
in the same transaction as the documents they sum (``raktas.analytics.rollups``)."""

from raktas.analytics import rollups
from raktas.core.events import subscribe
from raktas.ledger.events import CreditNoteIssued, InvoiceIssued
from raktas.orders.events import OrderStatusChanged
from raktas.orders.models import OrderStatus


@subscribe(InvoiceIssued)
def roll_up_invoice(event: InvoiceIssued) -> None:
    rollups.invoice_posted(event.invoice)


@subscribe(CreditNoteIssued)
def roll_up_credit_note(event: CreditNoteIssued) -> None:
    rollups.credit_note_posted(event.credit_note)


@subscribe(OrderStatusChanged)
def roll_up_refusals(event: OrderStatusChanged) -> None:
    """Refusal and cancellation analytics count orders as they close."""
    if event.after == OrderStatus.CANCELLED:
        rollups.order_cancelled(event.order)
    elif event.after == OrderStatus.REFUSED:
        rollups.order_refused(event.order)

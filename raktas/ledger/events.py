"""What the ledger tells the contexts above it (``raktas.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from raktas.core.events import Event
from raktas.ledger.models import CreditNote, Invoice


@dataclass(frozen=True)
class InvoiceIssued(Event):
    """An invoice was issued (from an order or on its own). Published inside the
    issuing transaction: immediate subscribers move with it (the sales rollups)."""

    invoice: Invoice


@dataclass(frozen=True)
class CreditNoteIssued(Event):
    """A credit note was issued, inside the issuing transaction."""

    credit_note: CreditNote


@dataclass(frozen=True)
class PaymentRecorded(Event):
    """A payment was recorded for a client (and allocated). On-commit subscribers
    never hear of a payment that rolled back."""

    payment_id: int
    client_id: int

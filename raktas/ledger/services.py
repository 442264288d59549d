"""Every change to the ledger: invoices, payments, allocations and credit notes.

Invariants kept here (and checked by property tests):
* a client's balance = invoices − payments − credit notes (gross);
* an invoice's ``open_amount`` = gross − its allocations − its credit notes, never < 0;
* a payment's ``allocated_amount`` = the sum of its live allocations (or its whole
  amount once reversed), never > its amount;
* a reversal is a debit: balance = invoices − payments − credit notes + reversals.

Every allocation is dated (``allocated_on``) and a reversal dates the end of the
allocations it undoes, so aging as of any past day can be recomputed
(raktas.receivables.aging, docs/receivables.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from raktas.audit.services import record, snapshot
from raktas.clients.models import Client
from raktas.core.events import publish
from raktas.core.exceptions import Conflict, ValidationFailed
from raktas.core.models import Sequence as NumberSequence
from raktas.core.money import ZERO, q2
from raktas.ledger.events import CreditNoteIssued, InvoiceIssued, PaymentRecorded
from raktas.ledger.models import (
    Allocation,
    CreditNote,
    CreditReason,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentReversal,
)
from raktas.org.access import Action, require
from raktas.org.models import User

HUNDRED = Decimal(100)
PAYMENT_FIELDS = ("client", "received_on", "amount", "currency", "reference", "allocated_amount")


def next_invoice_number() -> str:
    return f"{settings.INVOICE_NUMBER_PREFIX}{NumberSequence.next_number('invoice'):08d}"


def next_credit_note_number() -> str:
    return f"{settings.CREDIT_NOTE_NUMBER_PREFIX}{NumberSequence.next_number('credit_note'):08d}"


@dataclass(frozen=True)
class IssuedLine:
    """One line of an invoice whose amounts were already computed (an order's line)."""

    line_no: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    cost: Decimal


@transaction.atomic
def invoice_issue(
    *,
    by: User,
    client: Client,
    order_id: int,
    issue_date: dt.date,
    currency: str,
    lines: Sequence[IssuedLine],
    cost_total: Decimal | None = None,
) -> Invoice:
    """Issue the invoice document of an order, from its lines as priced on the order.

    The order's own move to "invoiced" is the caller's (``raktas.orders.services.
    order_invoice``, which locks the order first, so two clicks make one invoice);
    the ledger writes the document, its number and the client's due date.
    ``cost_total`` is the order's (its cost rounded once, not per line) when given."""
    require(by, Action.ORDER_INVOICE)
    net = sum((line.net for line in lines), ZERO)
    vat = sum((line.vat for line in lines), ZERO)
    gross = sum((line.gross for line in lines), ZERO)
    invoice = Invoice.objects.create(
        number=next_invoice_number(),
        client=client,
        order_id=order_id,
        issue_date=issue_date,
        due_date=issue_date + dt.timedelta(days=client.payment_terms_days),
        currency=currency,
        net_total=net,
        vat_total=vat,
        gross_total=gross,
        cost_total=sum((line.cost for line in lines), ZERO) if cost_total is None else cost_total,
        open_amount=gross,
        last_touched_on=issue_date,  # nothing has touched it since its issue
        settled_on=issue_date if gross == ZERO else None,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            product_id=line.product_id,
            description=line.description[:255],
            quantity=line.quantity,
            unit_price=line.unit_price,
            net=line.net,
            vat_rate=line.vat_rate,
            vat=line.vat,
            gross=line.gross,
            cost=line.cost,
        )
        for line in lines
    )
    record(
        actor=by,
        action="create",
        obj=invoice,
        after=snapshot(
            invoice, ("number", "client", "order", "issue_date", "due_date", "gross_total")
        ),
    )
    publish(InvoiceIssued(invoice=invoice))  # the sales rollups move in this transaction
    return invoice


@transaction.atomic
def invoice_create(
    *,
    by: User,
    client: Client,
    issue_date: dt.date,
    lines: Sequence[dict[str, Any]],
    due_date: dt.date | None = None,
    number: str | None = None,
    external_id: str | None = None,
) -> Invoice:
    """Issue an invoice not born of an order (services, corrections, imported history).

    Each line: ``description``, ``quantity``, ``unit_price``, ``vat_rate`` and optionally
    ``product`` and ``unit_cost``. Totals are computed here, never taken from the caller.
    """
    require(by, Action.LEDGER_WRITE)
    if not lines:
        raise ValidationFailed("lines: an invoice needs at least one line", field="lines")
    due_date = due_date or issue_date + dt.timedelta(days=client.payment_terms_days)
    if due_date < issue_date:
        raise ValidationFailed("due_date: must not be before the issue date", field="due_date")
    built = []
    for i, spec in enumerate(lines, start=1):
        quantity = Decimal(spec["quantity"])
        unit_price = Decimal(spec["unit_price"])
        vat_rate = Decimal(spec["vat_rate"])
        if quantity <= 0:
            raise ValidationFailed(
                f"lines[{i}].quantity: must be greater than zero", field="quantity"
            )
        if unit_price < 0 or not (0 <= vat_rate <= HUNDRED):
            raise ValidationFailed(
                f"lines[{i}]: price or VAT rate out of range", field="unit_price"
            )
        net = q2(quantity * unit_price)
        vat = q2(net * vat_rate / HUNDRED)
        product = spec.get("product")
        built.append(
            InvoiceLine(
                line_no=i,
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                description=str(spec.get("description") or product or "")[:255],
                net=net,
                vat_rate=vat_rate,
                vat=vat,
                gross=net + vat,
                cost=q2(quantity * Decimal(spec.get("unit_cost", 0))),
            )
        )
    gross = sum((line.gross for line in built), ZERO)
    invoice = Invoice.objects.create(
        number=number or next_invoice_number(),
        client=client,
        issue_date=issue_date,
        due_date=due_date,
        currency=client.currency,
        net_total=sum((line.net for line in built), ZERO),
        vat_total=sum((line.vat for line in built), ZERO),
        gross_total=gross,
        cost_total=sum((line.cost for line in built), ZERO),
        open_amount=gross,
        last_touched_on=issue_date,  # nothing has touched it since its issue
        settled_on=issue_date if gross == ZERO else None,
        external_id=external_id or None,
    )
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    publish(InvoiceIssued(invoice=invoice))  # the sales rollups move in this transaction
    record(
        actor=by,
        action="create",
        obj=invoice,
        after=snapshot(invoice, ("number", "client", "issue_date", "due_date", "gross_total")),
    )
    return invoice


def _check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationFailed(f"{field}: must be greater than zero", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{field}: at most two decimal places", field=field)
    return amount


HISTORY_FIELDS = ("first_touched_on", "last_touched_on", "settled_on")


def history_marks(invoice_ids: Collection[int]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Per invoice id: the earliest allocated_on or credit-note issue_date against it
    (None when there is none) and the latest date of its allocations, their
    reversals and its credit notes (None when there is none), from the rows."""
    first: dict[int, dt.date] = {}
    last: dict[int, dt.date] = {}

    def note(invoice_id: int, *dates: dt.date | None) -> None:
        for d in dates[:1]:
            if d is not None and (invoice_id not in first or d < first[invoice_id]):
                first[invoice_id] = d
        for d in dates[1:]:
            if d is not None and (invoice_id not in last or d > last[invoice_id]):
                last[invoice_id] = d

    ids = list(invoice_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for invoice_id, a_first, a_last, r_last in (
            Allocation.objects.filter(invoice_id__in=chunk)
            .values("invoice_id")
            .annotate(f=Min("allocated_on"), a=Max("allocated_on"), r=Max("reversed_on"))
            .values_list("invoice_id", "f", "a", "r")
            .order_by()
        ):
            note(invoice_id, a_first, a_last, r_last)
        for invoice_id, c_first, c_last in (
            CreditNote.objects.filter(invoice_id__in=chunk)
            .values("invoice_id")
            .annotate(f=Min("issue_date"), c=Max("issue_date"))
            .values_list("invoice_id", "f", "c")
            .order_by()
        ):
            note(invoice_id, c_first, c_last)
    return {i: (first.get(i), last.get(i)) for i in ids}


def _set_history(invoice: Invoice, first: dt.date | None, last: dt.date | None) -> None:
    """The history dates of an invoice from its rows' first and last dates: the last
    touch is never before its issue; settled on the last touch once nothing is open."""
    invoice.first_touched_on = first
    invoice.last_touched_on = max(invoice.issue_date, last) if last else invoice.issue_date
    invoice.settled_on = invoice.last_touched_on if invoice.open_amount == ZERO else None


def _settlement_changed(invoice: Invoice) -> None:
    """Keep the history dates of a locked invoice true after an allocation, its
    reversal or a credit note changed it: ``first_touched_on``, ``last_touched_on``,
    and ``settled_on`` (the last touch once fully settled, else NULL)."""
    _set_history(invoice, *history_marks([invoice.pk])[invoice.pk])
    invoice.save(update_fields=list(HISTORY_FIELDS))


def refresh_history(invoice_ids: Collection[int]) -> int:
    """Recompute the history dates of these invoices from their rows, for writers
    that change invoices, allocations or credit notes in bulk (the importers). Returns
    how many invoices were written."""
    marks = history_marks(invoice_ids)
    invoices = list(
        Invoice.objects.filter(pk__in=list(marks)).only("pk", "issue_date", "open_amount")
    )
    for invoice in invoices:
        _set_history(invoice, *marks[invoice.pk])
    Invoice.objects.bulk_update(invoices, list(HISTORY_FIELDS), batch_size=500)
    return len(invoices)


def open_from(invoice: Invoice, day: dt.date) -> Decimal:
    """The least open amount of a locked invoice on any day from ``day`` on, by its rows.

    A credit note or an allocation dated ``day`` may take no more than this: dated
    back, it meets the history made since (an allocation live then and reversed later),
    and the invoice must not be open below zero on any day (tests/test_invariants.py:
    a 0.01 invoice paid, the payment reversed, then a 0.01 credit note dated before the
    reversal left it at -0.01 on the days in between). The open amount only changes on
    the dates of its rows, so it is enough to look at those; when none is dated after
    ``day`` (``last_touched_on``, the usual case), it is the open amount now."""
    if invoice.last_touched_on is not None and invoice.last_touched_on <= day:
        return invoice.open_amount
    allocations = list(
        Allocation.objects.filter(invoice=invoice).values_list(
            "amount", "allocated_on", "reversed_on"
        )
    )
    notes = list(
        CreditNote.objects.filter(invoice=invoice).values_list("gross_total", "issue_date")
    )
    days = {day}
    for _amount, allocated_on, reversed_on in allocations:
        days.update(d for d in (allocated_on, reversed_on) if d is not None and d > day)
    days.update(issued for _gross, issued in notes if issued > day)

    def open_on(d: dt.date) -> Decimal:
        live = sum((a for a, on, off in allocations if on <= d and (off is None or off > d)), ZERO)
        return invoice.gross_total - live - sum((g for g, issued in notes if issued <= d), ZERO)

    return min(invoice.open_amount, *(open_on(d) for d in days))


def _allocate(
    payment: Payment, invoice: Invoice, amount: Decimal, on: dt.date | None = None
) -> Allocation:
    """Apply ``amount`` of a locked payment to a locked invoice on business day ``on``
    (default: the day the payment was received; never before the invoice's issue)."""
    if PaymentReversal.objects.filter(payment_id=payment.pk).exists():
        raise Conflict("payment: it was reversed and cannot be allocated", code="reversed")
    if invoice.client_id != payment.client_id:
        raise ValidationFailed("invoice: belongs to another client", field="invoice")
    day = max(on or payment.received_on, Allocation.default_date(payment, invoice))
    if amount > invoice.open_amount:
        raise Conflict(
            f"amount: {amount} is more than the {invoice.number} open amount {invoice.open_amount}",
            code="over_allocation",
            field="amount",
        )
    if amount > (least := open_from(invoice, day)):
        raise Conflict(
            f"amount: {amount} dated {day} would take {invoice.number} below zero: from "
            f"that day on it is open {least} at the least",
            code="over_allocation",
            field="amount",
        )
    if amount > payment.amount - payment.allocated_amount:
        raise Conflict(
            f"amount: {amount} is more than the payment's unallocated {payment.unallocated}",
            code="over_allocation",
            field="amount",
        )
    # One row per payment, invoice and day: history stays exact, repeats on one day merge.
    allocation, created = Allocation.objects.get_or_create(
        payment=payment,
        invoice=invoice,
        allocated_on=day,
        reversed_on=None,
        defaults={"amount": amount},
    )
    if not created:
        Allocation.objects.filter(pk=allocation.pk).update(amount=F("amount") + amount)
    invoice.open_amount -= amount
    invoice.save(update_fields=["open_amount"])
    _settlement_changed(invoice)
    payment.allocated_amount += amount
    # Fully applied: the last allocation day is when the last of it was applied.
    payment.applied_on = (
        Allocation.objects.filter(payment=payment, reversed_on__isnull=True).aggregate(
            d=Max("allocated_on")
        )["d"]
        if payment.allocated_amount == payment.amount
        else None
    )
    payment.save(update_fields=["allocated_amount", "applied_on"])
    return allocation


def _allocate_oldest_first(payment: Payment, on: dt.date | None = None) -> list[Allocation]:
    made = []
    invoices = (
        Invoice.objects.select_for_update()
        .filter(client_id=payment.client_id, open_amount__gt=0)
        .order_by("due_date", "issue_date", "id")
    )
    for invoice in invoices:
        left = payment.amount - payment.allocated_amount
        if left <= 0:
            break
        day = max(on or payment.received_on, Allocation.default_date(payment, invoice))
        amount = min(left, open_from(invoice, day))
        if amount > 0:
            made.append(_allocate(payment, invoice, amount, on))
    return made


@transaction.atomic
def payment_record(
    *,
    by: User,
    client: Client,
    amount: Decimal,
    received_on: dt.date,
    reference: str = "",
    currency: str | None = None,
    allocate: str | Sequence[tuple[Invoice, Decimal]] = "oldest",
    external_id: str | None = None,
) -> Payment:
    """Record a payment and allocate it: ``"oldest"`` first, ``"none"``, or explicit pairs."""
    require(by, Action.LEDGER_WRITE)
    amount = _check_amount(amount)
    currency = currency or client.currency
    if currency != client.currency:
        raise ValidationFailed(
            f"currency: the client settles in {client.currency}, not {currency}", field="currency"
        )
    Client.objects.select_for_update().filter(pk=client.pk).first()  # serialise per client
    payment = Payment.objects.create(
        client=client,
        amount=amount,
        received_on=received_on,
        reference=reference[:140],
        currency=currency,
        recorded_by=by,
        external_id=external_id or None,
    )
    record(actor=by, action="create", obj=payment, after=snapshot(payment, PAYMENT_FIELDS))
    payment_allocate(by=by, payment=payment, allocate=allocate, on=received_on)
    publish(PaymentRecorded(payment_id=payment.pk, client_id=client.pk))
    return payment


@transaction.atomic
def payment_allocate(
    *,
    by: User,
    payment: Payment,
    allocate: str | Sequence[tuple[Invoice, Decimal]] = "oldest",
    on: dt.date | None = None,
) -> list[Allocation]:
    """Allocate the unallocated part of a payment to invoices of the same client.

    ``on`` is the business day the money settles the invoices: by default today (an
    allocation made after the payment arrived settles the invoice when it is made),
    never before the payment was received nor before the invoice was issued.
    """
    require(by, Action.LEDGER_WRITE)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if allocate == "none":
        return []
    on = on or timezone.localdate()
    if allocate == "oldest":
        made = _allocate_oldest_first(payment, on)
    elif isinstance(allocate, str):
        raise ValidationFailed(
            "allocate: use 'oldest', 'none' or a list of invoices", field="allocate"
        )
    else:
        made = []
        # Lock every invoice first, in id order: two payments allocated to the same
        # invoices in opposite orders would otherwise each hold one and wait for the
        # other (PostgreSQL deadlock).
        list(
            Invoice.objects.select_for_update()
            .filter(pk__in=[invoice.pk for invoice, _ in allocate])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for invoice, amount in allocate:
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            made.append(_allocate(payment, locked, _check_amount(amount), on))
    for allocation in made:
        record(
            actor=by,
            action="allocate",
            obj=payment,
            after={"invoice": allocation.invoice_id, "amount": str(allocation.amount)},
        )
    return made


@transaction.atomic
def credit_note_create(
    *,
    by: User,
    client: Client,
    net: Decimal,
    vat_rate: Decimal,
    reason: str,
    issue_date: dt.date,
    invoice: Invoice | None = None,
    note: str = "",
    cost: Decimal = ZERO,
    external_id: str | None = None,
) -> CreditNote:
    """Issue a credit note. Against an invoice it may not exceed that invoice's open amount."""
    require(by, Action.LEDGER_WRITE)
    if reason not in CreditReason.values:
        raise ValidationFailed(
            f"reason: must be one of {', '.join(CreditReason.values)}", field="reason"
        )
    net = _check_amount(net, "net")
    vat = q2(net * Decimal(vat_rate) / HUNDRED)
    gross = net + vat
    if invoice is not None:
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.client_id != client.pk:
            raise ValidationFailed("invoice: belongs to another client", field="invoice")
        if gross > invoice.open_amount:
            raise Conflict(
                f"net: the credit {gross} is more than {invoice.number}'s open amount {invoice.open_amount}",
                code="over_credit",
                field="net",
            )
        if gross > (least := open_from(invoice, issue_date)):
            raise Conflict(
                f"net: the credit {gross} dated {issue_date} would take {invoice.number} below "
                f"zero: from that day on it is open {least} at the least",
                code="over_credit",
                field="net",
            )
        invoice.open_amount -= gross
        invoice.save(update_fields=["open_amount"])
    note_row = CreditNote.objects.create(
        number=next_credit_note_number(),
        client=client,
        invoice=invoice,
        issue_date=issue_date,
        reason=reason,
        note=note[:255],
        currency=client.currency,
        net_total=net,
        vat_total=vat,
        gross_total=gross,
        cost_total=q2(Decimal(cost)),
        external_id=external_id or None,
    )
    if invoice is not None:
        _settlement_changed(invoice)
    record(
        actor=by,
        action="create",
        obj=note_row,
        after=snapshot(note_row, ("number", "client", "invoice", "reason", "gross_total")),
    )
    publish(CreditNoteIssued(credit_note=note_row))
    return note_row


@transaction.atomic
def payment_reverse(
    *, by: User, payment: Payment, reversed_on: dt.date | None = None, reason: str
) -> PaymentReversal:
    """Undo a payment that bounced or was booked by mistake.

    The payment stays on record and a reversal of the same amount is booked on
    ``reversed_on`` (default today): the client owes it again. Every live allocation
    of the payment ends that day and its invoice reopens by the allocated amount, so
    aging before the reversal still shows the invoices paid, and after it open.
    """
    require(by, Action.LEDGER_WRITE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: say why the payment is reversed", field="reason")
    Client.objects.select_for_update().filter(pk=payment.client_id).first()  # per client
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise Conflict("payment: already reversed", code="already_reversed")
    day = reversed_on or timezone.localdate()
    if day < payment.received_on:
        raise ValidationFailed(
            "reversed_on: a payment cannot be reversed before it was received",
            field="reversed_on",
        )
    live = list(
        Allocation.objects.select_for_update()
        .filter(payment=payment, reversed_on__isnull=True)
        .order_by("id")
    )
    for allocation in live:
        invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
        # An allocation dated after the reversal day cannot end before it began.
        allocation.reversed_on = max(day, allocation.allocated_on)
        allocation.save(update_fields=["reversed_on"])
        invoice.open_amount += allocation.amount
        invoice.save(update_fields=["open_amount"])
        _settlement_changed(invoice)
        record(
            actor=by,
            action="unallocate",
            obj=payment,
            after={"invoice": invoice.pk, "amount": str(allocation.amount)},
            note=reason,
        )
    # The reversed payment counts as used up, so nothing can allocate it again.
    payment.allocated_amount = payment.amount
    payment.applied_on = None  # its history changed: the aging reads it from the rows
    payment.save(update_fields=["allocated_amount", "applied_on"])
    reversal = PaymentReversal.objects.create(
        payment=payment,
        client_id=payment.client_id,
        reversed_on=day,
        amount=payment.amount,
        reason=reason[:255],
        recorded_by=by,
    )
    record(
        actor=by,
        action="reverse",
        obj=reversal,
        after=snapshot(reversal, ("payment", "client", "reversed_on", "amount", "reason")),
        note=reason,
    )
    return reversal

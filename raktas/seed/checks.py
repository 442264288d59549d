"""Checks that a seeded (or any) database keeps the ledger invariants, by recomputing
every stored sum in SQL — fast enough to run after seeding a million invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import (
    Case,
    DecimalField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from raktas.core.money import ZERO
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def _off_by_a_cent_or_more() -> Q:
    # SQLite keeps decimals as REAL, so a sum there can be 1e-12 off; PostgreSQL's
    # numeric is exact. Amounts are whole cents, so half a cent separates right from wrong.
    half_cent = Decimal("0.005")
    return Q(diff__gte=half_cent) | Q(diff__lte=-half_cent)


def invoices_with_wrong_open_amount() -> int:
    """Invoices whose open_amount ≠ gross − live allocations − credit notes against them."""
    allocated = Coalesce(
        Subquery(
            Allocation.objects.filter(invoice=OuterRef("pk"), reversed_on__isnull=True)
            .order_by()
            .values("invoice")
            .annotate(s=Sum("amount"))
            .values("s")[:1],
            output_field=_MONEY,
        ),
        Value(ZERO),
        output_field=_MONEY,
    )
    credited = Coalesce(
        Subquery(
            CreditNote.objects.filter(invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(s=Sum("gross_total"))
            .values("s")[:1],
            output_field=_MONEY,
        ),
        Value(ZERO),
        output_field=_MONEY,
    )
    return (
        Invoice.objects.annotate(diff=F("open_amount") - (F("gross_total") - allocated - credited))
        .filter(_off_by_a_cent_or_more())
        .count()
    )


def invoices_with_wrong_history() -> int:
    """Invoices whose history dates are not what their rows say: ``first_touched_on``
    (the first allocation or credit note, NULL if none), ``last_touched_on`` (the last
    of the issue, allocations, reversals and credit notes) and ``settled_on`` (the last
    touch when nothing is open, else NULL). The aging reads open amounts on past days
    through them (raktas.receivables.aging)."""

    def agg(model: Any, fn: Any, column: str) -> Subquery:
        rows = model.objects.filter(invoice_id=OuterRef("pk")).order_by().values("invoice_id")
        return Subquery(rows.annotate(d=fn(column)).values("d")[:1])

    a_first, c_first = agg(Allocation, Min, "allocated_on"), agg(CreditNote, Min, "issue_date")
    issued = F("issue_date")
    never = Value(dt.date(1, 1, 1))
    expected_last = Greatest(
        issued,
        Coalesce(agg(Allocation, Max, "allocated_on"), issued),
        Coalesce(agg(Allocation, Max, "reversed_on"), issued),
        Coalesce(agg(CreditNote, Max, "issue_date"), issued),
    )
    return (
        Invoice.objects.annotate(
            first=Coalesce(Least(Coalesce(a_first, c_first), Coalesce(c_first, a_first)), never),
            last=expected_last,
            settled=Case(When(open_amount=0, then=expected_last), default=never),
        )
        .exclude(
            Q(first=Coalesce(F("first_touched_on"), never))
            & Q(last=Coalesce(F("last_touched_on"), never))
            & Q(settled=Coalesce(F("settled_on"), never))
        )
        .count()
    )


def payments_with_wrong_allocated_amount() -> int:
    """Payments whose allocated_amount ≠ the sum of their allocations (reversed payments
    count as fully used, see ``PaymentReversal``)."""
    allocated = Coalesce(
        Subquery(
            Allocation.objects.filter(payment=OuterRef("pk"))
            .order_by()
            .values("payment")
            .annotate(s=Sum("amount"))
            .values("s")[:1],
            output_field=_MONEY,
        ),
        Value(ZERO),
        output_field=_MONEY,
    )
    qs = Payment.objects.annotate(diff=F("allocated_amount") - allocated)
    if hasattr(Payment, "reversal"):
        qs = qs.filter(reversal__isnull=True)
    return qs.filter(_off_by_a_cent_or_more()).count()


def book_totals() -> dict[str, Decimal]:
    """The whole book two ways: invoices − payments − credit notes (+ payment reversals)
    must equal open invoices − unallocated payments − credit notes not against an invoice."""

    def total(qs: QuerySet[Any], field: str) -> Decimal:
        return qs.aggregate(s=Sum(field))["s"] or ZERO

    invoiced = total(Invoice.objects.all(), "gross_total")
    paid = total(Payment.objects.all(), "amount")
    credited = total(CreditNote.objects.all(), "gross_total")
    open_ = total(Invoice.objects.filter(open_amount__gt=0), "open_amount")
    unallocated = total(Payment.objects.all(), "amount") - total(
        Payment.objects.all(), "allocated_amount"
    )
    loose_credit = total(CreditNote.objects.filter(Q(invoice__isnull=True)), "gross_total")
    reversed_ = ZERO
    if apps.is_installed("raktas.ledger") and "paymentreversal" in apps.all_models["ledger"]:
        reversed_ = total(apps.get_model("ledger", "PaymentReversal").objects.all(), "amount")
    return {
        "balance": invoiced - paid - credited + reversed_,
        "from_open_items": open_ - unallocated - loose_credit,
    }

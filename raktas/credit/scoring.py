"""The credit score: 0–100 points from payment behaviour, a grade, and a suggested limit.

Six factors, each worth at most the points shown (docs/credit.md has the table):

=====================  ====  ==============================================================
factor                 max   full points … no points
=====================  ====  ==============================================================
average days late       30   0 days … 60+ days (paid late, or still open past due)
share overdue           20   nothing overdue … all of the open amount overdue
trend                   10   recent lateness no worse than before … 30+ days worse
broken promises         15   none in 12 months … 3 or more (−5 each)
tenure                  10   24+ months since the first invoice … a new client
exposure against limit  15   at most half the limit used … the limit reached
=====================  ====  ==============================================================

Where there is no history to judge a factor, it gets half its points and says so.
Grades: A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, E below.

Suggested limit = average monthly sales (gross, last 12 months, or the months since
the first invoice if fewer) × (payment terms in months + 1) × the grade's factor
(A 1.5, B 1.2, C 1.0, D 0.5, E 0), rounded down to 100. A client on time carries
about "terms" of invoices open plus a month of orders in flight; the grade scales
that up or down. With no sales in 12 months the current limit is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from raktas.clients.models import Client
from raktas.clients.timeline import timeline_add
from raktas.collection.models import PromiseStatus, PromiseToPay
from raktas.core.messages import render_english
from raktas.core.money import ZERO, q2
from raktas.credit.models import CreditScore, Grade
from raktas.credit.services import exposure_of
from raktas.ledger.models import Allocation, Invoice
from raktas.org.access import today

YEAR = dt.timedelta(days=365)
RECENT = dt.timedelta(days=90)
GRADE_FLOORS = ((80, Grade.A), (65, Grade.B), (50, Grade.C), (35, Grade.D))
LIMIT_FACTORS = {
    Grade.A: Decimal("1.5"),
    Grade.B: Decimal("1.2"),
    Grade.C: Decimal("1.0"),
    Grade.D: Decimal("0.5"),
    Grade.E: Decimal("0"),
}


# A text as its message (an English template, marked for translation) and parameters,
# rendered in the reader's language when shown (raktas.core.messages.render):
# scores are computed at night, in no one's language.
Text = tuple[str, dict[str, Any]]


def _t(message: str, **params: Any) -> Text:
    return (message, params)


def _num(value: Decimal | int) -> dict[str, str]:
    return {"number": str(value)}


def _amount(value: Decimal) -> dict[str, str]:
    return {"amount": str(value)}


FACTOR_LABELS = {
    "days_late": gettext_noop("Average days late"),
    "share_overdue": gettext_noop("Share overdue"),
    "trend": gettext_noop("Trend"),
    "broken_promises": gettext_noop("Broken promises"),
    "tenure": gettext_noop("Tenure"),
    "utilisation": gettext_noop("Exposure against limit"),
}


@dataclass(frozen=True)
class Factor:
    key: str
    value_text: Text
    points: int
    max_points: int
    why_text: Text

    @property
    def label(self) -> str:
        return FACTOR_LABELS[self.key]

    @property
    def value(self) -> str:
        return render_english(*self.value_text)

    @property
    def why(self) -> str:
        return render_english(*self.why_text)

    def as_dict(self) -> dict[str, Any]:
        """English label, value and why (the API's), and their messages for the page."""
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "points": self.points,
            "max_points": self.max_points,
            "why": self.why,
            "texts": {"value": list(self.value_text), "why": list(self.why_text)},
        }


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    factors: list[Factor]
    suggested_limit: Decimal
    suggested_limit_text: Text

    @property
    def suggested_limit_why(self) -> str:
        return render_english(*self.suggested_limit_text)


@dataclass(frozen=True)
class Lateness:
    """Days late weighted by amount: ``(days, amount)`` pairs."""

    pairs: list[tuple[int, Decimal]]

    @property
    def weight(self) -> Decimal:
        return sum((amount for _d, amount in self.pairs), ZERO)

    @property
    def average(self) -> Decimal | None:
        weight = self.weight
        if weight <= 0:
            return None
        total = sum((Decimal(days) * amount for days, amount in self.pairs), ZERO)
        return (total / weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Behaviour:
    """What the score is computed from (gathered by ``behaviour_of``)."""

    paid: list[tuple[dt.date, int, Decimal]]  # (payment date, days late, amount)
    open_overdue: list[tuple[int, Decimal]]  # (days overdue, open amount)
    open_total: Decimal
    overdue_total: Decimal
    broken_promises: int
    first_invoice: dt.date | None
    sales_12m: Decimal
    exposure: Decimal
    credit_limit: Decimal
    payment_terms_days: int


def _scale(points: int, good: Decimal, bad: Decimal, value: Decimal) -> int:
    """``points`` at ``good`` or better, 0 at ``bad`` or worse, linear between."""
    share = (value - bad) / (good - bad)
    share = min(max(share, Decimal(0)), Decimal(1))
    return int((share * points).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def behaviour_of(client: Client, *, on: dt.date) -> Behaviour:

    since = on - YEAR
    # A reversed (bounced) payment settled nothing: its allocations do not count.
    allocations = Allocation.objects.filter(
        invoice__client_id=client.pk,
        payment__received_on__gt=since,
        payment__received_on__lte=on,
        reversed_on__isnull=True,
    ).values_list("payment__received_on", "invoice__due_date", "amount")
    paid = [
        (received, max((received - due).days, 0), amount) for received, due, amount in allocations
    ]
    open_rows = list(
        Invoice.objects.filter(
            client_id=client.pk, open_amount__gt=0, issue_date__lte=on
        ).values_list("due_date", "open_amount")
    )
    open_overdue = [((on - due).days, amount) for due, amount in open_rows if due < on]
    broken = PromiseToPay.objects.filter(
        client_id=client.pk, status=PromiseStatus.BROKEN, promised_on__gt=since
    ).count()
    invoices = Invoice.objects.filter(client_id=client.pk)
    first = invoices.aggregate(first=Min("issue_date"))["first"]
    sales = invoices.filter(issue_date__gt=since, issue_date__lte=on).aggregate(
        s=Sum("gross_total")
    )["s"]
    exposure = exposure_of(client, on=on)
    return Behaviour(
        paid=paid,
        open_overdue=open_overdue,
        open_total=sum((amount for _due, amount in open_rows), ZERO),
        overdue_total=sum((amount for _days, amount in open_overdue), ZERO),
        broken_promises=broken,
        first_invoice=first,
        sales_12m=q2(sales or ZERO),
        exposure=exposure.exposure,
        credit_limit=client.credit_limit,
        payment_terms_days=client.payment_terms_days,
    )


def _months_between(start: dt.date, end: dt.date) -> int:
    return max((end.year - start.year) * 12 + end.month - start.month, 0)


def score_behaviour(b: Behaviour, *, on: dt.date, current_limit: Decimal) -> ScoreResult:
    """Score ``b`` (pure: no database)."""
    factors: list[Factor] = []

    # 1. Average days late: what was paid (days after due) and what is still open past
    # due (days so far), weighted by amount.
    late = Lateness([(d, a) for _r, d, a in b.paid] + b.open_overdue)
    avg = late.average
    if avg is None:
        factors.append(
            Factor("days_late", _t("—"), 15, 30, _t(gettext_noop("No payment history yet.")))
        )
    else:
        factors.append(
            Factor(
                "days_late",
                _t(gettext_noop("%(days)s days"), days=_num(avg)),
                _scale(30, Decimal(0), Decimal(60), avg),
                30,
                _t(
                    gettext_noop(
                        "Amount-weighted days past due over 12 months, paid and still open; "
                        "0 days earns 30 points, 60 or more none."
                    )
                ),
            )
        )

    # 2. Share of the open amount that is overdue.
    if b.open_total <= 0:
        factors.append(
            Factor(
                "share_overdue",
                _t(gettext_noop("%(pct)s %%"), pct=_num(0)),
                20,
                20,
                _t(gettext_noop("Nothing is open.")),
            )
        )
    else:
        share = (b.overdue_total / b.open_total * 100).quantize(Decimal("0.1"))
        factors.append(
            Factor(
                "share_overdue",
                _t(gettext_noop("%(pct)s %%"), pct=_num(share)),
                _scale(20, Decimal(0), Decimal(100), share),
                20,
                _t(
                    gettext_noop("%(overdue)s of %(open)s open is past due."),
                    overdue=_amount(b.overdue_total),
                    open=_amount(b.open_total),
                ),
            )
        )

    # 3. Trend: lateness in the last 90 days against the 9 months before.
    recent_from = on - RECENT
    recent = Lateness([(d, a) for r, d, a in b.paid if r > recent_from] + b.open_overdue)
    older = Lateness([(d, a) for r, d, a in b.paid if r <= recent_from])
    if recent.average is None or older.average is None:
        factors.append(
            Factor(
                "trend",
                _t("—"),
                5,
                10,
                _t(
                    gettext_noop(
                        "Not enough history to compare the last 90 days with the months before."
                    )
                ),
            )
        )
    else:
        delta = recent.average - older.average
        why = (
            gettext_noop("Last 90 days %(recent)s days late against %(older)s before: worse.")
            if delta > 0
            else gettext_noop(
                "Last 90 days %(recent)s days late against %(older)s before: better or the same."
            )
        )
        factors.append(
            Factor(
                "trend",
                _t(gettext_noop("%(days)s days"), days={"signed": str(delta)}),
                _scale(10, Decimal(0), Decimal(30), delta),
                10,
                _t(why, recent=_num(recent.average), older=_num(older.average)),
            )
        )

    # 4. Broken promises to pay in the last 12 months.
    factors.append(
        Factor(
            "broken_promises",
            _t("%(n)s", n=b.broken_promises),
            max(15 - 5 * b.broken_promises, 0),
            15,
            _t(gettext_noop("Each broken promise to pay in 12 months costs 5 points.")),
        )
    )

    # 5. Tenure: months since the first invoice.
    months = _months_between(b.first_invoice, on) if b.first_invoice else 0
    factors.append(
        Factor(
            "tenure",
            _t(gettext_noop("months: %(n)s"), n=months),
            _scale(10, Decimal(24), Decimal(0), Decimal(months)),
            10,
            _t(gettext_noop("Months since the first invoice; 24 or more earn all 10 points."))
            if b.first_invoice
            else _t(gettext_noop("No invoice yet.")),
        )
    )

    # 6. Exposure against the limit.
    if b.credit_limit <= 0:
        points = 15 if b.exposure <= 0 else 0
        factors.append(
            Factor(
                "utilisation",
                _t("%(exposure)s / 0", exposure=_amount(b.exposure)),
                points,
                15,
                _t(
                    gettext_noop(
                        "No credit limit: only a client who owes nothing earns these points."
                    )
                ),
            )
        )
    else:
        used = (b.exposure / b.credit_limit * 100).quantize(Decimal("0.1"))
        factors.append(
            Factor(
                "utilisation",
                _t(gettext_noop("%(pct)s %%"), pct=_num(used)),
                _scale(15, Decimal(50), Decimal(100), used),
                15,
                _t(
                    gettext_noop(
                        "Exposure %(exposure)s of the limit %(limit)s; up to half used earns "
                        "15 points, the full limit none."
                    ),
                    exposure=_amount(b.exposure),
                    limit=_amount(b.credit_limit),
                ),
            )
        )

    score = max(0, min(100, sum(f.points for f in factors)))
    grade = next((g for floor, g in GRADE_FLOORS if score >= floor), Grade.E)
    limit, limit_why = suggest_limit(b, grade=grade, months=months, current=current_limit)
    return ScoreResult(score, str(grade), factors, limit, limit_why)


def suggest_limit(
    b: Behaviour, *, grade: str, months: int, current: Decimal
) -> tuple[Decimal, Text]:
    if b.sales_12m <= 0:
        return current, _t(gettext_noop("No sales in the last 12 months: keep the current limit."))
    span = min(max(months, 1), 12)
    monthly = b.sales_12m / span
    terms_months = Decimal(b.payment_terms_days) / 30 + 1
    factor = LIMIT_FACTORS[Grade(grade)]
    raw = monthly * terms_months * factor
    limit = (raw / 100).quantize(Decimal(1), rounding=ROUND_DOWN) * 100
    limit = Decimal(limit).quantize(Decimal("0.01"))
    why = _t(
        gettext_noop(
            "Monthly sales %(sales)s × (terms %(days)s days / 30 + 1) × grade %(grade)s "
            "factor %(factor)s, rounded down to 100."
        ),
        sales=_amount(monthly.quantize(Decimal("0.01"))),
        days=b.payment_terms_days,
        grade=str(grade),
        factor=_num(factor),
    )
    return limit, why


def credit_score_compute(client: Client, *, on: dt.date | None = None) -> ScoreResult:
    day = on or today()
    return score_behaviour(behaviour_of(client, on=day), on=day, current_limit=client.credit_limit)


@transaction.atomic
def credit_score_refresh(client: Client, *, on: dt.date | None = None) -> CreditScore:
    """Compute and store the client's score; a change of grade lands in the timeline."""
    result = credit_score_compute(client, on=on)
    previous = CreditScore.objects.select_for_update().filter(client=client).first()
    old_grade = previous.grade if previous else None
    stored, _created = CreditScore.objects.update_or_create(
        client=client,
        defaults={
            "score": result.score,
            "grade": result.grade,
            "factors": [f.as_dict() for f in result.factors],
            "suggested_limit": result.suggested_limit,
            "suggested_limit_why": result.suggested_limit_why[:255],
            "suggested_limit_text": list(result.suggested_limit_text),
            "computed_at": timezone.now(),
        },
    )
    if old_grade is not None and old_grade != result.grade:
        timeline_add(
            client_id=client.pk,
            kind="score",
            message=gettext_noop("Credit grade %(old)s → %(new)s (score %(score)s)."),
            params={"old": old_grade, "new": result.grade, "score": result.score},
        )
    return stored


def credit_scores_refresh_all(*, on: dt.date | None = None) -> int:
    """Recompute every client's score (nightly). One transaction per client."""
    count = 0
    for client in Client.objects.order_by("pk").iterator(chunk_size=500):
        credit_score_refresh(client, on=on)
        count += 1
    return count

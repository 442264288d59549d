"""The credit score: factors from payment behaviour, grade, suggested limit, refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from raktas.clients.models import TimelineEvent
from raktas.collection.models import PromiseToPay
from raktas.core.tasks import run_queued_tasks
from raktas.credit.models import CreditScore
from raktas.credit.scoring import (
    Behaviour,
    credit_score_compute,
    credit_score_refresh,
    credit_scores_refresh_all,
    score_behaviour,
)
from raktas.ledger.services import payment_record
from raktas.testing.credit import invoice, set_limit

ON = dt.date(2026, 11, 28)


def behaviour(**overrides: Any) -> Behaviour:
    base: dict[str, Any] = {
        "paid": [],
        "open_overdue": [],
        "open_total": Decimal("0"),
        "overdue_total": Decimal("0"),
        "broken_promises": 0,
        "first_invoice": ON - dt.timedelta(days=800),
        "sales_12m": Decimal("120000"),
        "exposure": Decimal("0"),
        "credit_limit": Decimal("20000"),
        "payment_terms_days": 30,
    }
    return Behaviour(**(base | overrides))


def factors(result) -> dict[str, int]:
    return {f.key: f.points for f in result.factors}


def test_a_client_paying_on_time_for_years_scores_100_grade_a():
    paid = [(ON - dt.timedelta(days=d), 0, Decimal("1000")) for d in (10, 100, 200)]
    result = score_behaviour(behaviour(paid=paid), on=ON, current_limit=Decimal("20000"))
    assert result.score == 100
    assert result.grade == "A"
    assert factors(result) == {
        "days_late": 30,
        "share_overdue": 20,
        "trend": 10,
        "broken_promises": 15,
        "tenure": 10,
        "utilisation": 15,
    }
    # 10,000 a month × (30/30 + 1) × 1.5
    assert result.suggested_limit == Decimal("30000.00")
    assert "grade A" in result.suggested_limit_why


def test_lateness_overdue_share_and_broken_promises_cost_points():
    paid = [
        (ON - dt.timedelta(days=200), 0, Decimal("1000")),  # on time, long ago
        (ON - dt.timedelta(days=20), 30, Decimal("1000")),  # 30 days late, recently
    ]
    result = score_behaviour(
        behaviour(
            paid=paid,
            open_overdue=[(30, Decimal("1000"))],
            open_total=Decimal("2000"),
            overdue_total=Decimal("1000"),
            broken_promises=2,
            exposure=Decimal("15000"),
        ),
        on=ON,
        current_limit=Decimal("20000"),
    )
    points = factors(result)
    # weighted average lateness (0 + 30 + 30) / 3 = 20 days → 30 × (1 − 20/60) = 20
    assert points["days_late"] == 20
    assert points["share_overdue"] == 10  # half of the open amount overdue
    assert points["trend"] == 0  # 30 days recently against 0 before
    assert points["broken_promises"] == 5
    assert points["utilisation"] == 8  # 75 % used: 15 × (100 − 75) / 50 = 7.5, rounded half up
    assert result.score == sum(points.values())
    explained = {f.key: f for f in result.factors}
    assert explained["share_overdue"].value == "50.0 %"
    assert "worse" in explained["trend"].why

    # Stored as computed at night, shown in the reader's language with their numbers.
    from django.utils import translation

    from raktas.credit.templatetags.credit_tags import factor_text, text_of

    stored = {f.key: f.as_dict() for f in result.factors}
    assert stored["days_late"]["value"] == "20.0 days"  # the API's English
    with translation.override("lt"):
        assert factor_text(stored["days_late"], "label") == "Vidutinis vėlavimas, d."
        assert factor_text(stored["days_late"], "value") == "20,0 d."
        assert factor_text(stored["share_overdue"], "value") == "50,0 %"
        assert factor_text(stored["trend"], "value") == "+30,0 d."
        assert factor_text(stored["trend"], "why").endswith(": blogiau.")
        assert text_of(list(result.suggested_limit_text)).startswith("Mėnesio pardavimai")
    with translation.override("en"):
        assert factor_text(stored["trend"], "why") == explained["trend"].why
        # A factor stored before its messages were kept shows its English.
        old = {k: v for k, v in stored["tenure"].items() if k != "texts"}
        assert factor_text(old, "why") == old["why"]


def test_a_new_client_gets_half_points_where_there_is_no_history():
    result = score_behaviour(
        behaviour(first_invoice=None, sales_12m=Decimal("0")),
        on=ON,
        current_limit=Decimal("5000"),
    )
    points = factors(result)
    assert points["days_late"] == 15 and points["trend"] == 5 and points["tenure"] == 0
    assert result.suggested_limit == Decimal("5000")
    assert "keep the current limit" in result.suggested_limit_why


def test_grades_follow_the_score():
    bad = behaviour(
        open_overdue=[(90, Decimal("1000"))],
        open_total=Decimal("1000"),
        overdue_total=Decimal("1000"),
        broken_promises=3,
        exposure=Decimal("25000"),
        first_invoice=ON - dt.timedelta(days=40),
    )
    result = score_behaviour(bad, on=ON, current_limit=Decimal("20000"))
    assert result.score < 35 and result.grade == "E"
    assert result.suggested_limit == Decimal("0.00")


def test_score_uses_allocations_against_due_dates(world):
    client = set_limit(world.client_a, "1000.00")
    today = timezone.localdate()
    inv = invoice(
        world,
        client,
        "100.00",
        issued=today - dt.timedelta(days=70),
        due=today - dt.timedelta(days=40),
    )
    payment_record(
        by=world.finance,
        client=client,
        amount=Decimal("100.00"),
        received_on=today - dt.timedelta(days=10),
        allocate=[(inv, Decimal("100.00"))],
    )
    result = credit_score_compute(client)
    days_late = next(f for f in result.factors if f.key == "days_late")
    assert days_late.value == "30.0 days"
    assert days_late.points == 15


def test_refresh_stores_the_score_and_notes_a_grade_change(world):
    client = world.client_a
    stored = credit_score_refresh(client)
    assert CreditScore.objects.get(client=client).score == stored.score
    assert len(stored.factors) == 6
    PromiseToPay.objects.bulk_create(
        PromiseToPay(
            client=client,
            made_on=timezone.localdate() - dt.timedelta(days=10),
            promised_on=timezone.localdate() - dt.timedelta(days=5),
            amount=Decimal("10"),
            recorded_by=world.kam_a,
            status="broken",
        )
        for _ in range(3)
    )
    changed = credit_score_refresh(client)
    assert changed.score == stored.score - 15
    if changed.grade != stored.grade:
        assert TimelineEvent.objects.filter(client=client, kind="score").exists()


def test_nightly_refresh_scores_every_client(world):
    assert credit_scores_refresh_all() == 3
    assert CreditScore.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_payment_recomputes_the_score_once_committed():
    from raktas.testing.personas import build_world

    world = build_world()
    with transaction.atomic():
        payment_record(
            by=world.finance,
            client=world.client_a,
            amount=Decimal("5.00"),
            received_on=timezone.localdate(),
        )
        assert not DBTaskResult.objects.exists()  # not enqueued before the commit
    # Committed: the score task waits on the database queue for the worker.
    assert DBTaskResult.objects.get().task_path == "raktas.credit.tasks.refresh_client_score"
    assert not CreditScore.objects.exists()
    assert run_queued_tasks() == 1
    assert CreditScore.objects.filter(client=world.client_a).exists()

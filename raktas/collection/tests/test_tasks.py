"""Background work on the real database queue (django-tasks-db): the daily run and the
score recompute are enqueued as rows, and a worker pass runs them."""

from __future__ import annotations

import datetime as dt
import signal
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import TaskResultStatus, task_backends
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from raktas.collection.models import DunningStep
from raktas.collection.tasks import daily_collection_run
from raktas.core.exceptions import ValidationFailed
from raktas.core.tasks import run_queued_tasks
from raktas.credit.models import CreditScore
from raktas.credit.tasks import refresh_client_score
from raktas.ledger.services import payment_record
from raktas.testing.credit import invoice


def _overdue(world, client, days):
    due = timezone.localdate() - dt.timedelta(days=days)
    return invoice(world, client, "100.00", issued=due - dt.timedelta(days=30), due=due)


def test_the_configured_backend_is_the_database_queue():
    assert isinstance(task_backends["default"], DatabaseBackend)


def test_collect_enqueue_waits_for_the_worker_then_runs_once(world, capsys):
    inv = _overdue(world, world.client_a, 4)
    call_command("collect", "--enqueue")
    out = capsys.readouterr().out
    # The daily work: collection, credit control's review of dunning holds, scores.
    for job in ("collection", "holds", "scores"):
        assert f"{job}: enqueued as task" in out
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [row.status for row in queued] == [TaskResultStatus.READY] * 3
    assert not DunningStep.objects.filter(invoice=inv).exists()  # nothing ran yet

    assert run_queued_tasks() == 3

    assert {row.status for row in DBTaskResult.objects.all()} == {TaskResultStatus.SUCCESSFUL}
    assert DunningStep.objects.filter(invoice=inv, level__order=1).exists()
    assert CreditScore.objects.filter(client=world.client_a).exists()
    collection = DBTaskResult.objects.get(task_path=daily_collection_run.module_path)
    assert (collection.return_value or {})["steps"] == 1
    assert run_queued_tasks() == 0  # the queue is empty: a second pass runs nothing


@pytest.mark.django_db(transaction=True)
def test_db_worker_batch_command_runs_the_queue(world):
    # Transactional: the worker closes and reopens connections between tasks, as in
    # production, which a test wrapped in one transaction would not survive.
    _overdue(world, world.client_a, 20)
    result = refresh_client_score.enqueue(world.client_a.pk)
    assert not CreditScore.objects.filter(client=world.client_a).exists()
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["client"] == world.client_a.pk
    assert CreditScore.objects.filter(client=world.client_a).exists()


def test_collect_without_enqueue_runs_here_and_prints_summaries(world, capsys):
    _overdue(world, world.client_a, 4)
    call_command("collect", "--date", timezone.localdate().isoformat())
    out = capsys.readouterr().out
    assert '"steps": 1' in out
    assert "scores: {" in out
    assert not DBTaskResult.objects.exists()  # nothing left on the queue


def test_collect_refuses_a_bad_date_and_an_empty_selection(world):
    with pytest.raises(CommandError, match="not a date"):
        call_command("collect", "--date", "31.03.2026")
    with pytest.raises(CommandError, match="nothing to run"):
        call_command("collect", "--scores-only", "--skip-scores")


def test_a_payment_enqueues_the_score_on_commit_and_the_worker_computes_it(
    world, django_capture_on_commit_callbacks
):
    _overdue(world, world.client_a, 20)
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(
            by=world.finance,
            client=world.client_a,
            amount=Decimal("100.00"),
            received_on=timezone.localdate(),
        )
    row = DBTaskResult.objects.get()
    assert row.task_path == refresh_client_score.module_path
    assert row.args_kwargs["args"] == [world.client_a.pk]
    assert not CreditScore.objects.filter(client=world.client_a).exists()

    assert run_queued_tasks() == 1

    assert CreditScore.objects.filter(client=world.client_a).exists()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL


def test_a_rolled_back_payment_enqueues_nothing(world, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationFailed, match="currency"),
    ):
        payment_record(
            by=world.finance,
            client=world.client_a,
            amount=Decimal("1.00"),
            received_on=timezone.localdate(),
            currency="USD",
        )
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
)
def test_the_immediate_backend_still_runs_collect_enqueue_in_process(world, capsys):
    inv = _overdue(world, world.client_a, 4)
    call_command("collect", "--enqueue", "--skip-scores")
    assert "(SUCCESSFUL)" in capsys.readouterr().out
    assert DunningStep.objects.filter(invoice=inv).exists()
    assert run_queued_tasks() == 0

"""The daily collection run, promises to pay and collection tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from raktas.audit.models import AuditEntry
from raktas.clients.models import TimelineEvent
from raktas.collection.models import (
    CollectionTask,
    DunningLetter,
    DunningLevel,
    DunningStep,
    PromiseStatus,
    TaskKind,
    TaskStatus,
)
from raktas.collection.services import (
    collection_run,
    collection_task_done,
    dunning_level_delete,
    dunning_level_update,
    promise_create,
    promises_settle,
    render_template,
)
from raktas.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from raktas.credit.models import CreditHold, HoldKind
from raktas.credit.services import CreditRefused, dunning_holds_review
from raktas.ledger.services import payment_record
from raktas.orders.services import order_submit
from raktas.testing.credit import draft, invoice
from raktas.testing.factories import ContactFactory


@pytest.fixture
def day():
    return timezone.localdate()


def _overdue(world, client, days, gross="100.00", on=None):
    on = on or timezone.localdate()
    due = on - dt.timedelta(days=days)
    return invoice(world, client, gross, issued=due - dt.timedelta(days=30), due=due)


@pytest.mark.django_db
def test_default_ladder_is_installed():
    levels = list(DunningLevel.objects.values_list("days_overdue", "action"))
    assert levels == [
        (3, "reminder_email"),
        (10, "call_task"),
        (30, "formal_letter_pdf"),
        (45, "stop_shipments"),
        (90, "legal_handover"),
    ]


def test_a_reminder_is_emailed_once_per_level_and_invoice(world, day):
    client = world.client_a
    ContactFactory.create(client=client, email="pay@azuolas.test", buying_role="finance")
    ContactFactory.create(client=client, email="buyer@azuolas.test", buying_role="buyer")
    inv = _overdue(world, client, 4)

    report = collection_run(as_of=day)
    assert report.steps == 1 and report.emails == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pay@azuolas.test"]  # the finance contact first
    assert message.cc == [world.kam_a.email]
    # The client is Lithuanian: the Lithuanian text, amounts written the Lithuanian way.
    assert inv.number in message.body and "100,00 EUR" in message.body
    assert "pradelstos" in message.subject
    assert DunningStep.objects.get().outcome == "sent"
    assert TimelineEvent.objects.filter(client=client, kind="reminder").count() == 1

    again = collection_run(as_of=day)
    assert again.steps == 0
    assert len(mail.outbox) == 1
    assert DunningStep.objects.count() == 1


def test_an_invoice_climbs_the_ladder_one_level_at_a_time(world, day):
    client = world.client_a
    ContactFactory.create(client=client, email="pay@azuolas.test", buying_role="finance")
    inv = _overdue(world, client, 4, on=day)
    collection_run(as_of=day)
    collection_run(as_of=day + dt.timedelta(days=7))  # 11 days: call task
    task = CollectionTask.objects.get()
    assert task.kind == TaskKind.DUNNING_CALL
    assert task.assigned_to == world.kam_a
    assert inv.number in task.detail
    collection_run(as_of=day + dt.timedelta(days=27))  # 31 days: formal letter
    letter = DunningLetter.objects.get()
    assert bytes(letter.pdf).startswith(b"%PDF")
    assert mail.outbox[-1].attachments[0].filename == letter.filename
    collection_run(as_of=day + dt.timedelta(days=42))  # 46 days: stop shipments
    hold = CreditHold.objects.get(lifted_at__isnull=True)
    assert hold.kind == HoldKind.STOP_SHIPMENTS
    collection_run(as_of=day + dt.timedelta(days=87))  # 91 days: legal
    assert set(
        CreditHold.objects.filter(lifted_at__isnull=True).values_list("kind", flat=True)
    ) == {"stop_shipments", "legal_handover"}
    steps = list(
        DunningStep.objects.order_by("level__days_overdue").values_list("outcome", flat=True)
    )
    assert steps == ["sent", "task", "letter", "hold", "legal"]
    kinds = set(TimelineEvent.objects.filter(client=client).values_list("kind", flat=True))
    assert {"reminder", "call_task", "letter", "hold_set", "legal"} <= kinds


def test_a_first_run_far_past_due_acts_at_the_highest_level_only(world, day):
    _overdue(world, world.client_a, 50)
    report = collection_run(as_of=day)
    assert report.steps == 1
    assert DunningStep.objects.get().level.action == "stop_shipments"
    assert not CollectionTask.objects.exists()
    assert len(mail.outbox) == 0


def test_one_action_per_client_for_all_invoices_reaching_a_level(world, day):
    ContactFactory.create(client=world.client_a, email="a@x.test")
    ContactFactory.create(client=world.client_b, email="b@x.test")
    _overdue(world, world.client_a, 5)
    _overdue(world, world.client_a, 6)
    _overdue(world, world.client_b, 4)
    report = collection_run(as_of=day)
    assert report.steps == 3
    assert report.emails == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@x.test", "b@x.test"]


def test_a_client_without_email_is_noted_not_mailed(world, day):
    _overdue(world, world.client_a, 4)
    collection_run(as_of=day)
    assert len(mail.outbox) == 0
    assert DunningStep.objects.get().outcome == "no_recipient"
    event = TimelineEvent.objects.get(kind="reminder")
    assert "no contact with an e-mail address" in event.text


def test_stop_shipments_refuses_orders_and_lifts_when_paid(world, day):
    client = world.client_a
    inv = _overdue(world, client, 46, gross="50.00")
    collection_run(as_of=day)
    order = draft(world, client, 1)
    with pytest.raises(CreditRefused) as refused:
        order_submit(by=world.kam_a, order=order)
    assert [r.code for r in refused.value.refusals] == ["stop_shipments", "overdue_debt"]
    payment_record(by=world.finance, client=client, amount=inv.gross_total, received_on=day)
    collection_run(as_of=day)
    # Credit control lifts the hold in its daily review, after the collection run.
    assert dunning_holds_review(as_of=day) == 1
    assert not CreditHold.objects.filter(lifted_at__isnull=True).exists()
    assert TimelineEvent.objects.filter(client=client, kind="hold_lifted").exists()
    order_submit(by=world.kam_a, order=order)


def test_templates_replace_only_known_placeholders():
    text = render_template(
        "{client} owes {total} {currency}; {client.__class__} {unknown}",
        {"client": "UAB A", "total": "1.00", "currency": "EUR"}
        | dict.fromkeys(("invoices", "days", "kam", "today"), ""),
    )
    assert text == "UAB A owes 1.00 EUR; {client.__class__} {unknown}"


def test_the_director_edits_levels_and_the_text_is_used(world, day):
    level = DunningLevel.objects.get(days_overdue=3)
    dunning_level_update(
        by=world.director,
        level=level,
        subject_lt="Priminimas: {client}",
        template_lt="Skola {total} {currency}",
    )
    with pytest.raises(PermissionDenied):
        dunning_level_update(by=world.finance, level=level, days_overdue=5)
    ContactFactory.create(client=world.client_a, email="a@x.test")
    _overdue(world, world.client_a, 3, gross="12.34")
    collection_run(as_of=day)
    assert mail.outbox[0].subject == f"Priminimas: {world.client_a.legal_name}"
    assert mail.outbox[0].body == "Skola 12,34 EUR"
    assert AuditEntry.objects.filter(entity="collection.dunninglevel", action="update").exists()
    with pytest.raises(Conflict):
        dunning_level_delete(by=world.director, level=level)


def test_an_inactive_level_is_skipped(world, day):
    DunningLevel.objects.filter(days_overdue=3).update(active=False)
    _overdue(world, world.client_a, 4)
    assert collection_run(as_of=day).steps == 0


# --- promises --------------------------------------------------------------------


def test_a_kept_promise_is_marked_kept(world, day):
    promise = promise_create(
        by=world.kam_a,
        client=world.client_a,
        promised_on=day + dt.timedelta(days=5),
        amount=Decimal("80.00"),
    )
    payment_record(
        by=world.finance, client=world.client_a, amount=Decimal("80.00"), received_on=day
    )
    assert promises_settle(as_of=day) == ["kept"]
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT


def test_a_broken_promise_alerts_the_kam(world, day):
    promise = promise_create(
        by=world.kam_a,
        client=world.client_a,
        promised_on=day + dt.timedelta(days=2),
        amount=Decimal("80.00"),
    )
    payment_record(
        by=world.finance, client=world.client_a, amount=Decimal("30.00"), received_on=day
    )
    assert promises_settle(as_of=day + dt.timedelta(days=2)) == []  # still its day
    report = collection_run(as_of=day + dt.timedelta(days=3))
    assert report.promises_broken == 1
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    task = CollectionTask.objects.get(kind=TaskKind.BROKEN_PROMISE)
    assert task.assigned_to == world.kam_a and task.promise == promise
    event = TimelineEvent.objects.get(kind="promise_broken")
    assert "30.00" in event.text


def test_an_open_promise_pauses_dunning_until_its_date(world, day):
    _overdue(world, world.client_a, 4)
    promise_create(
        by=world.kam_a,
        client=world.client_a,
        promised_on=day + dt.timedelta(days=3),
        amount=Decimal("100.00"),
    )
    assert collection_run(as_of=day).steps == 0
    assert collection_run(as_of=day + dt.timedelta(days=4)).steps == 1


@pytest.mark.parametrize(
    "name,allowed",
    [
        ("kam_a", True),
        ("deputy", True),
        ("head", True),
        ("finance", True),
        ("director", True),
        ("kam_b", False),
        ("desk", False),
    ],
)
def test_who_may_record_a_promise(world, day, name, allowed):
    def make():
        return promise_create(
            by=world.persona(name), client=world.client_a, promised_on=day, amount=Decimal("1.00")
        )

    if allowed:
        assert make().recorded_by == world.persona(name)
    else:
        with pytest.raises(PermissionDenied):
            make()


def test_a_promise_needs_a_future_date_and_a_positive_amount(world, day):
    with pytest.raises(ValidationFailed):
        promise_create(
            by=world.kam_a,
            client=world.client_a,
            promised_on=day - dt.timedelta(days=1),
            amount=Decimal(1),
        )
    with pytest.raises(ValidationFailed):
        promise_create(by=world.kam_a, client=world.client_a, promised_on=day, amount=Decimal(0))


def test_a_task_is_closed_with_its_outcome(world, day):
    _overdue(world, world.client_a, 11)
    collection_run(as_of=day)
    task = CollectionTask.objects.get()
    with pytest.raises(PermissionDenied):
        collection_task_done(by=world.kam_b, task=task, outcome="not mine")
    done = collection_task_done(by=world.deputy, task=task, outcome="Will pay Friday")
    assert done.status == TaskStatus.DONE and done.done_by == world.deputy
    with pytest.raises(Conflict):
        collection_task_done(by=world.kam_a, task=task)
    assert TimelineEvent.objects.filter(kind="task_done", text__contains="Will pay Friday").exists()


def test_tasks_and_timeline_written_by_the_nightly_run_read_in_the_readers_language(world, day):
    """The run writes in no one's language: the call task's title, the timeline events
    and the amounts in them come out in the language of whoever reads them later, and
    the English text stays stored for the API."""
    from django.utils import translation

    _overdue(world, world.client_a, 11, gross="1234.50")
    collection_run(as_of=day)
    task = CollectionTask.objects.get(kind=TaskKind.DUNNING_CALL)
    legal = world.client_a.legal_name
    assert task.title == f"Call {legal} about overdue invoices (1): €1,234.50"
    event = TimelineEvent.objects.get(kind="call_task")
    assert event.text.endswith(", €1,234.50.")
    with translation.override("lt"):
        assert (
            task.display_title
            == f"Skambinti {legal} dėl pradelstų sąskaitų (1): 1\u00a0234,50\u00a0€"
        )
        assert event.display_text.startswith("Skambučio užduotis")
        assert event.display_text.endswith("1\u00a0234,50\u00a0€.")
    with translation.override("en"):
        assert task.display_title == task.title
        assert event.display_text == event.text

    collection_task_done(by=world.kam_a, task=task, outcome="Pays Friday")
    done = TimelineEvent.objects.get(kind="task_done")
    assert done.text == f"{task.title} — done: Pays Friday"
    with translation.override("lt"):
        assert done.display_text == f"{task.display_title} — atlikta: Pays Friday"


def test_an_event_written_before_messages_were_kept_shows_its_stored_text(world):
    from django.utils import translation

    event = TimelineEvent.objects.create(client=world.client_a, kind="score", text="Old text.")
    with translation.override("lt"):
        assert event.display_text == "Old text."

"""Collection: the daily dunning run, promises to pay, call tasks, dunning levels.

The daily run (``collection_run``), for the day ``as_of``:

1. settles open promises to pay: kept when enough was paid, broken when the date
   passed without it (timeline event and a follow-up task for the KAM);
2. puts each overdue invoice on the highest active dunning level its days overdue
   reach, unless it is already on that level or a higher one (one ``DunningStep``
   per invoice and level, so re-running a day does nothing twice); clients with an
   open promise not yet due are left alone;
3. performs each level's action once per client for the invoices that reached it:
   reminder e-mail, call task for the KAM, formal letter (PDF, e-mailed), stop
   shipments or legal handover (credit holds that ``order_submit`` respects)
   — credit control sets the hold (``DunningEscalated``) and lifts it in its own
   daily review once nothing is overdue past the level that set it.

Each client is handled in its own transaction, so one failure (an SMTP error) leaves
that client for the next run and the others done.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from raktas.audit.services import record, snapshot
from raktas.clients.models import BuyingRole, Client
from raktas.clients.timeline import timeline_add
from raktas.collection.events import DunningEscalated
from raktas.collection.letters import LetterLine, render_letter
from raktas.collection.models import (
    CollectionTask,
    DunningAction,
    DunningLetter,
    DunningLevel,
    DunningStep,
    PromiseStatus,
    PromiseToPay,
    TaskKind,
    TaskStatus,
)
from raktas.core import formatting
from raktas.core.events import publish
from raktas.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from raktas.core.messages import day_param, message_param, money_param, render_english
from raktas.core.money import ZERO, q2
from raktas.core.services import assign, validate
from raktas.ledger.models import Invoice, Payment
from raktas.org.access import sets_company_rules, today, works_debt
from raktas.org.models import User

logger = logging.getLogger("raktas.collection")

LEVEL_FIELDS = (
    "order",
    "name",
    "days_overdue",
    "action",
    "subject_en",
    "subject_lt",
    "template_en",
    "template_lt",
    "active",
)
PROMISE_FIELDS = ("client", "made_on", "promised_on", "amount", "note", "status")

DEFAULT_SUBJECTS = {
    "en": "Overdue invoices of {client}",
    "lt": "{client}: pradelstos sąskaitos",
}
DEFAULT_TEXTS = {
    "en": (
        "Dear client,\n\nour records show that the following invoices of {client} are "
        "overdue, {total} {currency} in all:\n{invoices}\n\nPlease pay them at your "
        "earliest convenience, or tell us when you will.\n\nKind regards,\n{kam}"
    ),
    "lt": (
        "Gerbiamas kliente,\n\nmūsų duomenimis, šios {client} sąskaitos yra pradelstos, "
        "iš viso {total} {currency}:\n{invoices}\n\nPrašome jas apmokėti kuo skubiau arba "
        "praneškite, kada sumokėsite.\n\nPagarbiai\n{kam}"
    ),
}
_PLACEHOLDER = re.compile(r"\{(client|invoices|total|currency|days|kam|today)\}")


def render_template(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders only; any other brace stays as written (no
    format-string access to objects from a template the director edits)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def language_of(client: Client) -> str:
    return "lt" if client.country.upper() == "LT" else "en"


# --- who may do what ------------------------------------------------------------------


def _require_director(user: User) -> None:
    if not sets_company_rules(user):
        raise PermissionDenied("Only the commercial director sets the dunning levels.")


# --- dunning levels -------------------------------------------------------------------


@transaction.atomic
def dunning_level_create(*, by: User, **data: Any) -> DunningLevel:
    _require_director(by)
    level = DunningLevel()
    assign(level, data, LEVEL_FIELDS)
    validate(level)
    level.save()
    record(actor=by, action="create", obj=level, after=snapshot(level, LEVEL_FIELDS))
    return level


@transaction.atomic
def dunning_level_update(*, by: User, level: DunningLevel, **data: Any) -> DunningLevel:
    _require_director(by)
    level = DunningLevel.objects.select_for_update().get(pk=level.pk)
    before = snapshot(level, LEVEL_FIELDS)
    assign(level, data, LEVEL_FIELDS)
    validate(level)
    level.save()
    record(actor=by, action="update", obj=level, before=before, after=snapshot(level, LEVEL_FIELDS))
    return level


@transaction.atomic
def dunning_level_delete(*, by: User, level: DunningLevel) -> None:
    """Delete a level no invoice reached yet; one with history can only be deactivated."""
    _require_director(by)
    if DunningStep.objects.filter(level=level).exists():
        raise Conflict(
            "This level has history; set it inactive instead.", code="level_in_use", field="active"
        )
    before = snapshot(level, LEVEL_FIELDS)
    pk = level.pk
    level.delete()
    record(actor=by, action="delete", entity="collection.dunninglevel", entity_id=pk, before=before)


# --- promises to pay ----------------------------------------------------------------


@transaction.atomic
def promise_create(
    *,
    by: User,
    client: Client,
    promised_on: dt.date,
    amount: Decimal,
    note: str = "",
) -> PromiseToPay:
    """Record that the client promised to pay ``amount`` by ``promised_on``."""
    if not works_debt(by, client):
        raise PermissionDenied("This client is not in your book.", code="not_your_client")
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(
            "amount: a positive amount with at most two decimals", field="amount"
        )
    made_on = today()
    if promised_on < made_on:
        raise ValidationFailed("promised_on: must not be in the past", field="promised_on")
    promise = PromiseToPay.objects.create(
        client=client,
        made_on=made_on,
        promised_on=promised_on,
        amount=amount,
        note=note[:255],
        recorded_by=by,
    )
    record(actor=by, action="create", obj=promise, after=snapshot(promise, PROMISE_FIELDS))
    params = {
        "amount": money_param(amount, client.currency),
        "day": day_param(promised_on),
        "note": promise.note,
    }
    timeline_add(
        client_id=client.pk,
        kind="promise",
        message=gettext_noop("Promised to pay %(amount)s by %(day)s: %(note)s")
        if promise.note
        else gettext_noop("Promised to pay %(amount)s by %(day)s"),
        params=params,
        actor=by,
    )
    return promise


def paid_towards(promise: PromiseToPay, *, until: dt.date) -> Decimal:
    """Payments the client made from the day of the promise through ``until``."""
    total = Payment.objects.filter(
        client_id=promise.client_id,
        received_on__gte=promise.made_on,
        received_on__lte=until,
        reversal__isnull=True,  # a bounced payment kept no promise
    ).aggregate(s=Sum("amount"))["s"]
    return q2(total or ZERO)


@transaction.atomic
def promises_settle(*, client_id: int | None = None, as_of: dt.date | None = None) -> list[str]:
    """Mark open promises kept (enough paid by their date) or broken (date passed
    without it). A broken promise lands in the timeline and gives the KAM a task."""
    day = as_of or today()
    qs = PromiseToPay.objects.select_for_update().filter(status=PromiseStatus.OPEN)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    outcomes: list[str] = []
    for promise in qs.select_related("client").order_by("promised_on", "id"):
        paid = paid_towards(promise, until=min(promise.promised_on, day))
        if paid >= promise.amount:
            status = PromiseStatus.KEPT
        elif promise.promised_on < day:
            status = PromiseStatus.BROKEN
        else:
            continue
        before = snapshot(promise, PROMISE_FIELDS)
        promise.status = status
        promise.settled_at = timezone.now()
        promise.save(update_fields=["status", "settled_at"])
        record(
            actor=None,
            action="update",
            obj=promise,
            before=before,
            after=snapshot(promise, PROMISE_FIELDS),
        )
        client = promise.client
        if status == PromiseStatus.KEPT:
            timeline_add(
                client_id=client.pk,
                kind="promise_kept",
                message=gettext_noop("Promise to pay %(amount)s by %(day)s kept."),
                params={
                    "amount": money_param(promise.amount, client.currency),
                    "day": day_param(promise.promised_on),
                },
            )
        else:
            event = timeline_add(
                client_id=client.pk,
                kind="promise_broken",
                message=gettext_noop(
                    "Promise to pay %(amount)s by %(day)s broken: %(paid)s received."
                ),
                params={
                    "amount": money_param(promise.amount, client.currency),
                    "day": day_param(promise.promised_on),
                    "paid": money_param(paid, client.currency),
                },
            )
            title = gettext_noop(
                "%(client)s: promise to pay %(amount)s by %(day)s broken, %(paid)s received"
            )
            title_params = {"client": str(client), **event.params}
            CollectionTask.objects.create(
                client=client,
                assigned_to_id=client.owner_id,
                kind=TaskKind.BROKEN_PROMISE,
                title=render_english(title, title_params)[:200],
                title_message=title,
                title_params=title_params,
                detail="",  # the title says it all, in the reader's language
                due_on=day,
                promise=promise,
            )
        outcomes.append(status)
    return outcomes


# --- collection tasks -------------------------------------------------------------


@transaction.atomic
def collection_task_done(*, by: User, task: CollectionTask, outcome: str = "") -> CollectionTask:
    """Close a call or follow-up task, saying what came of it."""
    task = CollectionTask.objects.select_for_update().select_related("client").get(pk=task.pk)
    if task.assigned_to_id != by.pk and not works_debt(by, task.client):
        raise PermissionDenied("This task is not yours.", code="not_your_task")
    if task.status == TaskStatus.DONE:
        raise Conflict("This task is already done.", code="task_done")
    task.status = TaskStatus.DONE
    task.done_at = timezone.now()
    task.done_by = by
    task.outcome = outcome.strip()
    task.save(update_fields=["status", "done_at", "done_by", "outcome"])
    record(
        actor=by,
        action="update",
        obj=task,
        before={"status": TaskStatus.OPEN},
        after={"status": TaskStatus.DONE, "outcome": task.outcome},
    )
    # The task's title inside the event, in the reader's language as well (a task
    # written before titles kept their message shows its stored English title).
    title: Any = (
        message_param(task.title_message, task.title_params) if task.title_message else task.title
    )
    timeline_add(
        client_id=task.client_id,
        kind="task_done",
        message=gettext_noop("%(task)s — done: %(outcome)s")
        if task.outcome
        else gettext_noop("%(task)s — done"),
        params={"task": title, "outcome": task.outcome},
        actor=by,
    )
    return task


# --- the daily run ------------------------------------------------------------------


@dataclass
class RunReport:
    as_of: dt.date
    steps: int = 0
    emails: int = 0
    tasks: int = 0
    letters: int = 0
    holds: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    failed_clients: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["as_of"] = self.as_of.isoformat()
        return out


def _target(levels: list[DunningLevel], days: int) -> DunningLevel | None:
    """The highest level whose threshold ``days`` reaches (levels sorted by days)."""
    reached = [level for level in levels if level.days_overdue <= days]
    return reached[-1] if reached else None


def _recipients(client: Client) -> list[str]:
    contacts = [c for c in client.contacts.all() if c.email]
    finance = [c.email for c in contacts if c.buying_role == BuyingRole.FINANCE]
    return finance or [c.email for c in contacts]


INVOICE_LINES = {
    "en": "- {number}, due {due}, {amount} {currency} ({days} days overdue)",
    "lt": "- {number}, terminas {due}, {amount} {currency} (pradelsta {days} d.)",
}


def _values(
    client: Client, invoices: list[tuple[Invoice, int]], on: dt.date, language: str = "en"
) -> dict[str, str]:
    total = sum((inv.open_amount for inv, _days in invoices), ZERO)
    listing = "\n".join(
        INVOICE_LINES[language].format(
            number=inv.number,
            due=inv.due_date.isoformat(),
            amount=formatting.number(inv.open_amount, 2, lang=language),
            currency=inv.currency,
            days=days,
        )
        for inv, days in invoices
    )
    owner = client.owner
    return {
        "client": client.legal_name,
        "invoices": listing,
        # Amounts as the letter's reader writes them: 1 473,00 in Lithuanian.
        "total": formatting.number(total, 2, lang=language),
        "currency": client.currency,
        "days": str(max(days for _inv, days in invoices)),
        "kam": owner.get_full_name() or owner.username,
        "today": on.isoformat(),
    }


def _texts(level: DunningLevel, language: str) -> tuple[str, str]:
    subject = getattr(level, f"subject_{language}") or DEFAULT_SUBJECTS[language]
    body = getattr(level, f"template_{language}") or DEFAULT_TEXTS[language]
    return subject, body


def _act(
    client: Client,
    level: DunningLevel,
    invoices: list[tuple[Invoice, int]],
    on: dt.date,
    report: RunReport,
) -> str:
    """Do ``level``'s action for ``client`` once; return the step outcome."""
    language = language_of(client)
    values = _values(client, invoices, on, language)
    total_due = sum((inv.open_amount for inv, _days in invoices), ZERO)
    subject_tpl, body_tpl = _texts(level, language)
    subject = render_template(subject_tpl, values)
    body = render_template(body_tpl, values)
    numbers = ", ".join(inv.number for inv, _days in invoices)
    total = money_param(total_due, client.currency)
    action = level.action
    if action in (DunningAction.REMINDER_EMAIL, DunningAction.FORMAL_LETTER):
        recipients = _recipients(client)
        letter = None
        if action == DunningAction.FORMAL_LETTER:
            pdf = render_letter(
                language=language,
                company=settings.COMPANY_NAME,
                client_name=client.legal_name,
                client_address=", ".join(p for p in (client.address, client.city) if p),
                body=body,
                lines=[
                    LetterLine(inv.number, inv.due_date, days, inv.open_amount)
                    for inv, days in invoices
                ],
                currency=client.currency,
                on=on,
            )
            letter = DunningLetter.objects.create(
                client=client,
                level=level,
                language=language,
                total=total_due,
                currency=client.currency,
                pdf=pdf,
            )
            report.letters += 1
        if recipients:
            owner_email = [client.owner.email] if client.owner.email else []
            email = EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=recipients,
                cc=owner_email,
            )
            if letter is not None:
                email.attach(letter.filename, bytes(letter.pdf), "application/pdf")
            email.send()
            report.emails += 1
            outcome = "letter" if letter else "sent"
            event = (
                gettext_noop(
                    "Formal letter (%(level)s) for %(invoices)s, %(total)s: sent to %(to)s."
                )
                if letter
                else gettext_noop(
                    "Reminder e-mail (%(level)s) for %(invoices)s, %(total)s: sent to %(to)s."
                )
            )
        else:
            outcome = "letter" if letter else "no_recipient"
            event = (
                gettext_noop(
                    "Formal letter (%(level)s) for %(invoices)s, %(total)s: not e-mailed, "
                    "the client has no contact with an e-mail address."
                )
                if letter
                else gettext_noop(
                    "Reminder e-mail (%(level)s) for %(invoices)s, %(total)s: not e-mailed, "
                    "the client has no contact with an e-mail address."
                )
            )
        timeline_add(
            client_id=client.pk,
            kind="letter" if letter else "reminder",
            message=event,
            params={
                "level": level.name,
                "invoices": numbers,
                "total": total,
                "to": ", ".join(recipients),
            },
            link=f"/api/v1/collection/letters/{letter.pk}.pdf" if letter else "",
        )
        return outcome
    if action == DunningAction.CALL_TASK:
        title = gettext_noop("Call %(client)s about overdue invoices (%(count)s): %(total)s")
        title_params = {"client": client.legal_name, "count": len(invoices), "total": total}
        CollectionTask.objects.create(
            client=client,
            assigned_to_id=client.owner_id,
            kind=TaskKind.DUNNING_CALL,
            title=render_english(title, title_params)[:200],
            title_message=title,
            title_params=title_params,
            detail=body,
            due_on=on,
        )
        report.tasks += 1
        timeline_add(
            client_id=client.pk,
            kind="call_task",
            message=gettext_noop("Call task for %(kam)s (%(level)s): %(invoices)s, %(total)s."),
            params={
                "kam": client.owner.get_full_name() or client.owner.get_username(),
                "level": level.name,
                "invoices": numbers,
                "total": total,
            },
        )
        return "task"
    # stop_shipments / legal_handover: credit control holds the client's orders
    # (raktas.credit subscribes); it lifts the hold itself once nothing is overdue past
    # this level any more (its daily holds review).
    publish(
        DunningEscalated(
            client=client,
            level=level,
            reason=f"{level.name}: {numbers} overdue, {total_due} {client.currency}",
        )
    )
    report.holds += 1
    return "legal" if action == DunningAction.LEGAL_HANDOVER else "hold"


def _paused_clients(on: dt.date) -> set[int]:
    """Clients with an open promise to pay whose date has not passed: dunning waits."""
    return set(
        PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_on__gte=on).values_list(
            "client_id", flat=True
        )
    )


def collection_run(*, as_of: dt.date | None = None) -> RunReport:
    """The daily collection run for ``as_of`` (today). Safe to run again: it never
    repeats a level for an invoice."""
    on = as_of or today()
    report = RunReport(as_of=on)
    for outcome in promises_settle(as_of=on):
        if outcome == PromiseStatus.KEPT:
            report.promises_kept += 1
        else:
            report.promises_broken += 1
    levels = list(DunningLevel.objects.filter(active=True).order_by("days_overdue"))
    paused = _paused_clients(on)
    first = levels[0].days_overdue if levels else None
    by_client: dict[int, list[Invoice]] = defaultdict(list)
    if first is not None:
        overdue = Invoice.objects.filter(
            open_amount__gt=0, due_date__lte=on - dt.timedelta(days=first)
        ).order_by("client_id", "due_date", "id")
        for invoice in overdue.iterator(chunk_size=2000):
            if invoice.client_id not in paused:
                by_client[invoice.client_id].append(invoice)
    for client_id in sorted(by_client):
        try:
            with transaction.atomic():
                _run_client(client_id, by_client.get(client_id, []), levels, on, report)
        except Exception:
            # One client's failure (an SMTP error) must not stop the others; nothing of
            # it was recorded, so tomorrow's run tries again.
            logger.exception("collection run: client %s failed", client_id)
            report.failed_clients.append(client_id)
    logger.info("collection run %s: %s", on, report.as_dict())
    return report


def _run_client(
    client_id: int,
    invoices: list[Invoice],
    levels: list[DunningLevel],
    on: dt.date,
    report: RunReport,
) -> None:
    client = (
        Client.objects.select_for_update()
        .select_related("owner")
        .prefetch_related("contacts")
        .get(pk=client_id)
    )
    # invoice id -> the threshold (days) of the highest level it already reached
    reached: dict[int, int] = defaultdict(int)
    for threshold, invoice_id in DunningStep.objects.filter(
        invoice_id__in=[inv.pk for inv in invoices]
    ).values_list("level__days_overdue", "invoice_id"):
        reached[invoice_id] = max(reached[invoice_id], threshold)
    groups: dict[int, list[tuple[Invoice, int]]] = defaultdict(list)
    level_by_id = {level.pk: level for level in levels}
    for invoice in invoices:
        days = (on - invoice.due_date).days
        target = _target(levels, days)
        if target is None:
            continue
        if invoice.pk in reached and reached[invoice.pk] >= target.days_overdue:
            continue
        groups[target.pk].append((invoice, days))
    for level_id in sorted(groups, key=lambda pk: level_by_id[pk].days_overdue):
        level = level_by_id[level_id]
        members = groups[level_id]
        outcome = _act(client, level, members, on, report)
        DunningStep.objects.bulk_create(
            DunningStep(
                invoice=invoice,
                level=level,
                client=client,
                run_on=on,
                days_overdue=days,
                open_amount=invoice.open_amount,
                outcome=outcome,
            )
            for invoice, days in members
        )
        report.steps += len(members)
        record(
            actor=None,
            action="collection.dunning",
            obj=client,
            after={
                "level": level.name,
                "action": level.action,
                "invoices": [inv.number for inv, _d in members],
                "outcome": outcome,
            },
        )

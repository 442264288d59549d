"""What credit control contributes to lower contexts and how it reacts to their events."""

from raktas.clients.timeline import register_kinds
from raktas.collection.events import DunningEscalated
from raktas.collection.models import DunningAction
from raktas.core.events import subscribe
from raktas.core.messages import register_choices
from raktas.core.schedule import register_daily
from raktas.credit.models import HoldKind, RefusalCode, TimelineKind
from raktas.credit.services import admit_order, credit_hold_set
from raktas.credit.tasks import refresh_all_scores, refresh_client_score, review_dunning_holds
from raktas.ledger.events import PaymentRecorded
from raktas.orders.events import OrderSubmitting

register_kinds(TimelineKind)
# Timeline events and messages keep a refusal as {"refusal": code}.
register_choices("refusal", RefusalCode)


@subscribe(OrderSubmitting)
def admit_submitted_order(event: OrderSubmitting) -> None:
    """Credit control admits or refuses every submission, in its transaction."""
    admit_order(order=event.order, by=event.by)


@subscribe(DunningEscalated)
def hold_on_dunning(event: DunningEscalated) -> None:
    """A dunning level that stops orders: hold the client's orders (idempotent)."""
    legal = event.level.action == DunningAction.LEGAL_HANDOVER
    credit_hold_set(
        client=event.client,
        kind=HoldKind.LEGAL if legal else HoldKind.STOP_SHIPMENTS,
        reason=event.reason,
        dunning_level_id=event.level.pk,
    )


@subscribe(PaymentRecorded, on_commit=True)
def rescore_on_payment(event: PaymentRecorded) -> None:
    """Once a payment commits, recompute the client's score in the background (never
    for a payment that rolled back). Scoring is advisory: a queue outage must not fail
    the payment; the nightly recompute catches up."""
    refresh_client_score.enqueue(event.client_id)


register_daily("holds", review_dunning_holds, order=20, takes_date=True)
register_daily("scores", refresh_all_scores, order=30, takes_date=False)

"""Lifetime values stored per client, tier proposals and who may decide them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from raktas.analytics.models import (
    ClientDay,
    ClientValue,
    ModelFit,
    ProposalStatus,
    TierProposal,
)
from raktas.analytics.services import (
    TierRules,
    client_values_refresh,
    propose_tier,
    reason_text,
    tier_proposal_decide,
    tier_proposals_refresh,
)
from raktas.audit.models import AuditEntry
from raktas.clients.models import Tier
from raktas.core.exceptions import IllegalTransition, PermissionDenied, ValidationFailed
from raktas.testing.factories import ClientFactory

AS_OF = dt.date(2026, 11, 28)


def buy(client, day: dt.date, net: str, cost: str = "0") -> None:
    ClientDay.objects.create(
        client=client, day=day, net=Decimal(net), cost=Decimal(cost), invoices=1
    )


@pytest.fixture
def history(world):
    """Thirty clients buying every two to five weeks; two of them singled out."""
    clients = []
    for i in range(30):
        client = ClientFactory.create(owner=world.kam_a, price_column=world.column)
        gap = 14 + 7 * (i % 4)
        day = dt.date(2025, 1, 6) + dt.timedelta(days=i)
        stop = AS_OF if i % 3 else dt.date(2025, 9, 1)  # a third went quiet
        while day <= stop:
            buy(client, day, str(100 + 10 * (i % 5)), str(70 + 5 * (i % 5)))
            day += dt.timedelta(days=gap)
        clients.append(client)
    return clients


@pytest.mark.django_db
def test_values_give_each_client_p_alive_expected_orders_and_a_discounted_npv(history):
    result = client_values_refresh(as_of=AS_OF, months=12, annual_rate=0.10)
    assert result.fit is not None and result.clients == 30
    values = {v.client_id: v for v in ClientValue.objects.all()}
    steady, quiet = values[history[1].pk], values[history[0].pk]
    assert steady.p_alive > 0.8 > quiet.p_alive
    assert steady.expected_orders > quiet.expected_orders
    assert Decimal("0") < steady.npv < steady.expected_margin  # discounted
    assert 0.2 < steady.margin_rate < 0.4
    assert steady.typical_gap_days == pytest.approx(21, abs=1)


@pytest.mark.django_db
def test_a_new_clients_first_order_counts_towards_its_expected_order(history, world):
    """Gamma-Gamma sees repeat purchases only; a client with one order so far gets
    that order shrunk towards the population mean, not the bare mean."""
    small = ClientFactory.create(owner=world.kam_a, price_column=world.column)
    large = ClientFactory.create(owner=world.kam_a, price_column=world.column)
    buy(small, AS_OF - dt.timedelta(days=3), "20")
    buy(large, AS_OF - dt.timedelta(days=3), "5000")
    client_values_refresh(as_of=AS_OF)
    fit = ModelFit.objects.get()
    assert fit.p is not None and fit.q is not None and fit.gamma is not None
    values = {v.client_id: v for v in ClientValue.objects.filter(client__in=(small, large))}
    for client, first in ((small, 20.0), (large, 5000.0)):
        shrunk = fit.p * (fit.gamma + first) / (fit.p + fit.q - 1)
        assert float(values[client.pk].expected_order_net) == pytest.approx(shrunk, abs=0.01)
    assert values[small.pk].expected_order_net < values[large.pk].expected_order_net
    assert values[small.pk].npv < values[large.pk].npv


@pytest.mark.django_db
def test_too_little_history_is_reported_not_fitted(world):
    buy(world.client_a, dt.date(2026, 1, 5), "10")
    result = client_values_refresh(as_of=AS_OF)
    assert result.fit is None and "1 clients" in result.skipped_reason


def test_tier_rules_explain_themselves():
    rules = TierRules()
    tier, reasons = propose_tier(
        share=0.08, margin_share=0.07, npv_rank=0.01, growth=0.1, rules=rules
    )
    assert tier == Tier.STRATEGIC
    with translation.override("en"):
        assert reason_text(reasons[0]) == "share ≥ 5% and NPV in the top 5%"
        assert reason_text(reasons[3]) == "NPV in the top 1% of clients"
    with translation.override("lt"):  # stored as message ids: read in the reader's language
        assert reason_text(reasons[0]) == "pajamų dalis ≥ 5\u00a0% ir GDV tarp 5\u00a0% didžiausių"
    tier, _ = propose_tier(share=0.02, margin_share=0.0, npv_rank=0.5, growth=None, rules=rules)
    assert tier == Tier.KEY
    tier, _ = propose_tier(share=0.001, margin_share=0.0, npv_rank=0.6, growth=0.5, rules=rules)
    assert tier == Tier.DEVELOP
    tier, reasons = propose_tier(
        share=0.001, margin_share=0.0, npv_rank=0.9, growth=-0.2, rules=rules
    )
    assert tier == Tier.MAINTAIN
    with translation.override("en"):
        assert reason_text(reasons[-1]) == "revenue -20% against the previous six months"


@pytest.fixture
def proposal(world):
    return TierProposal.objects.create(
        client=world.client_a,
        current_tier=world.client_a.tier,
        proposed_tier=Tier.KEY,
        reasons=["share of revenue ≥ 1%"],
    )


@pytest.mark.django_db
def test_the_head_of_the_clients_team_accepts_and_the_tier_changes_audited(world, proposal):
    tier_proposal_decide(by=world.persona("head"), proposal=proposal, accept=True)
    world.client_a.refresh_from_db()
    proposal.refresh_from_db()
    assert world.client_a.tier == Tier.KEY
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == world.head
    assert AuditEntry.objects.filter(
        entity="clients.client", entity_id=str(world.client_a.pk), action="update"
    ).exists()
    assert AuditEntry.objects.filter(entity="analytics.tierproposal", action="accept").exists()
    with pytest.raises(IllegalTransition):
        tier_proposal_decide(by=world.persona("head"), proposal=proposal, accept=False, note="x")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["kam_a", "kam_b", "desk", "finance"])
def test_nobody_else_decides_a_tier(world, proposal, who):
    with pytest.raises(PermissionDenied):
        tier_proposal_decide(by=world.persona(who), proposal=proposal, accept=True)
    world.client_a.refresh_from_db()
    assert world.client_a.tier == Tier.MAINTAIN


@pytest.mark.django_db
def test_a_head_of_another_team_may_not_decide(world):
    from raktas.org.models import Role
    from raktas.testing.factories import UserFactory

    other_head = UserFactory.create(username="head_south", roles=(Role.HEAD_OF_SALES,))
    world.south.head = other_head
    world.south.save()
    proposal = TierProposal.objects.create(
        client=world.client_a, current_tier=Tier.MAINTAIN, proposed_tier=Tier.KEY
    )
    with pytest.raises(PermissionDenied):
        tier_proposal_decide(by=other_head, proposal=proposal, accept=True)


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_the_director_may_decide(world, proposal):
    with pytest.raises(ValidationFailed):
        tier_proposal_decide(by=world.persona("director"), proposal=proposal, accept=False)
    tier_proposal_decide(
        by=world.persona("director"), proposal=proposal, accept=False, note="seasonal spike"
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    world.client_a.refresh_from_db()
    assert world.client_a.tier == Tier.MAINTAIN


@pytest.mark.django_db
def test_refresh_proposes_once_and_supersedes_what_no_longer_holds(history):
    from raktas.analytics import rollups
    from raktas.analytics.models import ClientMonth

    batch = rollups.Batch()  # the fixture wrote purchase days only: add their months
    for day in ClientDay.objects.all():
        batch.add(
            ClientMonth,
            (day.client_id, day.day.replace(day=1)),
            invoiced_net=day.net,
            invoiced_cost=day.cost,
            invoices=1,
        )
    batch.write()
    client_values_refresh(as_of=AS_OF)
    tier_proposals_refresh(on=AS_OF)
    first = TierProposal.objects.filter(status=ProposalStatus.PENDING).count()
    assert first > 0
    assert all(p.reasons for p in TierProposal.objects.all())
    assert tier_proposals_refresh(on=AS_OF) == 0  # nothing changed, nothing new

"""Bank reversals (camt RvslInd=true): a booked debit that takes back an earlier credit
reverses that credit's payment in the ledger, once; what it cannot place waits."""

import datetime as dt

import pytest

from raktas.audit.models import AuditEntry
from raktas.banking.models import BankEntry, BankEntryStatus, BankStatement
from raktas.banking.services import bank_entry_resolve, bank_import, bank_reversal_resolve
from raktas.banking.tests.conftest import D, read
from raktas.core.exceptions import IllegalTransition, ValidationFailed
from raktas.ledger.models import PaymentReversal
from raktas.ledger.selectors import client_balance
from raktas.ledger.services import payment_reverse

REVERSALS = "camt053_v08_reversals.xml"


def _reversals(result):
    return {e.amount: e for e in result.reversals}


@pytest.fixture
def imported(world, books):
    fin = world.persona("finance")
    first = bank_import(by=fin, data=read("camt053_v08.xml"))
    return {e.amount: e for e in first.created}


@pytest.mark.django_db
def test_a_reversal_reverses_the_matched_payment_by_the_banks_reference(world, books, imported):
    fin = world.persona("finance")
    assert client_balance(world.client_a)["balance"] == 0
    result = bank_import(by=fin, data=read(REVERSALS))

    rev = _reversals(result)[D("1210.00")]
    credit = imported[D("1210.00")]
    assert rev.is_reversal and rev.status == BankEntryStatus.MATCHED
    assert rev.match_rule == "bank_reference"
    assert rev.reverses == credit and rev.client == world.client_a
    assert rev.return_reason == "AC04 Sąskaita uždaryta"
    reversal = PaymentReversal.objects.get(payment=credit.payment)
    assert reversal.reversed_on == dt.date(2026, 12, 3)
    assert reversal.amount == D("1210.00")
    assert "AC04" in reversal.reason
    books["101"].refresh_from_db()
    assert books["101"].open_amount == D("1210.00")  # owed again


@pytest.mark.django_db
def test_each_iso_reference_finds_its_credit_and_the_rest_is_told_apart(world, books, imported):
    fin = world.persona("finance")
    result = bank_import(by=fin, data=read(REVERSALS))
    rev = _reversals(result)
    assert set(rev) == {D("1210.00"), D("363.00"), D("99.99"), D("242.00")}
    # 363.00: no bank reference, found by the structured creditor reference.
    assert rev[D("363.00")].match_rule == "reference"
    assert rev[D("363.00")].reverses == imported[D("363.00")]
    books["102"].refresh_from_db()
    assert books["102"].open_amount == D("363.00")
    # Client A owes both invoices again; client B's payments are untouched so far.
    assert client_balance(world.client_a)["balance"] == D("1573.00")
    assert client_balance(world.client_b)["balance"] == 0
    # 99.99 reversed a credit that was still waiting: both leave the queue, no ledger.
    waiting_credit = BankEntry.objects.get(pk=imported[D("99.99")].pk)
    assert waiting_credit.status == BankEntryStatus.IGNORED
    assert rev[D("99.99")].status == BankEntryStatus.MATCHED
    assert rev[D("99.99")].reverses == waiting_credit
    # The CRDT reversal (of one of our debits) and the fee are skipped.
    assert result.skipped == 2
    statement = BankStatement.objects.get(statement_id="2026-12-03-001")
    assert statement.reversals == 4 and statement.entries == 0
    assert "4 reversals of earlier credits, 3 reversed in the ledger, 1 waiting" in (
        result.summary()
    )
    assert AuditEntry.objects.filter(action="reverse", entity="banking.bankentry").count() == 3


@pytest.mark.django_db
def test_importing_the_reversals_again_reverses_nothing_twice(world, books, imported):
    fin = world.persona("finance")
    bank_import(by=fin, data=read(REVERSALS))
    balance_a = client_balance(world.client_a)["balance"]
    again = bank_import(by=fin, data=read(REVERSALS))
    assert again.created == [] and again.duplicates == 4
    assert PaymentReversal.objects.count() == 2
    assert client_balance(world.client_a)["balance"] == balance_a
    assert BankEntry.objects.filter(is_reversal=True).count() == 4


@pytest.mark.django_db
def test_an_unplaceable_reversal_waits_with_suggestions_and_finance_places_it(
    world, books, imported
):
    fin = world.persona("finance")
    result = bank_import(by=fin, data=read(REVERSALS))
    waiting = _reversals(result)[D("242.00")]
    assert waiting.status == BankEntryStatus.UNMATCHED and waiting.reverses is None
    assert "no earlier credit with its references" in waiting.note
    credit = imported[D("242.00")]
    assert [s["entry_id"] for s in waiting.suggestions] == [credit.pk]
    assert client_balance(world.client_b)["balance"] == 0  # nothing reversed yet

    # It is not a payment: assigning it to a client as one is refused.
    with pytest.raises(ValidationFailed, match="reversal"):
        bank_entry_resolve(by=fin, entry=waiting, client=world.client_b)
    # A credit of another amount cannot be what it takes back.
    with pytest.raises(ValidationFailed, match="credit_id"):
        bank_reversal_resolve(by=fin, entry=waiting, credit=imported[D("500.00")])

    done = bank_reversal_resolve(by=fin, entry=waiting, credit=credit, note="Beržas: returned")
    assert done.status == BankEntryStatus.RESOLVED and done.reverses == credit
    assert PaymentReversal.objects.filter(payment=credit.payment).exists()
    assert client_balance(world.client_b)["balance"] == D("242.00")
    with pytest.raises(IllegalTransition):
        bank_reversal_resolve(by=fin, entry=waiting, credit=credit)


@pytest.mark.django_db
def test_a_reversal_before_its_credit_was_imported_waits_and_a_reversed_payment_is_not_reversed_twice(
    world, books
):
    fin = world.persona("finance")
    early = bank_import(by=fin, data=read(REVERSALS))
    assert {e.status for e in early.reversals} == {BankEntryStatus.UNMATCHED}
    assert PaymentReversal.objects.count() == 0
    # The credits arrive afterwards (a statement imported late): the reversal still
    # waits, since it was booked first; finance places it.
    later = {e.amount: e for e in bank_import(by=fin, data=read("camt053_v08.xml")).created}
    waiting = BankEntry.objects.get(is_reversal=True, amount=D("1210.00"))
    credit = later[D("1210.00")]
    assert credit.payment is not None
    payment_reverse(by=fin, payment=credit.payment, reason="bounced, booked by hand")
    done = bank_reversal_resolve(by=fin, entry=waiting, credit=credit)
    assert "reversed in the ledger already" in done.note
    assert PaymentReversal.objects.filter(payment=credit.payment).count() == 1

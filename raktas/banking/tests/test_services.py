import datetime as dt

import pytest

from raktas.audit.models import AuditEntry
from raktas.banking.camt import CamtError
from raktas.banking.models import BankEntry, BankEntryStatus, BankStatement
from raktas.banking.services import bank_entry_ignore, bank_entry_resolve, bank_import
from raktas.banking.tests.conftest import D, read
from raktas.core.exceptions import IllegalTransition, PermissionDenied
from raktas.ledger.models import Payment
from raktas.ledger.selectors import client_balance


def _by_amount(result):
    return {e.amount: e for e in result.created}


@pytest.mark.django_db
def test_importing_a_statement_matches_payments_by_each_rule(world, books):
    fin = world.persona("finance")
    result = bank_import(by=fin, data=read("camt053_v08.xml"), file_name="stmt.xml")
    entries = _by_amount(result)
    assert result.skipped == 1  # the bank fee (DBIT)
    assert entries[D("1210.00")].match_rule == "reference"
    assert entries[D("500.00")].match_rule == "invoice_number"
    assert entries[D("242.00")].match_rule == "amount"  # payer known by name
    assert entries[D("363.00")].match_rule == "amount"  # RF check wrong; known by code
    assert entries[D("363.00")].client == world.client_a
    waiting = entries[D("99.99")]
    assert waiting.status == BankEntryStatus.UNMATCHED and waiting.payment is None
    assert "not identified" in waiting.note
    for number in ("101", "102", "103", "104"):
        books[number].refresh_from_db()
        assert books[number].open_amount == 0, number
    payment = entries[D("1210.00")].payment
    assert payment is not None
    assert payment.received_on == dt.date(2026, 11, 28)
    assert payment.allocations.get().invoice == books["101"]
    assert AuditEntry.objects.filter(action="import", entity="banking.bankstatement").exists()


@pytest.mark.django_db
def test_importing_the_same_statement_twice_never_doubles_a_payment(world, books):
    fin = world.persona("finance")
    bank_import(by=fin, data=read("camt053_v08.xml"))
    payments = Payment.objects.count()
    again = bank_import(by=fin, data=read("camt053_v08.xml"))
    assert again.created == [] and again.duplicates == 5
    assert Payment.objects.count() == payments == 4
    assert BankEntry.objects.count() == 5
    assert client_balance(world.client_a)["balance"] == 0


@pytest.mark.django_db
def test_a_notification_and_the_evening_statement_make_one_payment(world, books):
    fin = world.persona("finance")
    early = bank_import(by=fin, data=read("camt054_v08.xml"))
    assert {e.match_rule for e in early.created} == {"reference", "invoice_number"}
    late = bank_import(by=fin, data=read("camt053_v08.xml"))
    assert late.duplicates == 1  # 1210.00, same AcctSvcrRef as in the notification
    # The statement's own 500.00 names INV-00000103, which the batch paid already:
    # a possible double payment goes to finance instead of being booked blindly.
    five_hundred = _by_amount(late)[D("500.00")]
    assert five_hundred.status == BankEntryStatus.UNMATCHED
    assert "already settled" in five_hundred.note
    assert Payment.objects.filter(amount=D("1210.00")).count() == 1


@pytest.mark.django_db
def test_a_malformed_file_imports_nothing(world, books):
    fin = world.persona("finance")
    broken = read("camt053_v08.xml").replace(
        b'<Amt Ccy="EUR">363.00</Amt>', b"<Amt>363.00</Amt>", 1
    )
    with pytest.raises(CamtError, match="currency"):
        bank_import(by=fin, data=broken)
    assert not BankStatement.objects.exists() and not BankEntry.objects.exists()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_only_finance_and_the_director_import(world, books):
    for name in ("kam_a", "head", "desk"):
        with pytest.raises(PermissionDenied):
            bank_import(by=world.persona(name), data=read("camt053_v08.xml"))
    assert bank_import(by=world.persona("director"), data=read("camt053_v08.xml")).created


@pytest.mark.django_db
def test_finance_resolves_a_waiting_entry_to_a_client_and_invoice(world, books):
    fin = world.persona("finance")
    bank_import(by=fin, data=read("camt053_v08.xml"))
    waiting = BankEntry.objects.get(status=BankEntryStatus.UNMATCHED)
    extra = books["103"].__class__.objects.create(
        number="INV-X",
        client=world.client_d,
        issue_date=dt.date(2026, 11, 2),
        due_date=dt.date(2026, 12, 2),
        gross_total=D("150.00"),
        open_amount=D("150.00"),
    )
    entry = bank_entry_resolve(
        by=fin, entry=waiting, client=world.client_d, invoices=[(extra, D("99.99"))]
    )
    assert entry.status == BankEntryStatus.RESOLVED and entry.match_rule == "manual"
    extra.refresh_from_db()
    assert extra.open_amount == D("50.01")
    assert entry.payment is not None
    assert entry.payment.received_on == waiting.booking_date
    with pytest.raises(IllegalTransition):
        bank_entry_resolve(by=fin, entry=entry, client=world.client_d)
    assert AuditEntry.objects.filter(action="resolve", entity="banking.bankentry").exists()


@pytest.mark.django_db
def test_finance_ignores_an_entry_that_is_no_client_payment(world, books):
    fin = world.persona("finance")
    bank_import(by=fin, data=read("camt053_v08.xml"))
    waiting = BankEntry.objects.get(status=BankEntryStatus.UNMATCHED)
    entry = bank_entry_ignore(by=fin, entry=waiting, note="Refund from a supplier")
    assert entry.status == BankEntryStatus.IGNORED
    assert not Payment.objects.filter(amount=D("99.99")).exists()


@pytest.mark.django_db
def test_a_known_iban_identifies_the_payer_next_time(world, books):
    fin = world.persona("finance")
    bank_import(by=fin, data=read("camt053_v08.xml"))  # LT12… paid for client_a by RF
    from raktas.receivables.tests.helpers import invoice

    inv = invoice(fin, world.client_a, "77.00", dt.date(2026, 11, 20))
    text = read("camt053_v08.xml").decode()
    text = text.replace("2026-11-28-001", "2026-11-29-001").replace("202611280000", "202611290000")
    text = (
        text.replace("<Ref>RF75INV00000101</Ref>", "<Ref>NOREF</Ref>")
        .replace('<Amt Ccy="EUR">1210.00</Amt>', '<Amt Ccy="EUR">77.00</Amt>')
        .replace("<Nm>UAB Ąžuolas</Nm>", "<Nm>A. Petraitis</Nm>")
    )
    result = bank_import(by=fin, data=text.encode())
    entry = _by_amount(result)[D("77.00")]
    assert entry.match_rule == "amount" and entry.client == world.client_a
    inv.refresh_from_db()
    assert inv.open_amount == 0


@pytest.mark.django_db
def test_unmatched_entries_suggest_invoices_of_the_same_amount(world, books):
    fin = world.persona("finance")
    text = (
        read("camt053_v08.xml")
        .decode()
        .replace("<Ustrd>Avansas</Ustrd>", "<Ustrd>Avansas</Ustrd>")
        .replace('<Amt Ccy="EUR">99.99</Amt>', '<Amt Ccy="EUR">300.00</Amt>')
    )
    from raktas.receivables.tests.helpers import invoice

    target = invoice(fin, world.client_d, "300.00", dt.date(2026, 11, 3))
    result = bank_import(by=fin, data=text.encode())
    entry = _by_amount(result)[D("300.00")]
    assert entry.status == BankEntryStatus.UNMATCHED
    assert [s["invoice_id"] for s in entry.suggestions] == [target.pk]


@pytest.mark.django_db
def test_two_open_invoices_of_the_same_amount_are_left_to_finance(world, books):
    from raktas.receivables.tests.helpers import invoice

    fin = world.persona("finance")
    twin = invoice(fin, world.client_b, "242.00", dt.date(2026, 11, 5))
    result = bank_import(by=fin, data=read("camt053_v08.xml"))
    entry = _by_amount(result)[D("242.00")]
    assert entry.status == BankEntryStatus.UNMATCHED
    assert "several open invoices of exactly 242.00" in entry.note
    assert {s["invoice_id"] for s in entry.suggestions[:2]} == {books["104"].pk, twin.pk}

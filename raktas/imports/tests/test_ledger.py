"""Invoices and payments: totals from the file, allocation, and the ledger invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from raktas.imports.tests.helpers import errors_of, run, write_csv
from raktas.ledger.models import Allocation, Invoice, Payment
from raktas.ledger.selectors import client_balance
from raktas.orders.models import Order
from raktas.receivables.aging import raw_aging
from raktas.seed import checks

INV = [
    "number",
    "client",
    "issue_date",
    "due_date",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "vat_rate",
]
PAY = ["external_id", "client", "received_on", "amount", "invoice", "allocate", "reference"]


@pytest.fixture
def books(world):
    for client, key in ((world.client_a, "A-1"), (world.client_b, "B-1")):
        client.external_id = key
        client.save()
    return world


def invoice_rows():
    return [
        ["SF-1", "A-1", "2024-01-10", "", "P-1", "", "10", "10", ""],  # 100 + 21 VAT
        ["SF-1", "A-1", "2024-01-10", "", "", "Pristatymas", "1", "20", "21"],  # 20 + 4.20
        ["SF-2", "A-1", "05.02.2024", "2024-02-20", "P-2", "", "1", "100", "0"],  # 100, no VAT
        ["SF-3", "B-1", "2024-03-01", "", "", "Opening balance", "1", "50", "0"],
    ]


def assert_ledger_invariants():
    for invoice in Invoice.objects.all():
        allocated = invoice.allocations.aggregate(s=Sum("amount"))["s"] or 0
        credited = invoice.credit_notes.aggregate(s=Sum("gross_total"))["s"] or 0
        assert invoice.open_amount == invoice.gross_total - allocated - credited
        assert 0 <= invoice.open_amount <= invoice.gross_total
    for payment in Payment.objects.all():
        allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or 0
        assert payment.allocated_amount == allocated <= payment.amount
    # The history dates the aging reads (first/last touch, settled_on) are the rows'.
    assert checks.invoices_with_wrong_history() == 0


def aging_figures(days):
    return [
        sorted(
            (int(c), int(b), Decimal(str(amount)).quantize(Decimal("0.01")), int(n))
            for c, b, amount, n, *_ in raw_aging(as_of=d, edges=(30, 60, 90), dso_days=90)
        )
        for d in days
    ]


def assert_aging_same_without_shortcuts(days):
    fast = aging_figures(days)
    with transaction.atomic():
        Invoice.objects.update(first_touched_on=None, last_touched_on=None)
        assert aging_figures(days) == fast
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_invoices_group_their_lines_and_start_fully_open(books, tmp_path):
    report = run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    assert (report.status, report.created, report.rows_read) == ("committed", 3, 4)
    sf1 = Invoice.objects.get(number="SF-1")
    assert (sf1.net_total, sf1.vat_total, sf1.gross_total) == (
        Decimal("120.00"),
        Decimal("25.20"),
        Decimal("145.20"),
    )
    assert sf1.open_amount == sf1.gross_total
    assert sf1.due_date == dt.date(2024, 1, 10) + dt.timedelta(
        days=books.client_a.payment_terms_days
    )
    assert [ln.description for ln in sf1.lines.all()] == ["P-1 Prekė 1", "Pristatymas"]
    assert Invoice.objects.get(number="SF-2").due_date == dt.date(2024, 2, 20)
    assert_ledger_invariants()


@pytest.mark.django_db
def test_payments_settle_the_oldest_invoice_first_or_the_one_named(books, tmp_path):
    run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    payments = [
        ["BANK-1", "A-1", "2024-03-01", "200", "", "", "bulk"],  # SF-1 145.20, then 54.80 of SF-2
        [
            "BANK-2",
            "A-1",
            "2024-03-02",
            "10",
            "SF-1",
            "",
            "already paid",
        ],  # nothing open: stays unallocated
        ["BANK-3", "A-1", "2024-03-03", "5", "", "none", ""],
        ["BANK-4", "B-1", "2024-03-03", "20", "SF-3", "", ""],
    ]
    report = run(books.finance, "payments", write_csv(tmp_path / "p.csv", PAY, payments))
    assert (report.status, report.created) == ("committed", 4), report.errors
    sf1, sf2, sf3 = (Invoice.objects.get(number=n) for n in ("SF-1", "SF-2", "SF-3"))
    assert (sf1.open_amount, sf2.open_amount, sf3.open_amount) == (
        Decimal("0.00"),
        Decimal("45.20"),
        Decimal("30.00"),
    )
    allocated = dict(Payment.objects.values_list("external_id", "allocated_amount"))
    assert allocated == {
        "BANK-1": Decimal("200.00"),
        "BANK-2": Decimal("0.00"),
        "BANK-3": Decimal("0.00"),
        "BANK-4": Decimal("20.00"),
    }
    assert Allocation.objects.get(
        payment__external_id="BANK-1", invoice=sf2
    ).allocated_on == dt.date(2024, 3, 1)
    assert_ledger_invariants()
    balance = client_balance(books.client_a)
    assert balance["balance"] == Decimal("245.20") - Decimal("215.00")
    again = run(books.finance, "payments", write_csv(tmp_path / "p.csv", PAY, payments))
    assert (again.created, again.unchanged) == (0, 4)
    assert Allocation.objects.count() == 3
    assert_ledger_invariants()


@pytest.mark.django_db
def test_a_recorded_payment_keeps_its_amount(books, tmp_path):
    row = ["BANK-1", "A-1", "2024-03-01", "200", "", "", ""]
    run(books.finance, "payments", write_csv(tmp_path / "p.csv", PAY, [row]))
    row[3] = "210"
    row[6] = "corrected"
    report = run(books.finance, "payments", write_csv(tmp_path / "p2.csv", PAY, [row]))
    assert report.status == "rolled_back"
    assert errors_of(report)[0][:2] == (2, "amount")
    assert Payment.objects.get().amount == Decimal("200.00")


@pytest.mark.django_db
def test_reimporting_an_invoice_with_new_lines_keeps_what_was_settled(books, tmp_path):
    run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    run(
        books.finance,
        "payments",
        write_csv(tmp_path / "p.csv", PAY, [["B-1", "A-1", "2024-03-01", "100", "SF-1", "", ""]]),
    )
    same = run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    assert (same.created, same.updated, same.unchanged) == (0, 0, 3)
    changed = invoice_rows()
    changed[1][7] = "10"  # delivery 10 instead of 20: gross 133.10
    report = run(books.finance, "invoices", write_csv(tmp_path / "i2.csv", INV, changed))
    assert report.updated == 1
    sf1 = Invoice.objects.get(number="SF-1")
    assert (sf1.gross_total, sf1.open_amount) == (Decimal("133.10"), Decimal("33.10"))
    assert_ledger_invariants()
    too_low = invoice_rows()
    too_low[0][6] = "1"
    too_low[1][7] = "1"
    refused = run(books.finance, "invoices", write_csv(tmp_path / "i3.csv", INV, too_low))
    assert "already settled" in errors_of(refused)[0][2]


@pytest.mark.django_db
def test_imported_invoices_and_payments_keep_the_history_dates_the_aging_reads(books, tmp_path):
    run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    pay = [["BANK-1", "A-1", "2024-03-01", "200", "", "", ""]]  # SF-1 in full, part of SF-2
    run(books.finance, "payments", write_csv(tmp_path / "p.csv", PAY, pay))

    def history(number):
        i = Invoice.objects.get(number=number)
        return (i.first_touched_on, i.last_touched_on, i.settled_on)

    march1 = dt.date(2024, 3, 1)
    assert history("SF-1") == (march1, march1, march1)
    assert history("SF-2") == (march1, march1, None)
    assert history("SF-3") == (None, march1, None)  # issued that day, nothing since
    assert_ledger_invariants()
    days = [dt.date(2024, 2, 29), march1, dt.date(2024, 4, 1)]
    assert_aging_same_without_shortcuts(days)
    # Re-imported with a dearer delivery: SF-1 is open again, so no longer settled.
    dearer = invoice_rows()
    dearer[1][7] = "30"  # gross 157.30, 145.20 of it paid
    assert run(books.finance, "invoices", write_csv(tmp_path / "i2.csv", INV, dearer)).updated
    assert history("SF-1") == (march1, march1, None)
    assert Invoice.objects.get(number="SF-1").open_amount == Decimal("12.10")
    assert_ledger_invariants()
    assert_aging_same_without_shortcuts(days)
    # And paid in full by a second imported payment: settled on that day.
    pay2 = [["BANK-2", "A-1", "2024-03-20", "12.10", "SF-1", "", ""]]
    run(books.finance, "payments", write_csv(tmp_path / "p2.csv", PAY, pay2))
    march20 = dt.date(2024, 3, 20)
    assert history("SF-1") == (march1, march20, march20)
    assert_ledger_invariants()
    assert_aging_same_without_shortcuts([*days, march20])


@pytest.mark.django_db
def test_an_invoice_may_name_its_order_and_then_the_order_cannot_change(books, tmp_path):
    order_header = ["external_id", "client", "order_date", "status", "sku", "quantity"]
    order_path = write_csv(
        tmp_path / "o.csv", order_header, [["O-1", "A-1", "2024-01-05", "invoiced", "P-1", "1"]]
    )
    run(books.kam_a, "orders", order_path)
    header = ["number", "client", "order", "issue_date", "sku", "quantity", "unit_price"]
    run(
        books.finance,
        "invoices",
        write_csv(
            tmp_path / "i.csv", header, [["SF-9", "A-1", "O-1", "2024-01-06", "P-1", "1", "10"]]
        ),
    )
    assert Invoice.objects.get(number="SF-9").order == Order.objects.get(external_id="O-1")
    changed = write_csv(
        tmp_path / "o2.csv", order_header, [["O-1", "A-1", "2024-01-05", "invoiced", "P-1", "2"]]
    )
    report = run(books.kam_a, "orders", changed)
    assert errors_of(report) == [
        (2, "external_id", "the order is already invoiced; it cannot change")
    ]


@pytest.mark.django_db
def test_only_finance_and_the_director_import_the_ledger(books, tmp_path):
    path = write_csv(tmp_path / "i.csv", INV, invoice_rows())
    for name in ("kam_a", "head", "desk"):
        report = run(books.persona(name), "invoices", path)
        assert report.status == "failed"
    assert run(books.director, "invoices", path).created == 3


@pytest.mark.django_db
def test_imported_payments_record_the_day_they_were_fully_applied(books, tmp_path):
    from raktas.receivables.aging import raw_unapplied

    run(books.finance, "invoices", write_csv(tmp_path / "i.csv", INV, invoice_rows()))
    payments = [
        # Received before SF-3 was issued: applied on the issue day, as allocate() does.
        ["BANK-1", "B-1", "2024-02-20", "50", "SF-3", "", ""],
        ["BANK-2", "A-1", "2024-03-05", "200", "", "", ""],  # SF-1 in full, part of SF-2
        ["BANK-3", "A-1", "2024-03-06", "100", "", "", ""],  # 45.20 of it left over
        ["BANK-4", "A-1", "2024-03-07", "5", "", "none", ""],
    ]
    report = run(books.finance, "payments", write_csv(tmp_path / "p.csv", PAY, payments))
    assert report.status == "committed", report.errors
    assert dict(Payment.objects.values_list("external_id", "applied_on")) == {
        "BANK-1": dt.date(2024, 3, 1),
        "BANK-2": dt.date(2024, 3, 5),
        "BANK-3": None,
        "BANK-4": None,
    }
    assert_ledger_invariants()
    # The aging's unapplied money is the same with the shortcut as without it.
    days = [dt.date(2024, 2, 25), dt.date(2024, 3, 1), dt.date(2024, 3, 6), dt.date(2024, 4, 1)]
    fast = [raw_unapplied(as_of=d) for d in days]
    Payment.objects.update(applied_on=None)
    assert fast == [raw_unapplied(as_of=d) for d in days]
    assert fast[-1] == {books.client_a.pk: Decimal("59.80")}

import datetime as dt
from decimal import Decimal

import pytest

from raktas.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from raktas.ledger.services import payment_allocate, payment_reverse
from raktas.receivables.aging import bucket_labels, parse_edges
from raktas.receivables.selectors import aging_for, aging_invoices_for
from raktas.receivables.tests.helpers import D, credit, invoice, pay

JAN1 = dt.date(2026, 1, 1)


def one(report, client):
    rows = [r for r in report.clients if r.client_id == client.pk]
    return rows[0] if rows else None


@pytest.mark.django_db
def test_it_shows_what_was_open_on_a_past_date_even_if_paid_since(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "100.00", JAN1, due_in=30)  # due 31 Jan
    pay(fin, world.client_a, "100.00", dt.date(2026, 4, 15), to=inv)
    march = aging_for(fin, as_of=dt.date(2026, 3, 31))
    row = one(march, world.client_a)
    # 31 Mar − 31 Jan = 59 days past due: the 31–60 bucket.
    assert row.buckets == [D("0"), D("0"), D("100.00"), D("0"), D("0")]
    assert row.total == D("100.00")
    assert one(aging_for(fin, as_of=dt.date(2026, 4, 30)), world.client_a) is None


@pytest.mark.django_db
def test_it_puts_each_invoice_in_the_bucket_of_its_days_past_due(world):
    fin = world.persona("finance")
    day = dt.date(2026, 6, 30)
    invoice(fin, world.client_a, "1.00", day - dt.timedelta(days=5), due_in=30)  # not due
    invoice(fin, world.client_a, "2.00", day - dt.timedelta(days=31), due_in=30)  # 1 day
    invoice(fin, world.client_a, "4.00", day - dt.timedelta(days=60), due_in=30)  # 30 days
    invoice(fin, world.client_a, "8.00", day - dt.timedelta(days=61), due_in=30)  # 31 days
    invoice(fin, world.client_a, "16.00", day - dt.timedelta(days=120), due_in=30)  # 90 days
    invoice(fin, world.client_a, "32.00", day - dt.timedelta(days=121), due_in=30)  # 91 days
    invoice(fin, world.client_a, "64.00", day - dt.timedelta(days=30), due_in=30)  # due today
    row = one(aging_for(fin, as_of=day), world.client_a)
    assert row.buckets == [D("65.00"), D("6.00"), D("8.00"), D("16.00"), D("32.00")]
    assert row.total == D("127.00") and row.overdue == D("62.00")
    assert row.open_invoices == 7


@pytest.mark.django_db
def test_partial_payments_and_credit_notes_count_from_their_own_dates(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "300.00", JAN1, due_in=10)
    pay(fin, world.client_a, "100.00", dt.date(2026, 2, 1), to=inv)
    credit(fin, world.client_a, "50.00", dt.date(2026, 3, 1), inv)
    totals = {
        d: one(aging_for(fin, as_of=d), world.client_a).total
        for d in (dt.date(2026, 1, 20), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    }
    assert totals == {
        dt.date(2026, 1, 20): D("300.00"),
        dt.date(2026, 2, 1): D("200.00"),
        dt.date(2026, 3, 1): D("150.00"),
    }
    assert aging_for(fin, as_of=dt.date(2025, 12, 31)).clients == []


@pytest.mark.django_db
def test_a_later_allocation_settles_the_invoice_on_the_day_it_is_made(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "80.00", JAN1)
    payment = pay(fin, world.client_a, "80.00", dt.date(2026, 1, 5), to=None)  # oldest → inv
    assert payment.allocations.get().allocated_on == dt.date(2026, 1, 5)
    inv2 = invoice(fin, world.client_a, "40.00", dt.date(2026, 2, 1))
    unapplied = pay(fin, world.client_a, "40.00", dt.date(2026, 2, 3), to=None)  # → inv2
    assert unapplied.allocations.get().invoice_id == inv2.pk
    payment_reverse(by=fin, payment=unapplied, reversed_on=dt.date(2026, 2, 10), reason="bounced")
    late = pay(fin, world.client_a, "40.00", dt.date(2026, 2, 12), to=inv2, part="10.00")
    payment_allocate(by=fin, payment=late, allocate=[(inv2, D("30.00"))], on=dt.date(2026, 3, 1))
    totals = [
        one(aging_for(fin, as_of=d), world.client_a)
        for d in (dt.date(2026, 2, 5), dt.date(2026, 2, 11), dt.date(2026, 2, 20))
    ]
    assert totals[0] is None  # paid on 3 Feb
    assert totals[1].total == D("40.00")  # the payment bounced on 10 Feb
    assert totals[2].total == D("30.00")  # 10 of the new payment on 12 Feb
    assert one(aging_for(fin, as_of=dt.date(2026, 3, 1)), world.client_a) is None
    assert inv.pk  # first invoice untouched by any of it


@pytest.mark.django_db
def test_reversal_reopens_the_invoice_from_the_reversal_day(world):
    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "120.00", JAN1)
    payment = pay(fin, world.client_a, "120.00", dt.date(2026, 1, 10), to=inv)
    payment_reverse(by=fin, payment=payment, reversed_on=dt.date(2026, 1, 20), reason="bounced")
    assert one(aging_for(fin, as_of=dt.date(2026, 1, 15)), world.client_a) is None
    assert one(aging_for(fin, as_of=dt.date(2026, 1, 20)), world.client_a).total == D("120.00")
    inv.refresh_from_db()
    assert inv.open_amount == D("120.00") and inv.settled_on is None


@pytest.mark.django_db
def test_rollups_by_kam_team_and_company_add_up(world):
    fin = world.persona("finance")
    day = dt.date(2026, 5, 1)
    invoice(fin, world.client_a, "10.00", JAN1)
    invoice(fin, world.client_b, "20.00", JAN1)
    invoice(fin, world.client_d, "40.00", dt.date(2026, 4, 20))
    report = aging_for(fin, as_of=day)
    assert report.company.total == D("70.00")
    assert sum((r.total for r in report.kams), Decimal(0)) == D("70.00")
    teams = {r.label: r.total for r in report.teams}
    assert teams == {"North": D("50.00"), "South": D("20.00")}
    kam_a = next(r for r in report.kams if r.key == str(world.kam_a.pk))
    assert kam_a.total == D("10.00")


@pytest.mark.django_db
def test_dso_and_average_days_late_per_client(world):
    fin = world.persona("finance")
    day = dt.date(2026, 6, 30)
    a = invoice(fin, world.client_a, "100.00", dt.date(2026, 3, 1), due_in=10)  # due 11 Mar
    pay(fin, world.client_a, "100.00", dt.date(2026, 3, 21), to=a)  # 10 days late
    b = invoice(fin, world.client_a, "100.00", dt.date(2026, 4, 2), due_in=10)
    pay(fin, world.client_a, "100.00", dt.date(2026, 4, 5), to=b)  # early: 0
    invoice(fin, world.client_a, "90.00", dt.date(2026, 6, 1), due_in=30)  # open
    row = one(aging_for(fin, as_of=day, dso_days=90), world.client_a)
    assert row.average_days_late == D("5.0")
    # sales of the last 90 days (after 1 Apr): 100 (2 Apr) + 90 (1 Jun); open 90 → 90/190×90
    assert row.dso(90) == (D("90") / D("190") * 90).quantize(D("0.1"))


@pytest.mark.django_db
def test_bucket_edges_are_configurable(world, settings):
    fin = world.persona("finance")
    settings.AGING_BUCKETS = ["15", "45"]
    invoice(fin, world.client_a, "5.00", JAN1, due_in=0)
    report = aging_for(fin, as_of=dt.date(2026, 1, 20))
    assert report.labels == ["not_due", "1-15", "16-45", "over_45"]
    assert one(report, world.client_a).buckets == [D(0), D(0), D("5.00"), D(0)]
    assert bucket_labels(parse_edges("7, 14")) == ["not_due", "1-7", "8-14", "over_14"]
    for bad in ("30,10", "0,5", "x"):
        with pytest.raises(ValidationFailed):
            parse_edges(bad)


@pytest.mark.django_db
def test_kam_sees_aging_of_own_clients_only_and_desk_none(world):
    fin = world.persona("finance")
    for client in (world.client_a, world.client_b, world.client_d):
        invoice(fin, client, "10.00", JAN1)
    day = dt.date(2026, 3, 1)
    seen = {r.client_id for r in aging_for(world.persona("kam_b"), as_of=day).clients}
    assert seen == {world.client_b.pk}
    deputy = {r.client_id for r in aging_for(world.persona("deputy"), as_of=day).clients}
    assert deputy == {world.client_a.pk, world.client_d.pk}
    head = {r.client_id for r in aging_for(world.persona("head"), as_of=day).clients}
    assert head == {world.client_a.pk, world.client_d.pk}
    with pytest.raises(NotFound):
        aging_for(world.persona("kam_b"), as_of=day, client_id=world.client_a.pk)
    with pytest.raises(PermissionDenied):
        aging_for(world.persona("desk"), as_of=day)


@pytest.mark.django_db
def test_drill_down_lists_the_invoices_behind_a_bucket(world):
    fin = world.persona("finance")
    old = invoice(fin, world.client_a, "10.00", JAN1, due_in=0)
    invoice(fin, world.client_a, "20.00", dt.date(2026, 2, 25), due_in=30)
    pay(fin, world.client_a, "4.00", dt.date(2026, 2, 1), to=old)
    rows = aging_invoices_for(fin, as_of=dt.date(2026, 3, 1), client_id=world.client_a.pk)
    assert [(r.number, r.open_amount, r.bucket) for r in rows] == [
        (old.number, D("6.00"), "31-60"),
        (rows[1].number, D("20.00"), "not_due"),
    ]
    only = aging_invoices_for(fin, as_of=dt.date(2026, 3, 1), bucket="31-60")
    assert [r.invoice_id for r in only] == [old.pk]


@pytest.mark.django_db
def test_unapplied_money_is_beside_the_buckets_and_net_is_the_ledger_balance(world):
    from raktas.ledger.selectors import client_balance

    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "100.00", JAN1, due_in=30)
    # 150 paid on 10 Feb without allocating: 150 unapplied, 100 still open.
    payment = pay(fin, world.client_a, "150.00", dt.date(2026, 2, 10), to=inv, part="0.01")
    credit(fin, world.client_a, "20.00", dt.date(2026, 2, 20), None)  # against no invoice
    feb = one(aging_for(fin, as_of=dt.date(2026, 2, 28)), world.client_a)
    assert feb.total == sum(feb.buckets, D("0")) == D("99.99")
    assert feb.unapplied == D("169.99")  # 149.99 of the payment + the 20.00 credit note
    assert feb.net == D("-70.00") == client_balance(world.client_a)["balance"]
    # Before the payment: nothing unapplied; before the credit note: only the payment.
    jan = one(aging_for(fin, as_of=dt.date(2026, 1, 31)), world.client_a)
    assert jan.unapplied == D("0") and jan.net == D("100.00")
    mid = one(aging_for(fin, as_of=dt.date(2026, 2, 15)), world.client_a)
    assert mid.unapplied == D("149.99") and mid.net == D("-50.00")
    # Allocating the rest on 5 March applies it from that day on, not before.
    payment_allocate(by=fin, payment=payment, allocate=[(inv, D("99.99"))], on=dt.date(2026, 3, 5))
    assert one(aging_for(fin, as_of=dt.date(2026, 2, 28)), world.client_a).unapplied == D("169.99")
    march = one(aging_for(fin, as_of=dt.date(2026, 3, 31)), world.client_a)
    # Nothing open, only money on account: the client still has a row.
    assert march.total == D("0") and march.unapplied == D("70.00") and march.net == D("-70.00")
    report = aging_for(fin, as_of=dt.date(2026, 3, 31))
    assert report.company.unapplied == sum((r.unapplied for r in report.clients), D("0"))
    assert report.company.net == report.company.total - report.company.unapplied
    kam = next(r for r in report.kams if r.key == str(world.client_a.owner_id))
    assert kam.unapplied >= D("70.00")


@pytest.mark.django_db
def test_a_reversed_payment_stops_being_unapplied_on_its_reversal_day(world):
    fin = world.persona("finance")
    invoice(fin, world.client_b, "50.00", JAN1, due_in=30)
    payment = pay(fin, world.client_b, "80.00", dt.date(2026, 2, 1))  # 50 applied, 30 not
    before = one(aging_for(fin, as_of=dt.date(2026, 2, 9)), world.client_b)
    assert (before.total, before.unapplied, before.net) == (D("0"), D("30.00"), D("-30.00"))
    payment_reverse(by=fin, payment=payment, reversed_on=dt.date(2026, 2, 10), reason="bounced")
    after = one(aging_for(fin, as_of=dt.date(2026, 2, 10)), world.client_b)
    assert (after.total, after.unapplied, after.net) == (D("50.00"), D("0"), D("50.00"))
    # The past is unchanged by the reversal.
    again = one(aging_for(fin, as_of=dt.date(2026, 2, 9)), world.client_b)
    assert (again.total, again.unapplied) == (D("0"), D("30.00"))

"""My clients: the account shown per row is the ledger's definition, and sorting by a
computed column (done in the database over the whole filtered set) agrees with the
values shown on the rows (computed for the page's clients only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from raktas.book.selectors import ClientFilters, client_page, monthly_revenue
from raktas.clients.models import Client
from raktas.core.periods import months_back
from raktas.ledger import services as ledger
from raktas.ledger.selectors import Account, account_totals, revenue_since, with_balances
from raktas.orders import services as orders
from raktas.testing.credit import invoice
from raktas.testing.factories import ClientFactory
from raktas.testing.pages import make_order
from raktas.testing.personas import World

pytestmark = pytest.mark.django_db


def _invoice(world: World, client: Client, days_ago: int, price: str, terms: int = 30):
    issued = timezone.localdate() - dt.timedelta(days=days_ago)
    return ledger.invoice_create(
        by=world.finance,
        client=client,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=terms),
        lines=[{"description": "x", "quantity": "1", "unit_price": price, "vat_rate": "21"}],
    )


@pytest.fixture
def accounts(world: World) -> list[Client]:
    """kam_a's book: clients with invoices old and new, paid, credited, reversed, and one
    client with nothing at all. Two clients tie on every amount."""
    w = world
    owner, column = w.kam_a, w.column
    named = {
        name: ClientFactory.create(legal_name=name, owner=owner, price_column=column)
        for name in ("UAB Alfa", "UAB Beta", "UAB Gama", "UAB Delta", "UAB Epsilon")
    }
    alfa, beta, gama, delta = (named[n] for n in ("UAB Alfa", "UAB Beta", "UAB Gama", "UAB Delta"))
    _invoice(w, alfa, 10, "100.00")
    _invoice(w, alfa, 400, "900.00")  # older than a year: balance, not revenue
    _invoice(w, beta, 100, "50.00")  # overdue
    _invoice(w, gama, 100, "50.00")  # the same as beta: a tie
    _invoice(w, delta, 5, "300.00")
    paid = ledger.payment_record(
        by=w.finance,
        client=delta,
        amount=Decimal("200.00"),
        received_on=timezone.localdate(),
        reference="P-1",
    )
    ledger.payment_reverse(by=w.finance, payment=paid, reason="bounced")
    ledger.payment_record(
        by=w.finance,
        client=alfa,
        amount=Decimal("121.00"),
        received_on=timezone.localdate(),
        reference="P-2",
    )
    ledger.credit_note_create(
        by=w.finance,
        client=delta,
        net=Decimal("10.00"),
        vat_rate=Decimal("21"),
        reason="other",
        issue_date=timezone.localdate(),
    )
    for client in (alfa, delta):
        make_order(w, w.kam_a, client)  # drafts: not orders placed
    orders.order_submit(by=w.kam_a, order=make_order(w, w.kam_a, delta))
    return [*named.values(), w.client_a]


def test_account_totals_and_with_balances_are_one_definition(world: World, accounts) -> None:
    ids = [c.pk for c in accounts]
    grouped = account_totals(ids)
    annotated = {c.pk: c for c in with_balances(Client.objects.filter(pk__in=ids))}
    for pk in ids:
        account = grouped.get(pk, Account())
        row = annotated[pk]
        assert (
            account.balance,
            account.overdue,
            account.invoiced,
            account.paid,
            account.credited,
            account.reversed,
        ) == (
            row.balance,  # type: ignore[attr-defined]
            row.overdue,  # type: ignore[attr-defined]
            row.invoiced,  # type: ignore[attr-defined]
            row.paid,  # type: ignore[attr-defined]
            row.credited,  # type: ignore[attr-defined]
            row.reversed,  # type: ignore[attr-defined]
        )
    # A queryset of clients names the same clients as their ids; none names none.
    assert account_totals(Client.objects.filter(pk__in=ids)) == grouped
    assert account_totals(Client.objects.none()) == {} == account_totals([])
    delta = next(c for c in accounts if c.legal_name == "UAB Delta")
    # 363.00 invoiced − 200.00 paid + 200.00 bounced − 12.10 credited
    assert grouped[delta.pk].balance == Decimal("350.90")
    assert grouped[delta.pk].reversed == Decimal("200.00")
    epsilon = next(c for c in accounts if c.legal_name == "UAB Epsilon")
    assert epsilon.pk not in grouped


@pytest.mark.parametrize("key", ["revenue", "balance", "overdue", "last_order"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_a_computed_column_agrees_with_the_rows(
    world: World, accounts, key: str, descending: bool
) -> None:
    sort = ("-" if descending else "") + key
    page = client_page(world.persona("kam_a"), ClientFilters(sort=sort))
    assert page.sort == sort
    assert {r.client.pk for r in page.rows} == {c.pk for c in accounts}
    values = [getattr(r, key) for r in page.rows]
    assert any(v for v in values), "the book has figures to sort by"
    lowest = dt.date.min if key == "last_order" else Decimal("0")
    keyed = [
        (v if v is not None else lowest, r.client.legal_name)
        for v, r in zip(values, page.rows, strict=True)
    ]
    # Ordered by the value, and ties in name order whichever the direction.
    by_name = sorted(keyed, key=lambda t: t[1])
    expected = sorted(by_name, key=lambda t: t[0], reverse=descending)  # stable: ties keep names
    assert keyed == expected


def test_rows_show_revenue_of_twelve_months_and_the_ledger_balance(world: World, accounts) -> None:
    page = client_page(world.persona("kam_a"), ClientFilters())
    by_name = {r.client.legal_name: r for r in page.rows}
    alfa = by_name["UAB Alfa"]
    assert alfa.revenue == Decimal("100.00")  # the 900.00 invoice is older than a year
    assert alfa.balance == Decimal("121.00") + Decimal("1089.00") - Decimal("121.00")
    assert by_name["UAB Beta"].overdue == Decimal("60.50")
    assert by_name["UAB Epsilon"].balance == Decimal("0")
    assert by_name["UAB Epsilon"].last_order is None
    assert by_name["UAB Delta"].last_order == timezone.localdate()


def test_the_desk_sees_no_account_figures_on_the_rows(world: World, accounts) -> None:
    page = client_page(world.persona("desk"), ClientFilters())
    assert page.rows, "the desk sees the clients of the orders submitted to it"
    assert all(r.balance is None and r.revenue is None and not r.account for r in page.rows)


def test_my_clients_and_client_360_mean_the_same_12_months(world: World) -> None:
    """One rolling definition (``ledger.selectors.revenue_since``): the current month so
    far and the eleven before it — the last twelve bars of the Client 360 chart."""
    day = timezone.localdate()
    first = revenue_since(day)
    assert first == months_back(day, 11) and first.day == 1
    for issued, gross in (
        (first - dt.timedelta(days=1), "121.00"),  # just outside the window
        (first, "242.00"),  # its first day
        (day, "363.00"),  # today
    ):
        invoice(world, world.client_a, gross, issued=issued, due=issued)
    kam = world.persona("kam_a")
    row = next(
        r for r in client_page(kam, ClientFilters(q="Ąžuolas")).rows if r.client == world.client_a
    )
    chart = monthly_revenue(kam, world.client_a)
    assert row.revenue == sum((m.revenue for m in chart[-12:]), Decimal(0)) == Decimal("605.00")

"""Today and Team: where every alert of collection (issue 4) and key-client intelligence
(issue 5) lands, scoped per role, each item linking to where it is dealt with."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from raktas.book import selectors as queries
from raktas.clients.models import Client
from raktas.collection.models import CollectionTask, PromiseToPay, TaskStatus
from raktas.orders.models import Order, OrderStatus
from raktas.org.models import User
from raktas.testing.factories import ClientFactory
from raktas.testing.pages import Alerts, browser_for, churn_value

pytestmark = pytest.mark.django_db


def page_of(user: User, name: str = "book:today") -> str:
    response = browser_for(user).get(reverse(name))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def section(page: str, heading_id: str) -> str:
    """The HTML of one card, from its heading to the end of the section."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def done_form(task: CollectionTask) -> str:
    return f'action="{reverse("collection:task_done", args=[task.pk])}"'


# --- the KAM -------------------------------------------------------------------------


def test_kam_sees_broken_promises_and_dunning_calls_with_their_actions(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.kam_a)
    broken = section(page, "h-broken")
    assert "Pays after the holidays" in broken
    assert reverse("credit:client", args=[w.client_a.pk]) in broken
    follow_up = CollectionTask.objects.get(promise=alerts.broken_a)
    assert done_form(follow_up) in broken
    calls = section(page, "h-calls")
    assert "Call about overdue invoices" in calls
    assert done_form(alerts.call_a) in calls
    # Closing a task is a POST with the CSRF token, back to Today.
    form = calls[calls.index(done_form(alerts.call_a)) :]
    assert 'method="post"' in calls and 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/today/"' in form


def test_kam_sees_churn_risk_and_a_return_rate_jump_of_their_book(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.kam_a)
    churn = section(page, "h-churn")
    assert reverse("book:client", args=[w.client_a.pk]) in churn
    assert "20 %" in churn  # P(alive) 0.2
    assert "€900.00" in churn  # NPV: a KAM sees margin
    jumps = section(page, "h-jumps")
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%b %Y")
    # The jumpy client's own rate: 20 % against 1 %, linking to the client.
    assert (
        f'{reverse("book:client", args=[alerts.jumpy.pk])}"><strong>UAB „Šuolis“</strong></a> · '
        f'<span class="bad">Return rate jumped to 20 % in {last_month}, against 1 %'
    ) in jumps
    # The whole book's rate (the jumpy client and client_a's invoices) jumped too.
    assert re.search(
        rf"All clients in view</strong></a> · <span class=\"bad\">Return rate jumped to [\d.]+ % "
        rf"in {last_month}, against",
        jumps,
    )
    assert reverse("analytics:overview") in jumps


def test_kam_a_never_sees_kam_b_alerts_and_kam_b_sees_only_theirs(alerts: Alerts) -> None:
    w = alerts.book.world
    page_a = page_of(w.kam_a)
    assert w.client_b.legal_name not in page_a
    assert "Director away" not in page_a
    assert done_form(alerts.call_b) not in page_a
    assert reverse("book:client", args=[w.client_b.pk]) not in page_a
    assert reverse("credit:client", args=[w.client_b.pk]) not in page_a
    assert "Waiting for your decision" not in page_a  # a KAM decides no overrides
    page_b = page_of(w.kam_b)
    for text in (
        "Director away",
        done_form(alerts.call_b),
        reverse("book:client", args=[w.client_b.pk]),
    ):
        assert text in page_b
    for text in (
        w.client_a.legal_name,
        alerts.jumpy.legal_name,
        "Pays after the holidays",
        done_form(alerts.call_a),
        "Return rate jumped",
    ):
        assert text not in page_b


def test_the_deputy_gets_the_alerts_of_the_book_they_stand_in_for(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.deputy)
    assert "Pays after the holidays" in page
    assert done_form(alerts.call_a) in page
    churn = section(page, "h-churn")
    assert reverse("book:client", args=[w.client_a.pk]) in churn
    assert reverse("book:client", args=[w.client_d.pk]) in churn  # their own client
    assert "kam_a" in churn  # two books: the owner is named
    assert w.client_b.legal_name not in page


def test_a_dunning_call_is_closed_from_today(alerts: Alerts) -> None:
    w = alerts.book.world
    browser = browser_for(w.kam_a)
    url = reverse("collection:task_done", args=[alerts.call_a.pk])
    assert browser.get(url).status_code == 405  # no state change on GET
    response = browser.post(url, {"outcome": "Pays on Friday", "next": "/today/"})
    assert response.status_code == 302 and response["Location"] == "/today/"
    alerts.call_a.refresh_from_db()
    assert alerts.call_a.status == TaskStatus.DONE
    assert done_form(alerts.call_a) not in page_of(w.kam_a)
    # kam_b cannot close kam_a's follow-up: it is not in their view.
    follow_up = CollectionTask.objects.get(promise=alerts.broken_a)
    refused = browser_for(w.kam_b).post(reverse("collection:task_done", args=[follow_up.pk]))
    assert refused.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == TaskStatus.OPEN


def test_counts_are_of_all_rows_when_the_list_is_cut(alerts: Alerts) -> None:
    w = alerts.book.world
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            client=w.client_a,
            kam=w.kam_a,
            status=OrderStatus.SUBMITTED,
            submitted_at=now,
            price_column=w.column,
        )
        for _ in range(30)
    )
    waiting = section(page_of(w.kam_a), "h-waiting")
    assert '<span class="count">31</span>' in waiting  # 30 + the book's submitted order
    assert waiting.count(f"{reverse('orders:orders')}") == 25


# --- the head of sales and the director -------------------------------------------------


def test_head_of_sales_decides_overrides_and_sees_the_teams_alerts(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.head)
    decide = section(page, "h-decide")
    assert reverse("credit:override", args=[alerts.override.pk]) in decide
    assert "Credit limit exceeded" in decide
    assert "1 tier proposal waits for your decision" in decide
    assert "Pays after the holidays" in page  # the team's collection
    churn = section(page, "h-churn")
    assert reverse("book:client", args=[w.client_a.pk]) in churn
    assert reverse("book:client", args=[w.client_d.pk]) in churn
    assert w.client_b.legal_name not in page  # another team


def test_head_of_the_other_team_has_nothing_to_decide(alerts: Alerts) -> None:
    w = alerts.book.world
    other_head = User.objects.create(username="south_head")
    other_head.role_grants.create(role="head_of_sales")
    w.south.head = other_head
    w.south.save()
    page = page_of(other_head)
    assert reverse("credit:override", args=[alerts.override.pk]) not in page
    assert "No credit override requests wait for you." in page
    assert "tier proposal" not in page
    assert "Director away" in page  # kam_b's book is theirs
    assert w.client_a.legal_name not in page


def test_director_today_holds_decisions_and_company_alerts_but_no_book(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.director)
    assert reverse("credit:override", args=[alerts.override.pk]) in section(page, "h-decide")
    churn = section(page, "h-churn")
    for client in (w.client_a, w.client_b, w.client_d):
        assert reverse("book:client", args=[client.pk]) in churn
    assert churn.index(w.client_a.legal_name) < churn.index(w.client_b.legal_name)  # NPV
    assert "Return rate jumped" in page
    # The director holds no book: no desk returns, no collection worklist on Today.
    assert 'id="h-returned"' not in page and 'id="h-calls"' not in page


@pytest.mark.parametrize("persona", ["desk", "finance", "admin"])
def test_today_is_not_for_roles_without_a_book_or_decisions(alerts: Alerts, persona: str) -> None:
    response = browser_for(alerts.book.world.persona(persona)).get(reverse("book:today"))
    assert response.status_code == 403


# --- Team -----------------------------------------------------------------------------


def _team_row(page: str, kam: User) -> list[str]:
    start = page.index(f"?owner={kam.pk}")
    row = page[start : page.index("</tr>", start)]
    return re.findall(r'<td class="num[^"]*">(.*?)</td>', row)


def test_team_page_counts_each_kams_alerts_and_links_to_them(alerts: Alerts) -> None:
    w = alerts.book.world
    page = page_of(w.head, "book:team")
    # clients, revenue, overdue, waiting, broken promises, calls due, churn risk
    kam_a = _team_row(page, w.kam_a)
    assert [re.sub(r"<[^>]+>", "", c) for c in kam_a[4:]] == ["1", "1", "1"]
    click_through = f"{reverse('analytics:overview')}?kam={w.kam_a.pk}"
    assert click_through in page
    # The click-through lists that KAM's clients at risk, not the rest of the team's.
    at_risk = browser_for(w.head).get(click_through).content.decode()
    assert reverse("analytics:client", args=[w.client_a.pk]) in at_risk
    assert reverse("analytics:client", args=[w.client_d.pk]) not in at_risk
    assert reverse("collection:collection") in page
    deputy = _team_row(page, w.deputy)
    assert [re.sub(r"<[^>]+>", "", c) for c in deputy[4:]] == ["0", "0", "1"]
    assert f"?owner={w.kam_b.pk}" not in page
    director_page = page_of(w.director, "book:team")
    kam_b = _team_row(director_page, w.kam_b)
    assert [re.sub(r"<[^>]+>", "", c) for c in kam_b[4:]] == ["1", "1", "1"]


# --- silent clients: the median gap -------------------------------------------------------


def _orders_on(alerts: Alerts, days_ago: list[int]) -> Client:
    w = alerts.book.world
    client = ClientFactory.create(
        legal_name="UAB „Atostogos“", owner=w.kam_a, price_column=w.column
    )
    day = timezone.localdate()
    Order.objects.bulk_create(
        Order(
            client=client,
            kam=w.kam_a,
            status=OrderStatus.INVOICED,
            order_date=day - dt.timedelta(days=d),
            price_column=w.column,
        )
        for d in days_ago
    )
    return client


def test_a_silent_client_is_not_hidden_by_one_long_holiday_gap(alerts: Alerts) -> None:
    # Orders every ten days, one 200-day break, and now silent for 40 days. The mean
    # gap (37 days) would make 40 days look normal; the median (10) does not.
    client = _orders_on(alerts, [40, 50, 60, 70, 80, 280, 290, 300])
    silent = {s.client.pk: s for s in queries.silent_clients(alerts.book.world.kam_a)}
    assert silent[client.pk].usual_gap == 10
    assert silent[client.pk].days_since == 40


def test_a_client_ordering_to_their_rhythm_is_not_silent(alerts: Alerts) -> None:
    client = _orders_on(alerts, [12, 22, 32, 42, 52])
    silent = {s.client.pk for s in queries.silent_clients(alerts.book.world.kam_a)}
    assert client.pk not in silent


def test_order_rhythms_take_the_middle_gap_of_odd_and_even_counts(alerts: Alerts) -> None:
    odd = _orders_on(alerts, [0, 1, 3, 10])  # gaps 7, 2, 1 → 2
    even = _orders_on(alerts, [0, 4, 6, 7, 30, 30])  # one day twice; gaps 23, 1, 2, 4 → 3
    few = _orders_on(alerts, [5, 0])  # one gap: no median; the last day is today
    days = (
        Order.objects.filter(client__in=[odd, even, few])
        .values("client_id", "order_date")
        .distinct()
    )
    rhythms = queries.order_rhythms(days)
    day = timezone.localdate()
    assert {pk: r.median_gap for pk, r in rhythms.items()} == {
        odd.pk: 2.0,
        even.pk: 3.0,
        few.pk: None,
    }
    assert rhythms[even.pk].order_days == 5
    assert rhythms[few.pk].last == day
    assert rhythms[odd.pk].order_days == 4


def test_order_rhythms_match_the_rule_on_random_order_days(alerts: Alerts) -> None:
    """On PostgreSQL the rhythms are computed in SQL, elsewhere in Python: either way
    each client's last day, count of order days and median gap are the plain rule's."""
    import itertools
    import random
    import statistics

    rng = random.Random(11)
    clients = {
        _orders_on(alerts, [rng.randint(0, 400) for _ in range(rng.randint(1, 12))]).pk
        for _ in range(40)
    }
    days = Order.objects.filter(client__in=clients).values("client_id", "order_date").distinct()
    expected = {}
    for pk in clients:
        numbers = sorted(
            {d.toordinal() for d in days.filter(client_id=pk).values_list("order_date", flat=True)}
        )
        gaps = [b - a for a, b in itertools.pairwise(numbers)]
        expected[pk] = (
            dt.date.fromordinal(numbers[-1]),
            len(numbers),
            float(statistics.median(gaps)) if len(gaps) >= 2 else None,
        )
    rhythms = queries.order_rhythms(days)
    assert {pk: (r.last, r.order_days, r.median_gap) for pk, r in rhythms.items()} == expected
    assert any(e[2] is not None and e[2] % 1 for e in expected.values())  # an even count


# --- staying fast ---------------------------------------------------------------------------


def _more_of_everything(alerts: Alerts, n: int) -> None:
    """n more clients in kam_a's book, each with orders, a broken promise, a dunning call
    and a churn alert."""
    w = alerts.book.world
    day = timezone.localdate()
    for _ in range(n):
        client = ClientFactory.create(owner=w.kam_a, price_column=w.column)
        Order.objects.bulk_create(
            Order(
                client=client,
                kam=w.kam_a,
                status=OrderStatus.INVOICED,
                order_date=day - dt.timedelta(days=100 + 10 * k),
                price_column=w.column,
            )
            for k in range(5)
        )
        promise = PromiseToPay.objects.create(
            client=client,
            made_on=day - dt.timedelta(days=5),
            promised_on=day - dt.timedelta(days=1),
            amount="10.00",
            recorded_by=w.kam_a,
            status="broken",
        )
        CollectionTask.objects.create(
            client=client,
            assigned_to=w.kam_a,
            kind="broken_promise",
            title="x",
            due_on=day,
            promise=promise,
        )
        CollectionTask.objects.create(
            client=client, assigned_to=w.kam_a, kind="dunning_call", title="x", due_on=day
        )
        churn_value(client, p_alive=0.1)


def _queries_for(user: User, name: str) -> int:
    browser = browser_for(user)
    browser.get(reverse(name))  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(reverse(name)).status_code == 200
    # Savepoints around the session save come and go; count the statements that read
    # or write data.
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("kam_a", "book:today"),
        ("head", "book:today"),
        ("director", "book:today"),
        ("head", "book:team"),
        ("director", "book:team"),
    ],
)
def test_today_and_team_cost_the_same_number_of_queries_for_a_bigger_book(
    alerts: Alerts, persona: str, name: str, django_assert_max_num_queries
) -> None:
    _more_of_everything(alerts, 1)  # one of each kind of row, so every list has some
    user = alerts.book.world.persona(persona)
    before = _queries_for(user, name)
    _more_of_everything(alerts, 30)
    user = alerts.book.world.persona(persona)
    after = _queries_for(user, name)
    assert after == before
    with django_assert_max_num_queries(40):
        browser_for(user).get(reverse(name))

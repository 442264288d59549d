"""The read and export log (duty 2.21): every export, statement and PDF, and every
large API list read, writes a row; the director reads them; unusual reads raise an
alert; nobody rewrites the log."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import DatabaseError, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from raktas.audit.models import AccessAlert, AccessEntry
from raktas.audit.services import access_record, unusual_reads
from raktas.testing.api import as_persona, build_scene

pytestmark = pytest.mark.django_db


def _browser(user) -> HttpClient:
    client = HttpClient(REMOTE_ADDR="198.51.100.7")
    client.force_login(user)
    return client


def test_exporting_my_clients_writes_who_which_filters_and_how_many_rows(world) -> None:
    kam = world.persona("kam_a")
    response = _browser(kam).get("/clients/export.xlsx", {"q": "Ąžuol", "tier": ""})
    assert response.status_code == 200
    entry = AccessEntry.objects.get()
    assert (entry.user_id, entry.username, entry.what) == (kam.pk, "kam_a", "clients.export")
    assert entry.filters == {"q": "Ąžuol", "tier": ""}
    assert entry.rows == 1  # client_a, the one client matching the search
    assert entry.address == "198.51.100.7" and entry.path == "/clients/export.xlsx"
    # The deputy sees two clients: the count is what the user took out.
    _browser(world.persona("deputy")).get("/clients/export.xlsx")
    assert AccessEntry.objects.filter(username="deputy").get().rows == 2


def test_statements_reports_and_exports_are_logged(world) -> None:
    build_scene(world)
    finance = as_persona(world, "finance")
    url = f"clients/{world.client_a.pk}/statement"
    for fmt in ("pdf", "xlsx", "json"):
        r = finance.get(url, date_from="2026-01-01", date_to="2026-12-31", format=fmt)
        assert r.status_code == 200, r.content[:200]
    assert finance.get("receivables/aging.xlsx").status_code == 200
    assert as_persona(world, "head").get("analytics/segments.xlsx").status_code == 200
    assert as_persona(world, "head").get("analytics/segments.pdf").status_code == 200
    logged = list(AccessEntry.objects.order_by("id").values_list("username", "what"))
    assert logged == [
        ("finance", "statement.pdf"),
        ("finance", "statement.xlsx"),
        ("finance", "statement.json"),
        ("finance", "aging.xlsx"),
        ("head", "segments.xlsx"),
        ("head", "segments.pdf"),
    ]
    statement = AccessEntry.objects.filter(what="statement.pdf").get()
    assert statement.filters["date_from"] == "2026-01-01" and statement.rows >= 1


def test_a_refused_export_writes_nothing(world) -> None:
    build_scene(world)
    kam_b = as_persona(world, "kam_b")
    r = kam_b.get(
        f"clients/{world.client_a.pk}/statement", date_from="2026-01-01", date_to="2026-12-31"
    )
    assert r.status_code == 404
    assert not AccessEntry.objects.exists()


def test_api_lists_longer_than_the_setting_are_logged(world, settings) -> None:
    settings.ACCESS_LOG_LIST_ROWS = 2
    build_scene(world)
    api = as_persona(world, "director")
    short = api.get("clients", limit=2)
    assert short.status_code == 200 and len(short.json()["items"]) == 2
    assert not AccessEntry.objects.exists()
    long = api.get("orders", limit=50)
    rows = len(long.json()["items"])
    assert rows > 2
    entry = AccessEntry.objects.get()
    assert (entry.username, entry.what, entry.rows, entry.path) == (
        "director",
        "api.list",
        rows,
        "/api/v1/orders",
    )
    assert entry.filters == {"limit": "50"}


def test_the_access_log_is_append_only(world) -> None:
    _browser(world.persona("kam_a")).get("/clients/export.xlsx")
    entry = AccessEntry.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEntry.objects.filter(pk=entry.pk).update(rows=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.rows == 1


def test_only_the_director_reads_the_log_through_the_api_with_filters(world) -> None:
    _browser(world.persona("kam_a")).get("/clients/export.xlsx", {"q": "x"})
    _browser(world.persona("deputy")).get("/clients/export.xlsx")
    for persona in ("kam_a", "head", "desk", "finance", "admin"):
        assert as_persona(world, persona).get("access-log").status_code == 403, persona
        assert as_persona(world, persona).get("access-log/alerts").status_code == 403, persona
    api = as_persona(world, "director")
    body = api.get("access-log").json()
    assert body["count"] == 2
    mine = api.get("access-log", user="kam_a").json()["items"]
    assert [(e["username"], e["filters"], e["rows"]) for e in mine] == [("kam_a", {"q": "x"}, 0)]
    today = timezone.localdate()
    assert api.get("access-log", since=str(today), what="clients.export").json()["count"] == 2
    tomorrow = today + dt.timedelta(days=1)
    assert api.get("access-log", since=str(tomorrow)).json()["count"] == 0
    assert api.get("access-log", min_rows=2).json()["count"] == 1
    assert api.get("access-log", since="not-a-day").status_code == 422


def test_the_page_is_the_directors(world) -> None:
    _browser(world.persona("kam_a")).get("/clients/export.xlsx", {"q": "Ąžuol"})
    assert _browser(world.persona("kam_a")).get("/audit/access/").status_code == 403
    assert _browser(world.persona("finance")).get("/audit/access/").status_code == 403
    page = _browser(world.persona("director")).get("/audit/access/", {"user": "kam_a"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "kam_a" in html and "q=Ąžuol" in html and "Client list export (XLSX)" in html
    empty = _browser(world.persona("director")).get("/audit/access/", {"user": "nobody"})
    assert "No reads match." in empty.content.decode()
    bad = _browser(world.persona("director")).get("/audit/access/", {"since": "31.12.2026"})
    assert bad.status_code == 200 and "a date like 2026-03-31" in bad.content.decode()


def test_the_page_reads_lithuanian(world) -> None:
    _browser(world.persona("kam_a")).get("/clients/export.xlsx")
    browser = _browser(world.persona("director"))
    browser.cookies["django_language"] = "lt"
    html = browser.get("/audit/access/").content.decode()
    for text in ("Prieigos žurnalas", "Klientų sąrašo eksportas (XLSX)", "Naudotojas", "Eilutės"):
        assert text in html, text
    for english in ("Access log", "Unusual reads", "Client list export", ">Rows<"):
        assert english not in html, english


# --- the alert on unusual reads --------------------------------------------------------------


def _history(user, daily_rows: list[int]) -> None:
    """One entry a day for the days before today, oldest first."""
    now = timezone.now()
    for days_ago, rows in enumerate(reversed(daily_rows), start=1):
        if rows:
            AccessEntry.objects.create(
                at=now - dt.timedelta(days=days_ago),
                user_id=user.pk,
                username=user.username,
                what="clients.export",
                rows=rows,
            )


def _read(request_factory, user, rows: int) -> AccessEntry:
    request = request_factory.get("/clients/export.xlsx")
    request.user = user
    return access_record(request, what="clients.export", rows=rows)


def test_reading_five_times_the_median_day_and_past_the_floor_alerts_once(
    world, rf, settings, caplog
) -> None:
    settings.ACCESS_ALERT_FLOOR = 1000
    kam = world.persona("kam_a")
    _history(kam, [300] * 30)  # a steady 300 rows a day
    _read(rf, kam, 1400)  # 1,400 > 1,000 but not > 5 × 300
    assert not AccessAlert.objects.exists()
    with caplog.at_level(logging.WARNING, logger="raktas.access"):
        entry = _read(rf, kam, 200)  # 1,600 today > 1,500
    alert = AccessAlert.objects.get()
    assert (alert.username, alert.rows_today, alert.usual, alert.entry_id) == (
        "kam_a",
        1600,
        300,
        entry.pk,
    )
    assert "kam_a read 1600 rows today" in caplog.text
    _read(rf, kam, 5000)
    assert AccessAlert.objects.count() == 1  # one per user and day
    director = as_persona(world, "director").get("access-log/alerts").json()
    assert [a["username"] for a in director["items"]] == ["kam_a"]


def test_a_user_who_rarely_reads_is_judged_on_the_median_and_the_floor(world, rf, settings):
    settings.ACCESS_ALERT_FLOOR = 1000
    kam = world.persona("kam_a")
    _history(kam, [0] * 20 + [5000] * 2 + [0] * 8)  # two big days in thirty: median 0
    _read(rf, kam, 900)
    assert not AccessAlert.objects.exists()  # under the floor
    _read(rf, kam, 200)
    assert AccessAlert.objects.get().usual == 0


def test_old_reads_and_other_users_do_not_count(world, rf, settings) -> None:
    settings.ACCESS_ALERT_FLOOR = 10
    kam = world.persona("kam_a")
    other = world.persona("kam_b")
    _history(other, [1] * 30)
    AccessEntry.objects.create(
        at=timezone.now() - dt.timedelta(days=45),
        user_id=kam.pk,
        username="kam_a",
        what="x",
        rows=9,
    )
    entry = _read(rf, other, 4)
    assert unusual_reads(entry) is None and not AccessAlert.objects.exists()
    _history(kam, [100] * 30)
    _read(rf, kam, 400)
    assert not AccessAlert.objects.exists()

"""raktas demo --no-serve: migrates, seeds once, creates the cast and prints logins."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from raktas.clients.models import Client
from raktas.collection.models import CollectionTask, DunningStep, TaskKind
from raktas.credit.models import CreditScore
from raktas.org.models import Role, User
from raktas.seed.people import PEOPLE


@pytest.fixture(autouse=True)
def _migrated(monkeypatch):
    # The test database is migrated already; in a checkout where someone is adding a
    # migration while the suite runs, migrating inside the test's transaction would fail.
    monkeypatch.setattr("raktas.seed.management.commands.demo.unapplied_migrations", lambda: [])


@pytest.mark.django_db
def test_demo_sets_up_users_with_printed_passwords_and_seeds_once(tmp_path):
    with override_settings(DATA_DIR=tmp_path, STATIC_ROOT=tmp_path / "static"):
        first = io.StringIO()
        call_command("demo", "--no-serve", stdout=first)
        clients = Client.objects.count()
        scored = CreditScore.objects.count()
        calls = CollectionTask.objects.filter(kind=TaskKind.DUNNING_CALL).count()
        steps = DunningStep.objects.count()
        waiting = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).count()
        second = io.StringIO()
        call_command("demo", "--no-serve", "--port", "8123", stdout=second)

    assert clients == 300
    assert Client.objects.count() == clients  # the second run did not seed again
    # The seed's credit scores were enqueued and run before serving: nothing waits.
    assert scored == clients
    assert waiting == 0
    # ... and so was today's collection run, so the demo opens with dunning to look at.
    assert steps > 0 and calls > 0
    # The daily work: collection, the holds review, scores.
    assert "background tasks: ran the 3 waiting" in first.getvalue()
    assert "already loaded" in second.getvalue()
    logins = tmp_path / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    printed = {}
    for line in first.getvalue().splitlines():
        parts = line.split()
        if parts and parts[0] in {p.username for p in PEOPLE}:
            printed[parts[0]] = parts[-1]
    assert set(printed) == {p.username for p in PEOPLE}
    for person in PEOPLE:
        user = User.objects.get(username=person.username)
        assert user.check_password(printed[person.username])
        assert user.has_role(person.role)
        assert printed[person.username] in second.getvalue()  # same passwords every run
    assert "http://127.0.0.1:8000/" in first.getvalue()
    assert "http://127.0.0.1:8123/" in second.getvalue()
    assert (
        User.objects.get(username="kam4").team
        == User.objects.get(username="head2").headed_teams.get()
    )
    assert User.objects.get(username="desk1").has_role(Role.ORDER_DESK)
    assert (tmp_path / "static").is_dir()
    # A bank statement to try the import with, paying invoices open in the demo.
    statement = (tmp_path / "demo-camt053.xml").read_bytes()
    assert statement.count(b"<Ntry>") == 6
    assert "demo-camt053.xml" in first.getvalue()


@pytest.mark.django_db
def test_demo_gives_back_a_password_someone_changed(tmp_path):
    with override_settings(DATA_DIR=tmp_path, STATIC_ROOT=tmp_path / "static"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
        kam1 = User.objects.get(username="kam1")
        kam1.set_password("something-else-entirely")
        kam1.save()
        call_command("demo", "--no-serve", stdout=io.StringIO())
    saved = dict(
        line.split("\t")[::2]
        for line in (tmp_path / "demo-logins.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    assert User.objects.get(username="kam1").check_password(saved["kam1"])

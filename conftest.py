import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from raktas.testing.pages import Alerts, Book, browser_for, build_alerts, build_book
from raktas.testing.personas import World, build_world

SCREENSHOTS = Path(__file__).resolve().parent / "var" / "screenshots"


def pytest_configure(config: pytest.Config) -> None:
    # One folder for this run's browser screenshots, named in the controlling process
    # before any xdist worker starts (workers inherit the environment).
    if not hasattr(config, "workerinput"):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
        os.environ["RAKTAS_SCREENSHOTS"] = str(SCREENSHOTS / stamp)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    folder = Path(os.environ.get("RAKTAS_SCREENSHOTS", "/nonexistent"))
    if folder.is_dir() and any(folder.iterdir()):
        shots = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"Browser screenshots ({shots}): {folder}")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request through the test client with
    a Lithuanian cookie leaves Lithuanian active in the thread (LocaleMiddleware
    activates it), and text built outside a request (alert reasons, percentages) would
    then come out in whichever language the test before left behind."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def book(world: World) -> Book:
    """The world plus orders in each state, invoices paid, open and overdue (the page tests)."""
    return build_book(world)


@pytest.fixture
def alerts(book: Book) -> Alerts:
    return build_alerts(book)


@pytest.fixture
def as_user():
    return browser_for


@pytest.fixture(autouse=True)
def _audit_guard_vs_flush(request):
    """Let a transactional test's teardown flush the append-only audit tables.

    Flush empties tables with DELETE (SQLite) or TRUNCATE (PostgreSQL), which the audit
    triggers refuse, and ``raktas flush`` itself refuses while they are in place. For
    transactional tests only, drop the triggers just before the flush; flush emits
    post_migrate, which puts them back (raktas.audit.apps).
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from raktas.audit.guards import remove

    remove(connection)

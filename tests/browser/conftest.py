"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

They skip, saying why, when no Chromium is installed (``.ci/run`` installs Debian's
``chromium`` so CI always runs them). Screenshots of each main page go to
``var/screenshots/<timestamp>/``; the path is printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# ORM calls made by the test itself (building data, checking results) as "async".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def find_chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = find_chromium()
SKIP_REASON = (
    "no Chromium found (/usr/bin/chromium or chromium on PATH); install Debian's "
    "chromium (apt-get install chromium) to run the browser tests"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM is not None:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    # The root conftest names one folder per run (shared by xdist workers) and prints it.
    path = Path(os.environ["RAKTAS_SCREENSHOTS"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def warm_server(live_server: Any) -> str:
    """Load the URLconf once before the browser's first page: importing every app's
    API takes long enough on a busy machine to run past a page-load timeout."""
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/login/", timeout=180) as response:  # noqa: S310
        assert response.status == 200
    return str(live_server.url)


@pytest.fixture
def audit_safe_flush(live_server: Any) -> Iterator[None]:
    """A live-server test runs in a transactional database that is flushed after it;
    on SQLite the audit log's append-only triggers refuse that DELETE. Flush here
    first with the triggers lifted; they come back at once (``post_migrate`` after the
    flush reinstalls them, and ``install`` below makes sure), so the audit table stays
    append-only for every other test. PostgreSQL flushes with TRUNCATE, which its row
    trigger does not see."""
    yield
    from django.core.management import call_command
    from django.db import connection

    from raktas.audit import guards

    if connection.vendor != "sqlite":
        return
    guards.remove(connection)
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        guards.install(connection)

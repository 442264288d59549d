"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

They skip, saying why, when no Chromium is installed (``.ci/run`` installs Debian's
``chromium`` so CI always runs them). Screenshots of each main page go to
``var/screenshots/<timestamp>/``; the path is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from raktas.testing.pages import Book, build_book
from raktas.testing.personas import World, build_world

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
    the audit log's append-only triggers refuse that DELETE/TRUNCATE. Flush here
    first with the triggers lifted; they come back at once (``post_migrate`` after the
    flush reinstalls them, and ``install`` below makes sure), so the audit table stays
    append-only for every other test."""
    yield
    from django.core.management import call_command
    from django.db import connection

    from raktas.audit import guards

    guards.remove(connection)
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        guards.install(connection)


# --- users in tabs, on the persona world ----------------------------------------------

PASSWORD = "pw-for-tests"  # the factories' password


class Session:
    """One user's browser tab, with the CSP violations and errors it met."""

    def __init__(self, chromium: Any, base: str, shots: Path, width: int = 1280) -> None:
        self.context = chromium.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.base = base
        self.shots = shots
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def _console(self, msg: Any) -> None:
        # A 4xx a test provokes on purpose (the 404 page, a 422 with field errors) is
        # reported by Chromium as a failed resource; anything else is a real problem,
        # a CSP violation above all.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(f"{msg.text} @ {msg.location}")

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(re.compile(r"/(today|desk|team|clients|bank)/"))

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()
        assert not self.problems, self.problems


@pytest.fixture
def world(live_server: Any) -> World:
    return build_world()


@pytest.fixture
def book(world: World) -> Book:
    with translation.override("en"):
        return build_book(world)


@pytest.fixture
def session(chromium: Any, warm_server: str, screenshot_dir: Path) -> Iterator[Any]:
    opened: list[Session] = []

    def make(width: int = 1280) -> Session:
        s = Session(chromium, warm_server, screenshot_dir, width)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()

"""Duty 2.21 in a real browser: a KAM exports My clients with a search; the export
writes an access-log row with the user, the filters and the row count, and the
director finds it on the access-log page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from raktas.audit.models import AccessEntry
from raktas.testing.pages import Book

pytestmark = pytest.mark.usefixtures("audit_safe_flush")


def test_exporting_my_clients_is_logged_and_the_director_reads_it(book: Book, session: Any) -> None:
    kam = session()
    kam.sign_in("kam_a")
    kam.go("/clients/?q=%C4%84%C5%BEuol")
    expect(kam.page.locator("#client-table tbody tr")).to_have_count(1)
    with kam.page.expect_download() as download:
        kam.page.locator("#export-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    entry = AccessEntry.objects.get()
    assert (entry.username, entry.what, entry.rows) == ("kam_a", "clients.export", 1)
    assert entry.filters.get("q") == "Ąžuol"
    assert entry.address == "127.0.0.1"

    director = session()
    director.sign_in("director")
    director.page.get_by_role("link", name="Access log").click()
    director.page.wait_for_url(re.compile(r"/audit/access/"))
    director.page.fill("#f-user", "kam_a")
    director.page.get_by_role("button", name="Show").click()
    director.page.wait_for_url(re.compile(r"user=kam_a"))
    row = director.page.locator("#access-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Client list export (XLSX)")
    expect(row).to_contain_text("q=Ąžuol")
    director.shot("access-log")

"""English and Lithuanian, complete.

Three checks: the Lithuanian catalog translates every message and its compiled .mo
is current; no page rendered in Lithuanian shows an English message of the catalog;
and no page shows text that is the same in both languages unless it is data (names,
codes, numbers) — which catches a string that never went through gettext at all.
"""

from __future__ import annotations

import ast
import gettext as pygettext
import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from raktas.catalog.models import PriceColumn, Product
from raktas.clients.models import Client, Contact, Segment
from raktas.collection.models import CollectionTask, DunningLevel, PromiseToPay
from raktas.credit.models import OverrideRequest
from raktas.ledger.models import Invoice, Payment
from raktas.orders.models import Order
from raktas.org.models import Team, User
from raktas.testing.pages import Book, browser_for, build_alerts

# Each app keeps its own catalogue (raktas/<app>/locale/lt/LC_MESSAGES/django.po).
CATALOGUES = sorted(Path(settings.BASE_DIR).glob("*/locale/lt/LC_MESSAGES/django.po"))

# Words that are the same in both languages on purpose: the product's name, the
# language switcher (each language names itself), file formats.
SAME_IN_BOTH = {"Raktas", "EN", "LT", "English", "Lietuvių", "PDF", "Excel", "Enter"}
# Names of methods, models and formats, said the same way in Lithuanian.
SAME_IN_BOTH |= {"ABC", "XYZ", "DSO", "XLSX", "Pareto", "BG", "NBD", "Gamma", "camt"}


def read_po(path: Path) -> list[dict[str, object]]:
    """msgid, msgid_plural, msgstr list and flags of each entry (header excluded)."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current.get("msgid"):
                entries.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#,"):
            current["flags"] = line[2:]
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            value = ast.literal_eval(match.group(2))
            if key.startswith("msgstr"):
                strs = current.setdefault("msgstr", [])
                assert isinstance(strs, list)
                strs.append(value)
            else:
                current[key] = value
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key.startswith("msgstr"):
                strs = current["msgstr"]
                assert isinstance(strs, list)
                strs[-1] += value
            else:
                current[key] = str(current[key]) + value
    return entries


def all_entries() -> list[dict[str, object]]:
    return [entry for po in CATALOGUES for entry in read_po(po)]


def test_every_message_has_a_lithuanian_translation() -> None:
    entries = all_entries()
    assert len(CATALOGUES) >= 10 and len(entries) > 600
    for entry in entries:
        assert "fuzzy" not in str(entry.get("flags", "")), entry["msgid"]
        strs = entry.get("msgstr")
        assert isinstance(strs, list) and strs and all(strs), f"untranslated: {entry['msgid']!r}"
        if "msgid_plural" in entry:
            assert len(strs) == 4, f"Lithuanian has four plural forms: {entry['msgid']!r}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalog_matches_the_po_file(po: Path) -> None:
    with po.with_suffix(".mo").open("rb") as fh:
        catalog = pygettext.GNUTranslations(fh)
    for entry in read_po(po):
        msgid = str(entry["msgid"])
        strs = entry["msgstr"]
        assert isinstance(strs, list)
        if "msgctxt" in entry or "msgid_plural" in entry:
            continue
        assert catalog.gettext(msgid) == strs[0], f"stale .mo for {msgid!r}: run ./dev messages"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_marked_in_the_code_is_in_a_catalogue(tmp_path: Path) -> None:
    """What makemessages extracts from the code is in the apps' catalogues (Django
    merges them all): a string marked for translation but never translated would show
    in English on a Lithuanian page. ``./dev messages APP`` puts it in its app's."""
    copy = tmp_path / "raktas"
    shutil.copytree(
        settings.BASE_DIR, copy, ignore=shutil.ignore_patterns("tests", "migrations", "locale")
    )
    (copy / "locale").mkdir()
    subprocess.run(
        # -P: the copy (its selectors.py, …) must not shadow the standard library.
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "lt", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "raktas.test_settings"},
    )
    extracted = read_po(copy / "locale" / "lt" / "LC_MESSAGES" / "django.po")
    have = {str(e["msgid"]) for e in all_entries()}
    missing = sorted({str(e["msgid"]) for e in extracted} - have)
    assert len(extracted) > 600
    assert not missing, "not in any catalogue (run ./dev messages APP):\n" + "\n".join(missing)


# --- the pages in Lithuanian ---------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style)\b.*?</\1>|<desc\b.*?</desc>", re.S | re.I)
_ATTRS = re.compile(r'\s(?:aria-label|placeholder|title|alt)="([^"]*)"')


def visible_texts(page: str) -> set[str]:
    """Text nodes and the attribute texts a user reads or hears."""
    page = _DROP.sub(" ", page)
    texts = {html.unescape(m).strip() for m in _ATTRS.findall(page)}
    for chunk in _TAGS.split(page):
        text = re.sub(r"\s+", " ", html.unescape(chunk)).strip()
        if text:
            texts.add(text)
    return {t for t in texts if t}


def data_tokens() -> list[str]:
    """Every text value the test data put on the pages, longest first."""
    values: set[str] = set()
    for model, fields in (
        (Client, ("legal_name", "registration_code", "vat_code", "city", "address", "country")),
        (Contact, ("name", "position", "phone", "email")),
        (Product, ("sku", "name", "unit")),
        (User, ("username", "first_name", "last_name")),
        (Team, ("name",)),
        (Segment, ("name",)),
        (PriceColumn, ("name",)),
        (Invoice, ("number",)),
        (Order, ("number", "status_comment", "client_reference")),
        (Payment, ("reference",)),
        (PromiseToPay, ("note",)),
        (DunningLevel, ("name",)),
        # A dunning call's detail is the letter in the client's language: data.
        (CollectionTask, ("detail",)),
    ):
        for row in model.objects.values_list(*fields):
            values.update(
                re.sub(r"\s+", " ", line).strip() for v in row if v for line in str(v).splitlines()
            )
            values.discard("")
    return sorted(values, key=len, reverse=True)


def leftover_words(text: str, tokens: Iterable[str]) -> str:
    for token in tokens:
        text = text.replace(token, " ")
    # Numbers, money, dates, codes and punctuation carry no language.
    text = re.sub(r"[\d\W_€%]+", " ", text)
    words = [w for w in text.split() if w not in SAME_IN_BOTH and len(w) > 1]
    return " ".join(words)


def _an_override() -> int:
    pk = OverrideRequest.objects.order_by("pk").values_list("pk", flat=True).first()
    assert pk is not None, "build_alerts makes an override request"
    return pk


def pages_to_walk(book: Book) -> list[tuple[User | None, str, str, dict[str, str]]]:
    w = book.world
    hx = {"HTTP_HX_REQUEST": "true"}
    return [
        (None, "get", reverse("web:login"), {}),
        # Today with every kind of alert present (``build_alerts``), for each role it
        # serves: the KAM, the deputy, the head of sales, the director.
        (w.kam_a, "get", reverse("book:today"), {}),
        (w.deputy, "get", reverse("book:today"), {}),
        (w.head, "get", reverse("book:today"), {}),
        (w.director, "get", reverse("book:today"), {}),
        (w.kam_a, "get", reverse("book:clients"), {}),
        (w.director, "get", reverse("book:clients") + "?sort=-revenue", {}),
        (w.kam_a, "get", reverse("book:client", args=[w.client_a.pk]), {}),
        (w.desk, "get", reverse("book:client", args=[w.client_a.pk]), {}),
        (w.kam_a, "get", reverse("orders:orders"), {}),
        (w.kam_a, "get", reverse("orders:order", args=[book.draft.pk]), {}),
        (w.kam_a, "get", reverse("orders:order", args=[book.returned.pk]), {}),
        (w.kam_a, "get", reverse("orders:order", args=[book.invoiced.pk]), {}),
        (w.desk, "get", reverse("orders:order", args=[book.submitted.pk]), {}),
        (w.desk, "get", reverse("orders:desk"), {}),
        (w.head, "get", reverse("book:team"), {}),
        (w.director, "get", reverse("book:team"), {}),
        (w.kam_a, "get", reverse("web:password_change"), {}),
        (w.kam_b, "get", reverse("book:client", args=[w.client_a.pk]), {}),  # 404
        (w.kam_a, "get", reverse("orders:desk"), {}),  # 403
        (w.admin, "get", "/", {}),
        (w.kam_a, "get", reverse("orders:order_products", args=[book.draft.pk]) + "?q=P", hx),
        (w.kam_a, "get", reverse("orders:order_products", args=[book.draft.pk]) + "?q=zz", hx),
        # Errors shown inline at the fields.
        (w.kam_a, "post", reverse("orders:order_line_add", args=[book.draft.pk]), hx),
        (w.kam_a, "post", reverse("orders:order_submit", args=[book.draft.pk]) + "#empty", {}),
        (w.desk, "post", reverse("orders:order_return", args=[book.submitted.pk]), {}),
        # Money owed (issue 4): the client's credit page with its timeline and tasks, the
        # credit home with the override queue, an override, collection, the bank queue,
        # the aging with a client's drill-down.
        (w.kam_a, "get", reverse("credit:client", args=[w.client_a.pk]), {}),
        (w.head, "get", reverse("credit:home"), {}),
        (w.head, "get", reverse("credit:override", args=[_an_override()]), {}),
        (w.kam_a, "get", reverse("collection:collection"), {}),
        (w.finance, "get", reverse("banking:queue"), {}),
        (w.finance, "get", reverse("receivables:aging"), {}),
        (w.kam_a, "get", reverse("receivables:aging") + f"?client={w.client_a.pk}", {}),
        # Key-client intelligence (issue 5): the overview and a client's page.
        (w.director, "get", reverse("analytics:overview"), {}),
        (w.kam_a, "get", reverse("analytics:client", args=[w.client_a.pk]), {}),
    ]


def render(user: User | None, method: str, url: str, lang: str, extra: dict[str, str]) -> str:
    browser = browser_for(user, lang) if user else HttpClient(headers={"accept-language": lang})
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    if method == "post":
        data = {"quantity": "-1", "product": ""} if "lines" in url else {"comment": ""}
        response = browser.post(url.split("#")[0], data, **extra)  # type: ignore[arg-type]
    else:
        response = browser.get(url, **extra)  # type: ignore[arg-type]
    assert response.status_code in (200, 403, 404, 422), (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_lithuanian_pages_show_no_english_text(book: Book) -> None:
    build_alerts(book)
    # An empty draft, so submitting it fails and shows the lines error.
    book.draft.lines.all().delete()
    english = {
        str(e["msgid"]).replace("%%", "%")
        for e in all_entries()
        if isinstance(e.get("msgstr"), list) and e["msgstr"] and e["msgstr"][0] != e["msgid"]  # type: ignore[index]
    }
    tokens = data_tokens()
    problems: list[str] = []
    for user, method, url, extra in pages_to_walk(book):
        lt_page = render(user, method, url, "lt", extra)
        en_page = render(user, method, url, "en", extra)
        assert lt_page != en_page, f"{url} did not change language"
        lt_texts = visible_texts(lt_page)
        for text in lt_texts & english:
            problems.append(f"{url}: English message {text!r}")
        # A word left on both pages once data is taken out was never translated.
        en_words = {w for t in visible_texts(en_page) for w in leftover_words(t, tokens).split()}
        for text in lt_texts:
            same = set(leftover_words(text, tokens).split()) & en_words
            if same:
                problems.append(
                    f"{url}: same in both languages {text!r} ({' '.join(sorted(same))})"
                )
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
def test_lithuanian_pages_format_money_and_dates_the_lithuanian_way(book: Book) -> None:
    invoice = book.overdue_invoice
    page = render(
        book.world.kam_a, "get", reverse("book:client", args=[invoice.client_id]), "lt", {}
    )
    text = html.unescape(page)
    # 1 234,56 € — a space between thousands, a decimal comma, the sign after.
    gross = f"{invoice.gross_total:,.2f}".replace(",", "\u00a0").replace(".", ",") + "\u00a0€"
    assert invoice.gross_total > Decimal(1000)
    assert gross in text
    assert invoice.issue_date.isoformat() in text  # 2026-10-19
    en = html.unescape(
        render(book.world.kam_a, "get", reverse("book:client", args=[invoice.client_id]), "en", {})
    )
    assert f"€{invoice.gross_total:,.2f}" in en

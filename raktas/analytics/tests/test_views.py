"""The analytics pages: the Pareto curve and matrix per role, the client's value page,
and the head of sales deciding a tier proposal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client as Browser
from django.utils import timezone, translation

from raktas.analytics.models import ClientValue, TierProposal
from raktas.clients.models import Tier
from raktas.ledger.services import invoice_create

pytestmark = pytest.mark.django_db


def browser(world, name):
    b = Browser()
    b.force_login(world.persona(name))
    return b


@pytest.fixture
def sold(world):
    for client in (world.client_a, world.client_b):
        invoice_create(
            by=world.persona("finance"),
            client=client,
            issue_date=timezone.localdate().replace(day=1),
            lines=[{"description": "x", "quantity": 1, "unit_price": "100", "vat_rate": "21",
                    "product": world.products[0], "unit_cost": "60"}],
        )  # fmt: skip
    return world


def test_the_director_sees_the_pareto_curve_and_the_matrix(sold):
    page = browser(sold, "director").get("/analytics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "UAB „Beržas“" in html and "UAB „Ąžuolas“" in html
    assert "Key-client candidates" in html


def test_a_kam_sees_only_their_book_and_the_desk_is_refused(sold):
    html = browser(sold, "kam_a").get("/analytics/").content.decode()
    assert "UAB „Ąžuolas“" in html and "UAB „Beržas“" not in html
    assert browser(sold, "desk").get("/analytics/").status_code == 403


def test_the_client_value_page_shows_npv_to_the_kam_not_to_others(sold):
    ClientValue.objects.create(
        client=sold.client_a,
        computed_on=timezone.localdate(),
        p_alive=0.42,
        expected_orders=2,
        expected_order_net=Decimal("100"),
        expected_margin=Decimal("80"),
        npv=Decimal("76.54"),
    )
    url = f"/analytics/clients/{sold.client_a.pk}/"
    html = browser(sold, "kam_a").get(url).content.decode()
    assert "76.54" in html.replace("\u00a0", " ").replace(",", ".") and "42 %" in html
    assert "Next best offer" in html
    assert browser(sold, "kam_b").get(url).status_code == 404


def test_the_head_of_sales_accepts_a_proposal_from_the_page(sold):
    proposal = TierProposal.objects.create(
        client=sold.client_a, current_tier=Tier.MAINTAIN, proposed_tier=Tier.KEY, reasons=["r"]
    )
    head = browser(sold, "head")
    assert "Tier proposals to decide" in head.get("/analytics/").content.decode()
    response = head.post(f"/analytics/tier-proposals/{proposal.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    sold.client_a.refresh_from_db()
    assert sold.client_a.tier == Tier.KEY
    kam = browser(sold, "kam_a").post(
        f"/analytics/tier-proposals/{proposal.pk}/decide/", {"decision": "accept"}
    )
    assert kam.status_code == 302  # refused with a message; nothing changes


def test_fragments_for_the_client_page_and_order_entry(sold):
    from raktas.orders.services import order_create

    kam = browser(sold, "kam_a")
    panel = kam.get(f"/analytics/clients/{sold.client_a.pk}/panel/")
    assert panel.status_code == 200 and "Value and churn risk" in panel.content.decode()
    draft = order_create(by=sold.persona("kam_a"), client=sold.client_a)
    fragment = kam.get(f"/analytics/orders/{draft.pk}/suggestions/")
    assert fragment.status_code == 200 and "credit headroom" in fragment.content.decode()
    assert (
        browser(sold, "kam_b").get(f"/analytics/orders/{draft.pk}/suggestions/").status_code == 404
    )


def test_the_analytics_pages_speak_lithuanian(sold):
    """The i18n walk of the web pages, on the analytics pages: no English message and
    no word left the same in both languages once the data is taken out."""
    from raktas.analytics.services import TierRules, propose_tier
    from raktas.orders.services import order_create
    from raktas.web.tests.test_i18n import all_entries, data_tokens

    ClientValue.objects.create(
        client=sold.client_a,
        computed_on=timezone.localdate(),
        p_alive=0.3,
        expected_orders=2,
        expected_order_net=Decimal("100"),
        expected_margin=Decimal("80"),
        npv=Decimal("76.54"),
        repeat_purchases=4,
        weeks_since_last=20,
        typical_gap_days=14,
    )
    tier, reasons = propose_tier(
        share=0.3, margin_share=0.3, npv_rank=0.0, growth=0.5, rules=TierRules()
    )
    TierProposal.objects.create(
        client=sold.client_a, current_tier=Tier.MAINTAIN, proposed_tier=tier, reasons=reasons
    )
    draft = order_create(by=sold.persona("kam_a"), client=sold.client_a)
    a = sold.client_a.pk
    pages = [
        ("director", "/analytics/"),
        ("director", "/analytics/?dimension=product"),
        ("head", "/analytics/?returns=product"),
        ("kam_a", "/analytics/?returns=month"),
        ("kam_a", "/analytics/?returns=kam"),
        ("kam_a", f"/analytics/clients/{a}/"),
        ("kam_a", f"/analytics/clients/{a}/panel/"),
        ("kam_a", f"/analytics/orders/{draft.pk}/suggestions/"),
    ]
    english = {
        str(e["msgid"]).replace("%%", "%")
        for e in all_entries()
        if isinstance(e.get("msgstr"), list) and e["msgstr"] and e["msgstr"][0] != e["msgid"]  # type: ignore[index]
    }
    tokens = data_tokens()
    # Names of methods and file formats read the same in both languages.
    same_in_both = {"ABC", "XYZ", "Pareto", "XLSX", "PDF", "BG", "NBD", "Gamma"}
    with translation.override("en"):  # the requests activate Lithuanian in this thread
        problems = _walk(sold, pages, english, tokens, same_in_both)
    assert not problems, "\n".join(sorted(set(problems)))
    lt = browser(sold, "kam_a")
    lt.cookies["django_language"] = "lt"
    with translation.override("en"):
        page = lt.get(f"/analytics/clients/{a}/").content.decode()
    assert "Aktyvumo tikimybė" in page and "GDV" in page and "P(alive)" not in page


def _walk(sold, pages, english, tokens, same_in_both):
    from raktas.web.tests.test_i18n import leftover_words, visible_texts

    problems = []
    for persona, url in pages:
        rendered = {}
        for lang in ("en", "lt"):
            b = browser(sold, persona)
            b.cookies["django_language"] = lang
            response = b.get(url)
            assert response.status_code == 200, (url, response.status_code)
            rendered[lang] = response.content.decode()
        lt_texts = visible_texts(rendered["lt"])
        problems += [f"{url}: English message {t!r}" for t in lt_texts & english]
        en_words = {
            w for t in visible_texts(rendered["en"]) for w in leftover_words(t, tokens).split()
        }
        for text in lt_texts:
            same = set(leftover_words(text, tokens).split()) & en_words - same_in_both
            if same:
                problems.append(f"{url}: same in both {text!r} ({' '.join(sorted(same))})")
    return problems


def test_the_overview_shows_the_weightiest_proposals_and_churn_with_a_link_to_all(sold):
    from raktas.testing.factories import ClientFactory

    owner = sold.client_a.owner
    clients = [ClientFactory(owner=owner) for _ in range(19)] + [sold.client_a]
    for i, client in enumerate(clients):
        TierProposal.objects.create(
            client=client,
            current_tier=Tier.MAINTAIN,
            proposed_tier=Tier.KEY if client == sold.client_a else Tier.DEVELOP,
            reasons=["r"],
        )
        ClientValue.objects.create(
            client=client,
            computed_on=timezone.localdate(),
            weeks_since_last=1,
            p_alive=0.1,
            expected_orders=1,
            npv=Decimal(1000 if client == sold.client_a else i),
        )
    head = browser(sold, "head")
    html = head.get("/analytics/").content.decode()
    assert html.count('name="decision" value="accept"') == 15
    assert "Show all 20" in html and "all=proposals" in html and "all=churn" in html
    assert sold.client_a.legal_name in html  # proposed key: the weightiest
    churn = html[html.index('id="churn-h"') :].split("</section>")[0]
    assert churn.count("/analytics/clients/") == 15
    html = head.get("/analytics/?all=proposals").content.decode()
    assert html.count('name="decision" value="accept"') == 20
    assert 'name="all" value="proposals"' in html
    churn = head.get("/analytics/?all=churn").content.decode()
    section = churn[churn.index('id="churn-h"') :].split("</section>")[0]
    assert section.count("/analytics/clients/") == 20
    proposal = TierProposal.objects.get(client=clients[0])
    response = head.post(
        f"/analytics/tier-proposals/{proposal.pk}/decide/",
        {"decision": "accept", "all": "proposals"},
    )
    assert response.status_code == 302 and "all=proposals" in response["Location"]
    clients[0].refresh_from_db()
    assert clients[0].tier == Tier.DEVELOP

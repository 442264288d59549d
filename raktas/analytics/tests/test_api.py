"""The analytics API, persona by persona: scope, hidden margin, who decides tiers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from raktas.analytics.models import ClientValue, TierProposal
from raktas.clients.models import Tier
from raktas.ledger.services import invoice_create
from raktas.testing.api import PERSONAS, Case, _check_response, as_persona, build_scene, expect
from raktas.testing.factories import SegmentFactory

pytestmark = pytest.mark.django_db

# The analysts get 200, the order desk and the administrator 403 (no analytics for
# them); a client outside one's book is 404. The scene's invoice_b was written around
# the services, so only credit notes reach client_b's rollups; client_d has no sales.
ANALYSTS = expect(200, desk=403, admin=403)
IN_BOOK = expect(200, kam_b=404, desk=403, admin=403)
SALES_IN_VIEW = {
    "kam_a": {"client_a"},
    "kam_b": {"client_b"},
    "deputy": {"client_a"},
    "head": {"client_a"},
    "finance": {"client_a", "client_b"},
    "director": {"client_a", "client_b"},
}
CASES = [
    Case("GET", "/api/v1/analytics/abc", ANALYSTS, visible={**SALES_IN_VIEW, "desk": set(), "admin": set()}),
    Case("GET", "/api/v1/analytics/key-clients", ANALYSTS),
    Case("GET", "/api/v1/analytics/clients/{client_a}/value", IN_BOOK),
    Case("GET", "/api/v1/analytics/clients/{client_a}/next-best-offer", IN_BOOK),
    Case("GET", "/api/v1/analytics/churn", ANALYSTS),
    Case("GET", "/api/v1/analytics/returns", ANALYSTS),
    Case("GET", "/api/v1/analytics/returns/alerts", ANALYSTS),
    Case("GET", "/api/v1/analytics/segments", ANALYSTS),
    Case("GET", "/api/v1/analytics/segments.xlsx", ANALYSTS),
    Case("GET", "/api/v1/analytics/segments.pdf", ANALYSTS),
    Case("GET", "/api/v1/analytics/tier-proposals", ANALYSTS),
    # The scene has no proposal: every analyst gets 404; deciding is tested below.
    Case("POST", "/api/v1/analytics/tier-proposals/{missing}/accept", expect(404, desk=403, admin=403), body={}),
    Case("POST", "/api/v1/analytics/tier-proposals/{missing}/reject", expect(404, desk=403, admin=403), body={"note": "no"}),
]  # fmt: skip


def test_every_persona_gets_the_status_its_role_allows(world):
    """All cases on one scene (building it is the slow part); each persona's call is
    rolled back. The workbook and the PDF are not JSON: their status alone is checked."""
    ids = build_scene(world)
    failures = []
    for case in CASES:
        url = case.path.format(**ids)
        for persona in PERSONAS:
            with transaction.atomic():
                api = as_persona(world, persona)
                if case.method == "GET":
                    response = api.get(url)
                else:
                    response = api.request(case.method, url, case.body)
                if response.get("Content-Type", "").startswith(
                    ("application/vnd.openxml", "application/pdf")
                ):
                    if response.status_code != case.expect[persona]:
                        failures.append(f"{case.id}: {persona}: got a file")
                else:
                    failures.extend(
                        f"{case.id}: {f}" for f in _check_response(case, persona, response, ids)
                    )
                transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


THIS_MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def sales(world):
    for client, amount in (
        (world.client_a, "300"),
        (world.client_b, "700"),
        (world.client_d, "100"),
    ):
        invoice_create(
            by=world.persona("finance"),
            client=client,
            issue_date=THIS_MONTH,
            lines=[{"description": "x", "quantity": 1, "unit_price": amount, "vat_rate": "21",
                    "product": world.products[0], "unit_cost": "50"}],
        )  # fmt: skip
    return world


def clients_in(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("kam_a", {"client_a"}),
        ("deputy", {"client_a", "client_d"}),
        ("head", {"client_a", "client_d"}),
        ("kam_b", {"client_b"}),
        ("finance", {"client_a", "client_b", "client_d"}),
        ("director", {"client_a", "client_b", "client_d"}),
    ],
)
def test_abc_is_of_the_clients_in_the_personas_scope(sales, persona, expected):
    got = clients_in(as_persona(sales, persona).get("analytics/abc"))
    assert got == {getattr(sales, name).pk for name in expected}


@pytest.mark.parametrize("persona", ["desk", "admin"])
def test_the_desk_and_the_administrator_get_no_analytics(sales, persona):
    assert as_persona(sales, persona).get("analytics/abc").status_code == 403
    assert as_persona(sales, persona).get("analytics/churn").status_code == 403


def test_margin_is_null_for_finance_without_the_grant(sales):
    body = as_persona(sales, "finance").get("analytics/abc").json()
    assert body["total_margin"] is None
    assert {item["margin"] for item in body["items"]} == {None}
    granted = as_persona(sales, "finance_margin").get("analytics/abc").json()
    assert Decimal(granted["total_margin"]) == Decimal("950.00")


def test_a_client_outside_the_scope_is_not_found(sales):
    url = f"analytics/clients/{sales.client_a.pk}/value"
    assert as_persona(sales, "kam_b").get(url).status_code == 404
    assert as_persona(sales, "kam_a").get(url).status_code == 200
    offer = f"analytics/clients/{sales.client_a.pk}/next-best-offer"
    assert as_persona(sales, "kam_b").get(offer).status_code == 404
    assert as_persona(sales, "kam_a").get(offer).json()["headroom"] == "9637.00"


def test_npv_is_shown_to_the_kam_and_hidden_from_finance(sales):
    ClientValue.objects.create(
        client=sales.client_a,
        computed_on=THIS_MONTH,
        p_alive=0.9,
        expected_orders=4,
        expected_order_net=Decimal("300"),
        expected_margin=Decimal("400"),
        npv=Decimal("380.50"),
    )
    url = f"analytics/clients/{sales.client_a.pk}/value"
    assert as_persona(sales, "kam_a").get(url).json()["npv"] == "380.50"
    assert as_persona(sales, "finance").get(url).json()["npv"] is None


def test_key_clients_and_segments_answer_in_scope(sales):
    found = as_persona(sales, "director").get("analytics/key-clients", revenue_share="0.5")
    first = found.json()["items"][0]
    assert first["client_id"] == sales.client_b.pk
    assert "brings 63.6% of revenue in this view" in first["reasons"]
    assert as_persona(sales, "kam_a").get("analytics/key-clients").json()["items"][0][
        "client_id"
    ] == (sales.client_a.pk)
    xlsx = as_persona(sales, "head").get("analytics/segments.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx.content[:2] == b"PK"


def test_only_the_head_of_the_clients_team_accepts_a_tier_proposal(sales):
    proposal = TierProposal.objects.create(
        client=sales.client_a, current_tier=Tier.MAINTAIN, proposed_tier=Tier.KEY, reasons=["r"]
    )
    url = f"analytics/tier-proposals/{proposal.pk}/accept"
    assert as_persona(sales, "kam_b").post(url, {}).status_code == 404  # not in view
    assert as_persona(sales, "kam_a").post(url, {}).status_code == 403  # sees, may not decide
    listed = as_persona(sales, "head").get("analytics/tier-proposals").json()["items"]
    assert listed[0]["you_may_decide"] is True
    response = as_persona(sales, "head").post(url, {})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    sales.client_a.refresh_from_db()
    assert sales.client_a.tier == Tier.KEY
    again = as_persona(sales, "director").post(
        f"analytics/tier-proposals/{proposal.pk}/reject", {"note": "late"}
    )
    assert again.status_code == 409


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_segment_proposal_report_as_pdf_in_both_languages_and_in_scope(sales):
    horeca = SegmentFactory.create(code="horeca", name="HoReCa „Žąsis“ — Кафе")
    retail = SegmentFactory.create(code="retail", name="Mažmena")
    for client, segment in ((sales.client_a, horeca), (sales.client_b, retail)):
        client.segment = segment
        client.save()
    director = as_persona(sales, "director")
    en = director.get("analytics/segments.pdf", lang="en")
    assert en.status_code == 200 and en["Content-Type"] == "application/pdf"
    assert en.content.startswith(b"%PDF")
    assert 'lt"' not in en["Content-Disposition"] and en["Content-Disposition"].endswith('-en.pdf"')
    text = _pdf_text(en.content)
    for expected in (
        "Segment prospects — proposal report",
        "HoReCa „Žąsis“ — Кафе",  # Lithuanian and Cyrillic letters survive
        "Mažmena",
        "Price realisation",
        "Margin rate",
        "New segment: build the assortment with the first clients.",
        "€700.00",  # client_b's revenue, English money
    ):
        assert expected in text, expected

    lt = _pdf_text(director.get("analytics/segments.pdf", lang="lt").content)
    for expected in (
        "Segmentų perspektyvos – pasiūlymų ataskaita",
        "HoReCa „Žąsis“ — Кафе",
        "Kainų realizavimas",
        "Maržos dalis",
        "Naujas segmentas: asortimentą kurkite su pirmaisiais klientais.",
        "700,00\u00a0€",
    ):
        assert expected in lt, expected
    assert "Segment prospects" not in lt and "New segment" not in lt

    # A KAM's report covers their clients' segments only; finance without the grant
    # gets no margin column.
    mine = _pdf_text(as_persona(sales, "kam_a").get("analytics/segments.pdf", lang="en").content)
    assert "HoReCa" in mine and "Mažmena" not in mine
    hidden = _pdf_text(
        as_persona(sales, "finance").get("analytics/segments.pdf", lang="en").content
    )
    assert "Mažmena" in hidden and "Margin rate" not in hidden

    bad = director.get("analytics/segments.pdf", lang="de")
    assert bad.status_code == 422 and "lang" in bad.content.decode()


def test_the_segment_workbook_follows_the_language(sales):
    book = load_workbook(
        io.BytesIO(as_persona(sales, "head").get("analytics/segments.xlsx", lang="lt").content)
    )
    assert book.sheetnames == ["Segmentai", "Pagal mėnesius"]
    assert str(book.worksheets[0]["A1"].value).startswith("Segmentų perspektyvos")


def test_returns_by_product_answer_each_persona_for_their_own_clients(sales):
    product = sales.products[0].pk

    def invoiced(persona):
        response = as_persona(sales, persona).get("analytics/returns", group_by="product")
        assert response.status_code == 200, response.content
        return {row["key"]: Decimal(str(row["invoiced"])) for row in response.json()["items"]}

    assert invoiced("kam_a") == {product: Decimal("300")}
    assert invoiced("kam_b") == {product: Decimal("700")}
    assert invoiced("director") == {product: Decimal("1100")}
    assert as_persona(sales, "desk").get("analytics/returns", group_by="product").status_code == 403

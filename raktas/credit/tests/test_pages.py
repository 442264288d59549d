"""The credit and collection pages: who sees them, the approval flow, the score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from raktas.collection.models import PromiseToPay
from raktas.collection.services import collection_run
from raktas.credit.models import OverrideRequest, OverrideStatus
from raktas.credit.services import CreditRefused, credit_hold_set
from raktas.orders.models import OrderStatus
from raktas.orders.services import order_submit
from raktas.testing.api import expect
from raktas.testing.credit import draft, invoice, set_limit
from raktas.testing.pages import PageCase, check_page_case

pytestmark = pytest.mark.django_db


def browser(world, name: str) -> HttpClient:
    http = HttpClient()
    http.force_login(world.persona(name))
    return http


def _refused(world):
    set_limit(world.client_a, "50.00")
    order = draft(world, world.client_a, 5)  # 60.50
    with pytest.raises(CreditRefused):
        order_submit(by=world.kam_a, order=order)
    return order, OverrideRequest.objects.get(order=order)


@pytest.mark.parametrize(
    "name,status",
    [
        ("kam_a", 200),
        ("kam_b", 404),
        ("deputy", 200),
        ("head", 200),
        ("desk", 404),
        ("finance", 200),
        ("director", 200),
    ],
)
def test_client_credit_page_is_scoped_like_the_account(world, name, status):
    response = browser(world, name).get(f"/credit/clients/{world.client_a.pk}/")
    assert response.status_code == status


@pytest.mark.parametrize(
    "name,status", [("kam_a", 200), ("head", 200), ("finance", 200), ("desk", 403)]
)
def test_credit_home_is_for_those_who_see_accounts(world, name, status):
    assert browser(world, name).get("/credit/").status_code == status


def test_the_head_approves_on_the_credit_page_and_the_order_is_submitted(world):
    order, override = _refused(world)
    head = browser(world, "head")
    page = head.get("/credit/").content.decode()
    assert f"#{override.pk}" in page and "Approve and submit" in page
    # The KAM sees the request but no decision form.
    assert "Approve and submit" not in browser(world, "kam_a").get("/credit/").content.decode()

    response = head.post(
        f"/credit/overrides/{override.pk}/decide/",
        {"decision": "approve", "reason": "Season stock"},
        follow=True,
    )
    assert response.status_code == 200
    assert "was submitted" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED
    override.refresh_from_db()
    assert override.status == OverrideStatus.APPROVED


def test_a_kam_cannot_decide_through_the_page(world):
    _order, override = _refused(world)
    response = browser(world, "kam_a").post(
        f"/credit/overrides/{override.pk}/decide/", {"decision": "approve", "reason": "mine"}
    )
    assert response.status_code == 403
    assert (
        browser(world, "kam_b")
        .post(f"/credit/overrides/{override.pk}/decide/", {"decision": "approve", "reason": "x"})
        .status_code
        == 404
    )
    override.refresh_from_db()
    assert override.status == OverrideStatus.PENDING


def test_a_decision_without_reason_is_refused_with_a_message(world):
    _order, override = _refused(world)
    response = browser(world, "head").post(
        f"/credit/overrides/{override.pk}/decide/",
        {"decision": "reject", "reason": ""},
        follow=True,
    )
    assert "say why" in response.content.decode()
    override.refresh_from_db()
    assert override.status == OverrideStatus.PENDING


def test_the_client_page_explains_the_score_and_shows_the_timeline(world):
    _refused(world)
    page = browser(world, "kam_a").get(f"/credit/clients/{world.client_a.pk}/").content.decode()
    for label in ("Average days late", "Share overdue", "Trend", "Broken promises", "Tenure"):
        assert label in page
    assert "Suggested limit" in page
    assert "Credit override requested" in page  # the timeline


def test_a_promise_is_recorded_from_the_page(world):
    day = timezone.localdate() + dt.timedelta(days=7)
    response = browser(world, "deputy").post(
        f"/credit/clients/{world.client_a.pk}/promises/",
        {"promised_on": day.isoformat(), "amount": "120,50", "note": "phone"},
        follow=True,
    )
    assert response.status_code == 200
    promise = PromiseToPay.objects.get()
    assert promise.amount == Decimal("120.50") and promise.recorded_by == world.deputy


def test_collection_worklist_shows_broken_promises_and_dunning_calls(world):
    day = timezone.localdate()
    PromiseToPay.objects.create(
        client=world.client_a,
        made_on=day - dt.timedelta(days=5),
        promised_on=day - dt.timedelta(days=1),
        amount=Decimal("9.00"),
        recorded_by=world.kam_a,
    )
    invoice(
        world,
        world.client_a,
        "40.00",
        issued=day - dt.timedelta(days=60),
        due=day - dt.timedelta(days=11),
    )
    collection_run(as_of=day)  # the promise breaks; the invoice needs a call
    page = browser(world, "kam_a").get("/credit/collection/").content.decode()
    assert "Broken promises to pay" in page and "9.00" in page
    assert "Call " in page
    assert world.client_b.legal_name not in page
    other = browser(world, "kam_b").get("/credit/collection/").content.decode()
    assert world.client_a.legal_name not in other


def test_finance_lifts_a_hold_from_the_page(world):
    hold = credit_hold_set(client=world.client_a, kind="stop_shipments", reason="45 days")
    assert (
        browser(world, "kam_a")
        .post(f"/credit/holds/{hold.pk}/lift/", {"reason": "paid"})
        .status_code
        == 403
    )
    response = browser(world, "finance").post(
        f"/credit/holds/{hold.pk}/lift/", {"reason": "paid"}, follow=True
    )
    assert response.status_code == 200
    hold.refresh_from_db()
    assert hold.lifted_at is not None


def test_refusal_reasons_are_said_in_the_readers_language(world, settings):
    _order, override = _refused(world)
    head = browser(world, "head")
    head.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    for url in (f"/credit/overrides/{override.pk}/", "/credit/"):
        html = head.get(url).content.decode()
        assert "viršytų kredito limitą" in html, url
        assert "is over the credit limit" not in html, url  # the stored English message
    english = browser(world, "head").get(f"/credit/overrides/{override.pk}/").content.decode()
    assert "would be over the credit limit" in english
    assert (
        "Viršytas kredito limitas" in head.get(f"/credit/overrides/{override.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    "target,lands",
    [
        ("/today/", "/today/"),
        ("https://evil.example/phish", "/credit/"),
        ("//evil.example/", "/credit/"),
        ("", "/credit/"),
    ],
)
def test_a_form_goes_back_only_to_a_page_of_this_site(world, target, lands):
    hold = credit_hold_set(client=world.client_a, kind="stop_shipments", reason="45 days")
    response = browser(world, "finance").post(
        f"/credit/holds/{hold.pk}/lift/", {"reason": "paid", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == lands


def test_page_messages_are_said_in_the_readers_language(world, settings):
    _order, override = _refused(world)
    head = browser(world, "head")
    head.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    html = head.post(
        f"/credit/overrides/{override.pk}/decide/",
        {"decision": "approve", "reason": "Sezoninės atsargos"},
        follow=True,
    ).content.decode()
    assert f"Patvirtinta: užsakymas {override.order} pateiktas." in html
    assert "was submitted" not in html


# --- persona by persona (raktas.testing.pages.PageCase) --------------------------------

# client_a's account: its book (kam_a, the deputy, the head), finance, the director.
ACCOUNT_A = expect(200, kam_b=404, desk=404, admin=404)

PAGE_CASES = [
    PageCase("credit:home", expect(200, desk=403, admin=403)),
    PageCase("credit:override", ACCOUNT_A, kwargs={"pk": "override_a"}),
    PageCase(
        "credit:override_decide",
        expect(403, kam_b=404, desk=404, admin=404, head=302, director=302),
        kwargs={"pk": "override_a"},
        method="POST",
        data={"decision": "reject", "reason": "Pay the overdue first."},
    ),
    PageCase(
        "credit:hold_lift",
        expect(403, kam_b=404, desk=404, admin=404, finance=302, director=302),
        kwargs={"pk": "hold_a"},
        method="POST",
        data={"reason": "Paid."},
    ),
    PageCase("credit:client", ACCOUNT_A, kwargs={"pk": "client_a"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
def test_each_persona_gets_what_the_access_rules_give(world, case: PageCase) -> None:
    check_page_case(world, case)

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from raktas.banking.models import BankEntry, BankEntryStatus
from raktas.banking.tests.conftest import read


def _login(world, name):
    client = Client()
    client.force_login(world.persona(name))
    return client


@pytest.mark.django_db
def test_finance_imports_a_statement_and_works_the_queue_on_the_page(world, books):
    web = _login(world, "finance")
    upload = SimpleUploadedFile("stmt.xml", read("camt053_v08.xml"), "application/xml")
    response = web.post("/bank/upload/", {"file": upload}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "4 matched, 1 waiting for finance" in html
    assert "ООО «Северный ветер»" in html
    waiting = BankEntry.objects.get(status=BankEntryStatus.UNMATCHED)
    done = web.post(
        f"/bank/entries/{waiting.pk}/resolve/", {"client_id": str(world.client_d.pk)}, follow=True
    )
    assert "assigned to" in done.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == BankEntryStatus.RESOLVED


@pytest.mark.django_db
def test_a_broken_file_shows_the_reason_and_imports_nothing(world):
    web = _login(world, "finance")
    upload = SimpleUploadedFile("x.xml", b"<Document>", "application/xml")
    html = web.post("/bank/upload/", {"file": upload}, follow=True).content.decode()
    assert "nothing imported" in html and not BankEntry.objects.exists()


@pytest.mark.django_db
def test_only_finance_and_the_director_see_the_bank_page(world):
    assert _login(world, "director").get("/bank/").status_code == 200
    for name in ("kam_a", "head", "desk"):
        assert _login(world, name).get("/bank/").status_code == 403, name


@pytest.mark.django_db
def test_the_main_navigation_leads_finance_and_the_director_to_the_bank_page(world):
    from django.template import Context

    from raktas.web.templatetags.raktas_nav import nav_items

    def nav(name):
        client = _login(world, name)
        request = client.get("/bank/" if name in ("finance", "director") else "/").wsgi_request
        return {item.label: item.url for item in nav_items(Context({"request": request}))}

    assert nav("finance")["Finance"] == "/bank/"
    assert nav("director")["Finance"] == "/bank/"
    for name in ("kam_a", "head", "desk"):
        assert "Finance" not in nav(name), name


@pytest.mark.django_db
def test_a_waiting_reversal_is_taken_back_on_the_page(world, books):
    web = _login(world, "finance")
    web.post("/bank/upload/", {"file": SimpleUploadedFile("a.xml", read("camt053_v08.xml"))})
    upload = SimpleUploadedFile("rev.xml", read("camt053_v08_reversals.xml"), "application/xml")
    html = web.post("/bank/upload/", {"file": upload}, follow=True).content.decode()
    assert "4 reversals of earlier credits: 3 reversed in the ledger, 1 waiting" in html
    waiting = BankEntry.objects.get(is_reversal=True, status=BankEntryStatus.UNMATCHED)
    credit = BankEntry.objects.get(is_reversal=False, amount=waiting.amount)
    assert f'name="credit_id" value="{credit.pk}"' in html
    assert f'action="/bank/entries/{waiting.pk}/reverse/"' in html
    done = web.post(
        f"/bank/entries/{waiting.pk}/reverse/", {"credit_id": str(credit.pk)}, follow=True
    )
    assert "is taken back" in done.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == BankEntryStatus.RESOLVED and waiting.reverses == credit
    refused = web.post(f"/bank/entries/{waiting.pk}/reverse/", {"credit_id": ""}, follow=True)
    assert "already" in refused.content.decode()


@pytest.mark.django_db
def test_the_bank_page_is_finances_day_with_override_requests_and_credit_links(world):
    from raktas.credit.models import OverrideRequest
    from raktas.credit.services import CreditRefused
    from raktas.orders.services import order_submit
    from raktas.testing.credit import draft, set_limit

    set_limit(world.client_a, "50.00")
    order = draft(world, world.client_a, 5)
    with pytest.raises(CreditRefused):
        order_submit(by=world.kam_a, order=order)
    override = OverrideRequest.objects.get(order=order)
    html = _login(world, "finance").get("/bank/").content.decode()
    assert f'href="/credit/overrides/{override.pk}/"' in html
    assert 'href="/credit/"' in html and 'href="/credit/collection/"' in html
    # The director decides it: the page says so with a link to the credit page.
    assert "Decide on the credit page" in _login(world, "director").get("/bank/").content.decode()
    assert "Decide on the credit page" not in html
    # And the credit page points finance back at the bank queue.
    credit_home = _login(world, "finance").get("/credit/").content.decode()
    assert 'href="/bank/"' in credit_home and "0 entries waiting" in credit_home
    assert 'href="/bank/"' not in _login(world, "head").get("/credit/").content.decode()


@pytest.mark.django_db
def test_the_import_summary_is_in_lithuanian_on_a_lithuanian_page(world, books, settings):
    web = _login(world, "finance")
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    upload = SimpleUploadedFile("stmt.xml", read("camt053_v08.xml"), "application/xml")
    html = web.post("/bank/upload/", {"file": upload}, follow=True).content.decode()
    assert "4 susieti, 1 laukia finansų skyriaus" in html
    assert "waiting for finance" not in html

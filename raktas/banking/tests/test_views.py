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

import datetime as dt

import pytest
from django.test import Client

from raktas.receivables.tests.helpers import invoice


def _login(world, name):
    client = Client()
    client.force_login(world.persona(name))
    return client


@pytest.mark.django_db
def test_kam_sees_the_aging_page_of_own_clients_as_of_a_past_date(world):
    fin = world.persona("finance")
    invoice(fin, world.client_a, "123.45", dt.date(2026, 1, 1))
    invoice(fin, world.client_b, "999.00", dt.date(2026, 1, 1))
    page = _login(world, "kam_a").get("/receivables/aging/", {"as_of": "2026-03-15"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ąžuolas" in html and "Beržas" not in html
    assert "123" in html
    drill = _login(world, "kam_a").get(
        "/receivables/aging/", {"as_of": "2026-03-15", "client": world.client_a.pk}
    )
    assert "INV-" in drill.content.decode() and "/statement" in drill.content.decode()


@pytest.mark.django_db
def test_desk_may_not_see_the_aging_page_and_kams_not_other_clients(world):
    assert _login(world, "desk").get("/receivables/aging/").status_code == 403
    other = _login(world, "kam_b").get("/receivables/aging/", {"client": world.client_a.pk})
    assert other.status_code == 404
    bad = _login(world, "finance").get("/receivables/aging/", {"buckets": "60,30"})
    assert bad.status_code == 200 and "increasing" in bad.content.decode()


@pytest.mark.django_db
def test_the_aging_page_shows_unapplied_money_and_the_net_balance(world):
    from raktas.receivables.tests.helpers import pay

    fin = world.persona("finance")
    inv = invoice(fin, world.client_a, "100.00", dt.date(2026, 1, 1))
    pay(fin, world.client_a, "130.00", dt.date(2026, 2, 1), to=inv, part="60.00")
    html = _login(world, "finance").get("/receivables/aging/", {"as_of": "2026-02-28"})
    text = html.content.decode()
    assert "Unapplied" in text and "Net balance" in text
    assert text.count("-€70.00") >= 2 and "-€30.00" in text  # the row and the total

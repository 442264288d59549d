"""The order desk sees the invoices of the orders it handled, not what clients owe
(security probe, Medium: ``/api/v1/invoices`` carried ``open_amount`` and ``overdue``,
the ``open``/``overdue`` filters worked for the desk, and Client 360 showed it an
"Unpaid" column). Decided in one place, ``raktas.org.access.sees_account``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from raktas.testing.api import as_persona, build_scene
from raktas.testing.pages import browser_for

pytestmark = pytest.mark.django_db

OWED = {"open_amount", "overdue"}


def test_the_desks_invoice_list_carries_nothing_owed(world) -> None:
    ids = build_scene(world)
    desk = as_persona(world, "desk")
    items = desk.get("invoices").json()["items"]
    assert [i["id"] for i in items] == [ids["invoice_a"]]  # the order it handled
    assert not OWED & set(items[0])
    detail = desk.get(f"invoices/{ids['invoice_a']}").json()
    assert not OWED & set(detail)
    # The KAM of the client still sees them.
    mine = as_persona(world, "kam_a").get(f"invoices/{ids['invoice_a']}").json()
    assert set(mine) >= OWED


@pytest.mark.parametrize("flt", ["open=true", "overdue=true", "open=false", "overdue=false"])
def test_the_desk_cannot_pick_invoices_out_by_what_is_owed(world, flt: str) -> None:
    build_scene(world)
    name, value = flt.split("=")
    assert as_persona(world, "desk").get("invoices", **{name: value}).json()["items"] == []
    # Finance can.
    assert as_persona(world, "finance").get("invoices", **{name: value}).status_code == 200


def test_client_360_shows_the_desk_no_unpaid_column(world) -> None:
    build_scene(world)
    url = reverse("book:client", args=[world.client_a.pk])
    desk = browser_for(world.persona("desk")).get(url).content.decode()
    assert "Unpaid" not in desk
    assert "Unpaid" in browser_for(world.persona("kam_a")).get(url).content.decode()

"""Imports of orders and invoices keep the analytics rollups equal to a full
recomputation, in the import's own transaction (issue 5)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from raktas.analytics.models import ClientDay, ClientMonth, ProductMonth, ReasonMonth
from raktas.analytics.tests.test_rollups import assert_rollups_match_a_rebuild, snapshot
from raktas.imports.tests.helpers import run, write_csv
from raktas.ledger.models import CreditReason, Invoice
from raktas.ledger.services import credit_note_create, invoice_create

INV = ["number", "client", "issue_date", "sku", "description", "quantity", "unit_price", "vat_rate"]
ORD = ["external_id", "client", "order_date", "status", "refusal_reason", "sku", "quantity"]


@pytest.fixture
def books(world):
    for client, key in ((world.client_a, "A-1"), (world.client_b, "B-1")):
        client.external_id = key
        client.save()
    return world


def invoices():
    return [
        ["SF-1", "A-1", "2024-01-10", "P-1", "", "10", "10", ""],  # 100
        ["SF-1", "A-1", "2024-01-10", "", "Pristatymas", "1", "20", "21"],  # 20, no product
        ["SF-2", "A-1", "2024-02-05", "P-2", "", "1", "100", "0"],
        ["SF-3", "B-1", "2024-02-01", "P-1", "", "3", "7", ""],
    ]


def import_(kind: str, path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import", kind, str(path), "--as", "director", *extra, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_imported_invoices_and_orders_move_the_rollups_as_a_rebuild_would(books, tmp_path):
    # A posting through the services first: an imported invoice adds to its rows.
    invoice_create(
        by=books.finance,
        client=books.client_b,
        issue_date=dt.date(2024, 1, 20),
        lines=[{"description": "x", "quantity": 2, "unit_price": "5", "vat_rate": "21",
                "product": books.products[0], "unit_cost": "1"}],
    )  # fmt: skip
    import_("invoices", write_csv(tmp_path / "i.csv", INV, invoices()))
    january = ClientMonth.objects.get(client=books.client_a, month=dt.date(2024, 1, 1))
    assert (january.invoiced_net, january.invoices, january.lines) == (Decimal("120.00"), 1, 2)
    assert ProductMonth.objects.get(
        product=books.products[0], month=dt.date(2024, 1, 1)
    ).net == Decimal("110.00")  # 100 imported + 10 posted by the service
    assert_rollups_match_a_rebuild()

    # A return against SF-1, then SF-1 re-imported: other lines, another month.
    credit_note_create(
        by=books.finance,
        client=books.client_a,
        net=Decimal("30"),
        vat_rate=Decimal("21"),
        reason=CreditReason.RETURN,
        issue_date=dt.date(2024, 3, 2),
        invoice=Invoice.objects.get(number="SF-1"),
    )
    # Another client's return of P-1, which the re-import below recomputes (P-1 leaves SF-1).
    credit_note_create(
        by=books.finance,
        client=books.client_b,
        net=Decimal("5"),
        vat_rate=Decimal("21"),
        reason=CreditReason.RETURN,
        issue_date=dt.date(2024, 3, 9),
        invoice=Invoice.objects.get(number="SF-3"),
    )
    changed = [
        ["SF-1", "A-1", "2023-12-28", "P-2", "", "4", "25", ""],
        ["SF-1", "A-1", "2023-12-28", "P-3", "", "1", "30", ""],
    ]
    import_("invoices", write_csv(tmp_path / "i2.csv", INV, changed))
    assert not ClientMonth.objects.filter(client=books.client_a, month=dt.date(2024, 1, 1)).exists()
    march = ProductMonth.objects.get(product=books.products[2], month=dt.date(2024, 3, 1))
    assert march.returned_net == Decimal("6.92")  # 30 × 30 / (100 + 30)
    assert ProductMonth.objects.get(
        product=books.products[0], month=dt.date(2024, 3, 1)
    ).returned_net == Decimal("5.00")
    assert_rollups_match_a_rebuild()

    # Refused orders are in the rollups; one re-imported as invoiced leaves them.
    orders = [
        ["O-1", "A-1", "2024-03-15", "refused", "price", "P-1", "2"],
        ["O-1", "A-1", "2024-03-15", "refused", "price", "P-2", "1"],
        ["O-2", "B-1", "2024-04-01", "refused", "out_of_stock", "P-3", "1"],
        ["O-3", "B-1", "2024-04-02", "invoiced", "", "P-3", "5"],
    ]
    import_("orders", write_csv(tmp_path / "o.csv", ORD, orders))
    refusal = ReasonMonth.objects.get(client=books.client_a, kind="refusal", reason="price")
    assert (refusal.month, refusal.count, refusal.net) == (dt.date(2024, 3, 1), 1, Decimal("40"))
    assert_rollups_match_a_rebuild()
    orders[0][3] = orders[1][3] = "invoiced"
    orders[0][4] = orders[1][4] = ""
    import_("orders", write_csv(tmp_path / "o2.csv", ORD, orders[:2]))
    assert not ReasonMonth.objects.filter(client=books.client_a, kind="refusal").exists()
    assert_rollups_match_a_rebuild()


@pytest.mark.django_db
def test_an_import_recomputes_only_the_clients_products_and_months_it_touched(books, tmp_path):
    import_("invoices", write_csv(tmp_path / "i.csv", INV, invoices()))
    # Rows the next import has no business reading: another client, an earlier month.
    ClientMonth.objects.filter(client=books.client_b).update(invoices=99)
    ClientMonth.objects.filter(client=books.client_a, month=dt.date(2024, 1, 1)).update(invoices=99)
    later = [["SF-9", "A-1", "2024-02-20", "P-2", "", "1", "50", ""]]
    import_("invoices", write_csv(tmp_path / "i2.csv", INV, later))
    assert ClientMonth.objects.get(client=books.client_b).invoices == 99
    assert ClientMonth.objects.get(client=books.client_a, month=dt.date(2024, 1, 1)).invoices == 99
    february = ClientMonth.objects.get(client=books.client_a, month=dt.date(2024, 2, 1))
    assert (february.invoiced_net, february.invoices) == (Decimal("150.00"), 2)
    assert ProductMonth.objects.get(
        product=books.products[1], month=dt.date(2024, 2, 1)
    ).net == Decimal("150.00")


@pytest.mark.django_db
def test_dry_runs_and_rolled_back_imports_leave_the_rollups_alone(books, tmp_path):
    import_("invoices", write_csv(tmp_path / "i.csv", INV, invoices()[:2]))
    before = snapshot()
    assert before["ClientMonth"]
    more = [*invoices()[2:], ["SF-4", "B-1", "2024-05-01", "P-1", "", "1", "1", ""]]
    out = import_("invoices", write_csv(tmp_path / "i2.csv", INV, more), "--dry-run")
    assert "Dry run" in out
    assert snapshot() == before
    bad = [*more, ["SF-5", "B-1", "2024-05-01", "NO-SUCH", "", "1", "1", ""]]
    with pytest.raises(CommandError, match="Nothing imported"):
        import_("invoices", write_csv(tmp_path / "i3.csv", INV, bad))
    assert snapshot() == before
    assert not ClientDay.objects.filter(client=books.client_b).exists()
    # --skip-bad commits the good rows, and their rollups with them.
    report = run(books.finance, "invoices", tmp_path / "i3.csv", skip_bad=True)
    assert (report.status, report.created, report.bad_rows) == ("committed", 3, 1)
    assert ClientDay.objects.filter(client=books.client_b).count() == 2
    assert_rollups_match_a_rebuild()

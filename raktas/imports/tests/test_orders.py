"""Orders with lines: grouping, pricing, historical status, idempotency, scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raktas.audit.models import AuditEntry
from raktas.imports.tests.helpers import errors_of, run, write_csv
from raktas.orders.models import Order, OrderStatus

HEADER = [
    "external_id",
    "client",
    "order_date",
    "status",
    "sku",
    "quantity",
    "unit_price",
    "discount_pct",
]


@pytest.fixture
def books(world):
    for client, key in ((world.client_a, "A-1"), (world.client_b, "B-1"), (world.client_d, "D-1")):
        client.external_id = key
        client.save()
    return world


def lines(order="O-1", client="A-1", status="draft", when="2024-03-15"):
    return [
        [order, client, when, status, "P-1", "2", "", ""],  # column price 10
        [order, client, when, status, "P-2", "1,5", "18,50", "10"],  # file price, 10 % off
    ]


@pytest.mark.django_db
def test_lines_take_the_file_price_or_else_the_clients_column_price(books, tmp_path):
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, lines()))
    assert (report.status, report.created, report.rows_read) == ("committed", 1, 2)
    order = Order.objects.get(external_id="O-1")
    got = [
        (ln.product.sku, ln.quantity, ln.list_price, ln.discount_pct, ln.net)
        for ln in order.lines.all()
    ]
    assert got == [
        ("P-1", Decimal("2.000"), Decimal("10.0000"), Decimal("0.00"), Decimal("20.00")),
        ("P-2", Decimal("1.500"), Decimal("18.5000"), Decimal("10.00"), Decimal("24.98")),
    ]
    assert order.net_total == Decimal("44.98")
    assert order.vat_total == Decimal("4.20") + Decimal("5.25")
    assert order.gross_total == order.net_total + order.vat_total
    assert (order.client, order.kam, order.status, order.number) == (
        books.client_a,
        books.kam_a,
        "draft",
        None,
    )


@pytest.mark.django_db
def test_historical_orders_keep_their_status_number_and_dates(books, tmp_path):
    data = lines(status="invoiced") + lines(order="O-2", status="submitted")
    run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data))
    old = Order.objects.get(external_id="O-1")
    assert old.status == OrderStatus.INVOICED
    assert old.number == f"SO-{old.pk:07d}"
    assert old.invoiced_at is not None and old.invoiced_at.date() == dt.date(2024, 3, 15)
    waiting = Order.objects.get(external_id="O-2")
    assert waiting.submitted_at is not None and waiting.confirmed_at is None
    # The order desk sees an imported submitted order in its queue.
    from raktas.orders.selectors import desk_queue

    assert list(desk_queue(books.persona("desk"))) == [waiting]


@pytest.mark.django_db
def test_reimport_is_idempotent_and_a_change_replaces_the_lines_with_audit(books, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, lines())
    run(books.kam_a, "orders", path)
    again = run(books.kam_a, "orders", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = lines()
    changed[0][5] = "3"
    third = run(books.kam_a, "orders", write_csv(tmp_path / "o2.csv", HEADER, changed))
    assert third.updated == 1
    order = Order.objects.get(external_id="O-1")
    assert Order.objects.filter(external_id="O-1").count() == 1
    assert order.lines.count() == 2
    assert order.lines.get(line_no=1).quantity == 3
    entry = AuditEntry.objects.get(entity="orders.order", entity_id=str(order.pk))
    assert entry.before is not None and entry.after is not None
    assert entry.before["net_total"] == "44.98" and entry.after["net_total"] == "54.98"
    assert entry.action == "update" and entry.actor_username == "kam_a"


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [2000, 2])
def test_the_lines_of_one_order_must_be_consecutive(books, tmp_path, batch_size):
    data = lines("O-1") + lines("O-2") + [lines("O-1")[0]]
    report = run(
        books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data), batch_size=batch_size
    )
    assert report.status == "rolled_back"
    (error,) = errors_of(report)
    assert error[:2] == (6, "external_id")
    assert "must be consecutive" in error[2]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_order_for_a_client_outside_the_book_is_an_unknown_client(books, tmp_path):
    data = lines("O-1", client="B-1") + lines("O-2", client="GHOST") + lines("O-3")
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data), skip_bad=True)
    assert errors_of(report) == [
        (2, "client", "unknown client"),
        (3, "external_id", "skipped with its order (see row 2)"),
        (4, "client", "unknown client"),
        (5, "external_id", "skipped with its order (see row 4)"),
    ]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O-3"]


@pytest.mark.django_db
def test_a_deputy_imports_orders_for_delegated_clients_and_the_head_for_the_team(books, tmp_path):
    assert (
        run(books.deputy, "orders", write_csv(tmp_path / "a.csv", HEADER, lines("O-1"))).created
        == 1
    )
    assert (
        run(
            books.head, "orders", write_csv(tmp_path / "b.csv", HEADER, lines("O-2", "D-1"))
        ).created
        == 1
    )
    refused = run(books.head, "orders", write_csv(tmp_path / "c.csv", HEADER, lines("O-3", "B-1")))
    assert errors_of(refused)[0] == (2, "client", "unknown client")


@pytest.mark.django_db
def test_one_bad_line_spoils_its_whole_order(books, tmp_path):
    data = lines() + lines("O-2")
    data[1][5] = "-1"
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data), skip_bad=True)
    assert errors_of(report) == [
        (2, "external_id", "skipped: row 3 of the same order is bad"),
        (3, "quantity", "must be greater than zero"),
    ]
    assert report.bad_rows == 2
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O-2"]


@pytest.mark.django_db
def test_a_line_without_a_column_price_is_refused(books, tmp_path):
    data = lines(when="2019-06-01")  # before the prices start
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data))
    assert errors_of(report)[0] == (
        2,
        "unit_price",
        "P-1 has no price in the client's column on 2019-06-01",
    )


@pytest.mark.django_db
def test_a_refused_order_needs_a_reason(books, tmp_path):
    header = [*HEADER, "refusal_reason"]
    data = [[*row, ""] for row in lines(status="refused")]
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", header, data))
    assert errors_of(report)[0] == (2, "refusal_reason", "required when the status is refused")
    data = [[*row, "Price not accepted"] for row in lines(status="refused")]
    assert run(books.kam_a, "orders", write_csv(tmp_path / "o2.csv", header, data)).created == 1
    assert Order.objects.get().refusal_reason == "price"


@pytest.mark.django_db
def test_a_header_value_that_differs_between_lines_is_refused(books, tmp_path):
    data = lines()
    data[1][2] = "2024-03-16"
    report = run(books.kam_a, "orders", write_csv(tmp_path / "o.csv", HEADER, data))
    assert errors_of(report) == [
        (2, "external_id", "skipped: row 3 of the same order is bad"),
        (3, "order_date", "differs from row 2 of the same order"),
    ]


@pytest.mark.django_db
def test_the_order_desk_and_finance_may_not_import_orders(books, tmp_path):
    path = write_csv(tmp_path / "o.csv", HEADER, lines())
    for name in ("desk", "finance"):
        report = run(books.persona(name), "orders", path)
        assert (report.status, report.message) == ("failed", "Your role may not import orders.")

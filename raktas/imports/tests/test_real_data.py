"""Imports of real data nobody here wrote: Northwind and UCI Online Retail.

Each test converts the source into our CSV layout in ``tmp_path`` (the conversion is
the part a customer would write), imports it, and checks the result against
figures computed straight from the source.
"""

from __future__ import annotations

import csv
import gzip
import sqlite3
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path

import pytest

from raktas.clients.models import Client, Contact
from raktas.core.money import q2
from raktas.imports.tests.helpers import run, write_csv
from raktas.orders.models import Order, OrderLine, OrderStatus
from raktas.org.models import Role
from raktas.testing.factories import UserFactory

DATA = Path("/work/shared/data")
for candidate in (Path(__file__).resolve().parents[3].parent / "shared" / "data", DATA):
    if candidate.is_dir():
        DATA = candidate
        break
NORTHWIND = DATA / "northwind" / "northwind.sqlite"
RETAIL = DATA / "online-retail" / "online_retail.csv.gz"

COUNTRIES = {
    "Argentina": "AR", "Austria": "AT", "Belgium": "BE", "Brazil": "BR", "Canada": "CA",
    "Denmark": "DK", "Finland": "FI", "France": "FR", "Germany": "DE", "Ireland": "IE",
    "Italy": "IT", "Mexico": "MX", "Norway": "NO", "Poland": "PL", "Portugal": "PT",
    "Spain": "ES", "Sweden": "SE", "Switzerland": "CH", "UK": "GB", "USA": "US",
    "Venezuela": "VE", "United Kingdom": "GB", "EIRE": "IE", "Netherlands": "NL",
    "Australia": "AU",
}  # fmt: skip
HUNDRED = Decimal(100)


def line_net(quantity: Decimal, price: Decimal, discount_pct: Decimal = Decimal(0)) -> Decimal:
    return q2(quantity * price * (HUNDRED - discount_pct) / HUNDRED)


@pytest.mark.django_db
@pytest.mark.skipif(not NORTHWIND.exists(), reason="shared/data/northwind is not available")
def test_northwind_customers_products_and_orders_import_and_reimport(world, tmp_path):
    db = sqlite3.connect(NORTHWIND)
    director = world.director
    customers = db.execute(
        "SELECT CustomerID, CompanyName, ContactName, ContactTitle, Address, City, Country, Phone"
        " FROM Customers ORDER BY CustomerID"
    ).fetchall()
    with_orders = {r[0] for r in db.execute("SELECT DISTINCT CustomerID FROM Orders")}
    # The two junk rows ('Val2 ', 'VALON': company "IT", no address, no orders) are
    # not customers; the conversion drops them, as anyone loading this data would.
    junk = [c for c in customers if c[0] not in with_orders and not c[4]]
    assert sorted(c[0] for c in junk) == ["VALON", "Val2 "]
    customers = [c for c in customers if c not in junk]
    clients_csv = write_csv(
        tmp_path / "clients.csv",
        ["external_id", "legal_name", "address", "city", "country", "owner", "price_column"],
        [
            [f"NW-{cid}", name, addr, city, COUNTRIES[country], "kam_a", "WHOLESALE"]
            for cid, name, _, _, addr, city, country, _ in customers
        ],
        delimiter=";",
        bom=True,
    )
    report = run(director, "clients", clients_csv)
    assert (report.status, report.created) == ("committed", 91), report.errors
    assert Client.objects.get(external_id="NW-ANATR").city == "México D.F."
    assert Client.objects.get(external_id="NW-FOLIG").legal_name == "Folies gourmandes"

    contacts_csv = write_csv(
        tmp_path / "contacts.csv",
        ["external_id", "client", "name", "position", "phone"],
        [[f"NWC-{c[0]}", f"NW-{c[0]}", c[2], c[3], c[7]] for c in customers],
    )
    assert run(world.kam_a, "contacts", contacts_csv).created == 91
    assert Contact.objects.get(external_id="NWC-ALFKI").position == "Sales Representative"

    products = db.execute(
        "SELECT p.ProductID, p.ProductName, c.CategoryName, p.UnitPrice, p.Discontinued"
        " FROM Products p JOIN Categories c USING (CategoryID) ORDER BY p.ProductID"
    ).fetchall()
    products_csv = write_csv(
        tmp_path / "products.csv",
        ["sku", "name", "category", "active"],
        [
            [f"NW-{pid}", name, cat[:40], "0" if str(disc) == "1" else "1"]
            for pid, name, cat, _, disc in products
        ],
    )
    assert run(director, "products", products_csv).created == 77
    prices_csv = write_csv(
        tmp_path / "prices.csv",
        ["column", "sku", "price", "valid_from"],
        [
            ["WHOLESALE", f"NW-{pid}", str(price).replace(".", ","), "01.01.1996"]
            for pid, _, _, price, _ in products
        ],
    )
    assert run(director, "prices", prices_csv).created == 77

    for emp in range(1, 10):
        UserFactory.create(username=f"nw_emp{emp}", roles=(Role.KAM,))
    lines = db.execute(
        "SELECT o.OrderID, o.CustomerID, o.EmployeeID, o.OrderDate, o.ShippedDate,"
        " d.ProductID, d.UnitPrice, d.Quantity, d.Discount"
        ' FROM Orders o JOIN "Order Details" d USING (OrderID) ORDER BY o.OrderID, d.ProductID'
    ).fetchall()
    rows, expected_net = [], Decimal(0)
    for oid, cid, emp, ordered, shipped, pid, price, qty, disc in lines:
        discount = Decimal(str(disc)) * HUNDRED
        expected_net += line_net(Decimal(qty), Decimal(str(price)), discount)
        rows.append([
            f"NWO-{oid}", f"NW-{cid}", ordered, "invoiced" if shipped else "confirmed",
            f"nw_emp{emp}", f"NW-{pid}", qty, str(price), f"{discount.normalize():f}",
        ])  # fmt: skip
    header = [
        "external_id",
        "client",
        "order_date",
        "status",
        "kam",
        "sku",
        "quantity",
        "unit_price",
        "discount_pct",
    ]
    orders_csv = write_csv(tmp_path / "orders.csv", header, rows, delimiter="\t")
    report = run(director, "orders", orders_csv, batch_size=500)
    assert (report.status, report.rows_read, report.created) == ("committed", 2155, 830), (
        report.errors[:5]
    )
    assert OrderLine.objects.filter(order__external_id__startswith="NWO-").count() == 2155
    assert (
        sum(o.net_total for o in Order.objects.filter(external_id__startswith="NWO-"))
        == expected_net
    )
    assert (
        Order.objects.filter(external_id__startswith="NWO-", status=OrderStatus.CONFIRMED).count()
        == 21
    )
    first = Order.objects.get(external_id="NWO-10248")
    assert (first.client.external_id, first.kam.username, str(first.order_date)) == (
        "NW-VINET",
        "nw_emp5",
        "1996-07-04",
    )
    # Discontinued products still appear on history: their orders were not open.
    again = run(director, "orders", orders_csv, batch_size=500)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 830)


@pytest.mark.django_db
@pytest.mark.skipif(not RETAIL.exists(), reason="shared/data/online-retail is not available")
def test_online_retail_slice_imports_sales_and_refuses_cancellations_and_anonymous_lines(
    world, tmp_path
):
    with gzip.open(RETAIL, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        source = [row for _, row in zip(range(4999), reader, strict=False)]  # first 5,000 lines
    customers: OrderedDict[str, str] = OrderedDict()
    products: OrderedDict[str, str] = OrderedDict()
    for row in source:
        if row["CustomerID"]:
            customers.setdefault(row["CustomerID"], row["Country"])
        if row["Description"] or row["StockCode"] not in products:
            products[row["StockCode"]] = row["Description"] or row["StockCode"]
    clients_csv = write_csv(
        tmp_path / "clients.csv",
        ["external_id", "legal_name", "country", "currency", "price_column"],
        [
            [f"UK-{cid}", f"Customer {cid}", COUNTRIES[country], "GBP", "WHOLESALE"]
            for cid, country in customers.items()
        ],
    )
    assert run(world.kam_a, "clients", clients_csv).created == len(customers)
    products_csv = write_csv(tmp_path / "products.csv", ["sku", "name"], list(products.items()))
    assert run(world.director, "products", products_csv).created == len(products)

    header = [
        "external_id",
        "client",
        "order_date",
        "status",
        "sku",
        "description_ignored",
        "quantity",
        "unit_price",
    ]
    rows = [
        [r["InvoiceNo"], f"UK-{r['CustomerID']}" if r["CustomerID"] else "", r["InvoiceDate"], "invoiced",
         r["StockCode"], r["Description"], r["Quantity"], r["UnitPrice"]]
        for r in source
    ]  # fmt: skip
    # An unknown column refuses the whole file: the header says what we do not read.
    refused = run(world.kam_a, "orders", write_csv(tmp_path / "bad.csv", header, rows))
    assert refused.status == "failed" and "unknown column 'description_ignored'" in refused.message
    keep = [i for i, name in enumerate(header) if name != "description_ignored"]
    orders_csv = write_csv(
        tmp_path / "orders.csv", [header[i] for i in keep], [[r[i] for i in keep] for r in rows]
    )

    # Cancellations ('C' invoices, negative quantities) are returns of goods already
    # invoiced: in Raktas a credit note against the invoice, not an order. Lines with
    # no customer cannot belong to a client. Both are refused, and one bad line
    # refuses its whole order, so an order is never imported with lines missing.
    report = run(world.kam_a, "orders", orders_csv, skip_bad=True)
    assert report.status == "committed"
    good_orders: dict[str, Decimal] = {}
    spoiled: set[str] = set()
    for r in source:
        bad = not r["CustomerID"] or Decimal(r["Quantity"]) <= 0
        if bad:
            spoiled.add(r["InvoiceNo"])
    for r in source:
        if r["InvoiceNo"] not in spoiled:
            net = line_net(Decimal(r["Quantity"]), Decimal(r["UnitPrice"]))
            good_orders[r["InvoiceNo"]] = good_orders.get(r["InvoiceNo"], Decimal(0)) + net
    assert report.created == len(good_orders)
    assert report.bad_rows == sum(1 for r in source if r["InvoiceNo"] in spoiled)
    cancellations = {r["InvoiceNo"] for r in source if r["InvoiceNo"].startswith("C")}
    assert cancellations and not Order.objects.filter(external_id__in=cancellations).exists()
    reasons = {e.reason for e in report.errors}
    assert "must be greater than zero" in reasons
    assert "required to create a new order" in reasons
    imported = dict(
        Order.objects.filter(external_id__in=good_orders).values_list("external_id", "net_total")
    )
    assert imported == good_orders
    assert Order.objects.get(external_id="536365").currency == "GBP"

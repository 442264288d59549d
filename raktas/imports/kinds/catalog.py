"""Products, keyed by SKU, and prices, keyed by (column, SKU, valid_from). Director only."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from typing import Any

from raktas.audit.services import snapshot
from raktas.catalog.models import Category, Price, Product
from raktas.catalog.services import PRICE_FIELDS, PRODUCT_FIELDS
from raktas.core.exceptions import PermissionDenied
from raktas.core.search import product_search_text
from raktas.imports import cells
from raktas.imports.base import Column, Importer, Row
from raktas.org.access import Action, has_right

DAY = dt.timedelta(days=1)


class _CatalogImporter(Importer):
    def check_file(self) -> None:
        if not has_right(self.by, Action.CATALOG_CHANGE):
            raise PermissionDenied(f"Your role may not import {self.kind}.")


class ProductImporter(_CatalogImporter):
    kind = "products"
    label = "product"
    columns = (
        Column(
            "sku",
            cells.text(64),
            key=True,
            fmt="text, ≤ 64",
            example="KAV-250-ARABICA",
            note="The key: a re-import updates the product with this SKU.",
        ),
        Column(
            "name", cells.text(200), needed=True, fmt="text, ≤ 200", example="Kava „Rytas“ 250 g"
        ),
        Column(
            "category",
            cells.text(40),
            fmt="category code",
            example="kava",
            note="Created (named as its code) if it does not exist.",
        ),
        Column("unit", cells.text(16), fmt="text, ≤ 16", example="vnt", note="Default pcs."),
        Column(
            "cost",
            cells.decimal(places=4),
            fmt="amount ≥ 0, up to 4 decimals",
            example="3,1500",
            note="Unit cost. Default 0.",
        ),
        Column(
            "vat_rate",
            cells.decimal(places=2, maximum=Decimal(100)),
            fmt="percent 0–100",
            example="21",
            note="Default 21.",
        ),
        Column(
            "active",
            cells.boolean,
            fmt="1/0, true/false, yes/no, taip/ne",
            example="1",
            note="Default yes.",
        ),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._categories: dict[str, Category] = {}

    def category(self, code: str) -> Category:
        if code not in self._categories:
            self._categories[code], _ = Category.objects.get_or_create(
                code=code, defaults={"name": code}
            )
        return self._categories[code]

    def process(self, rows: list[Row]) -> None:
        latest = {r.values["sku"]: r for r in rows}
        rows = [r for r in rows if latest[r.values["sku"]] is r]
        existing = {p.sku: p for p in Product.objects.filter(sku__in=set(latest))}
        to_write: list[Product] = []
        updates: list[tuple[Product, dict[str, Any]]] = []
        for row in rows:
            old = existing.get(row.values["sku"])
            if old is None:
                if not self.check_needed(row):
                    continue
                product = Product(sku=row.values["sku"])
            else:
                product = Product(
                    **{f.attname: getattr(old, f.attname) for f in Product._meta.concrete_fields}
                )
            v = row.values
            if "name" in v and v["name"] is not None:
                product.name = v["name"]
            if "category" in v:
                product.category = None if v["category"] is None else self.category(v["category"])
            for name, default in (
                ("unit", "pcs"),
                ("cost", Decimal("0.0000")),
                ("vat_rate", Decimal("21.00")),
                ("active", True),
            ):
                if name in v:
                    setattr(product, name, default if v[name] is None else v[name])
            # bulk_create does not call save(): keep the search column here.
            product.search_text = product_search_text(product.name)
            if old is None:
                to_write.append(product)
                continue
            before = snapshot(old, PRODUCT_FIELDS)
            if before == snapshot(product, PRODUCT_FIELDS):
                self.report.unchanged += 1
                continue
            to_write.append(product)
            updates.append((product, before))
        if not to_write:
            return
        Product.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=["name", "search_text", "category", "unit", "cost", "vat_rate", "active"],
        )
        self.report.created += len(to_write) - len(updates)
        self.report.updated += len(updates)
        for product, before in updates:
            self.audit_update(product, before, snapshot(product, PRODUCT_FIELDS))


class PriceImporter(_CatalogImporter):
    """Prices keep the rule of ``price_set``: on any day exactly one price is in force.

    An earlier price left open (or running past a newer one's start) is closed the
    day before the newer one starts. This is worked out per (column, product) on
    the existing prices and the batch's rows together, before anything is written,
    so a re-import of the same file changes nothing.
    """

    kind = "prices"
    label = "price"
    columns = (
        Column(
            "column",
            cells.text(81),
            key=True,
            fmt="column code or LIST/CODE",
            example="WHOLESALE",
            aliases=("price_column",),
        ),
        Column("sku", cells.text(64), key=True, fmt="product SKU", example="KAV-250-ARABICA"),
        Column(
            "price",
            cells.decimal(places=4),
            key=True,
            fmt="amount ≥ 0, up to 4 decimals",
            example="4,99",
        ),
        Column("valid_from", cells.date, key=True, fmt="date", example="2026-01-01"),
        Column(
            "valid_to",
            cells.date,
            fmt="date ≥ valid_from",
            example="2026-12-31",
            note="Empty: until the next price starts.",
        ),
    )

    def process(self, rows: list[Row]) -> None:
        skus = {r.values["sku"] for r in rows}
        products = {p.sku: p.pk for p in Product.objects.filter(sku__in=skus).only("pk", "sku")}
        wanted: dict[tuple[int, int, dt.date], Row] = {}
        for row in rows:
            v = row.values
            column = self.price_column(v["column"])
            if isinstance(column, str):
                self.reject(row, "column", column)
                continue
            product_id = products.get(v["sku"])
            if product_id is None:
                self.reject(row, "sku", "unknown product")
                continue
            if v.get("valid_to") is not None and v["valid_to"] < v["valid_from"]:
                self.reject(row, "valid_to", "is before valid_from")
                continue
            wanted[(column.pk, product_id, v["valid_from"])] = row  # a later row wins
        if not wanted:
            return
        by_pair: dict[tuple[int, int], list[tuple[dt.date, Row]]] = defaultdict(list)
        for (c, p, start), row in wanted.items():
            by_pair[(c, p)].append((start, row))
        pairs = set(by_pair)
        existing: dict[tuple[int, int], list[Price]] = defaultdict(list)
        for price in Price.objects.filter(
            column_id__in={c for c, _ in pairs}, product_id__in={p for _, p in pairs}
        ).order_by("valid_from"):
            if (price.column_id, price.product_id) in pairs:
                existing[(price.column_id, price.product_id)].append(price)
        to_write: list[Price] = []
        updates: list[tuple[Price, dict[str, Any]]] = []
        created = 0
        for pair in pairs:
            by_start: dict[dt.date, Price] = {p.valid_from: p for p in existing[pair]}
            before = {p.valid_from: snapshot(p, PRICE_FIELDS) for p in existing[pair]}
            new_starts: set[dt.date] = set()
            for start, row in by_pair[pair]:
                found = by_start.get(start)
                if found is None:
                    price = Price(column_id=pair[0], product_id=pair[1], valid_from=start)
                    by_start[start] = price
                    new_starts.add(start)
                else:
                    price = found
                price.price = row.values["price"]
                price.valid_to = row.values.get("valid_to")
            ordered = sorted(by_start.values(), key=lambda x: x.valid_from)
            for earlier, later in itertools.pairwise(ordered):
                if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                    earlier.valid_to = later.valid_from - DAY
            for price in ordered:
                if price.valid_from in new_starts:
                    to_write.append(price)
                    created += 1
                    continue
                old = before[price.valid_from]
                if snapshot(price, PRICE_FIELDS) != old:
                    to_write.append(price)
                    updates.append((price, old))
        unchanged_rows = (
            len(wanted)
            - created
            - sum(
                1
                for price, _ in updates
                if (price.column_id, price.product_id, price.valid_from) in wanted
            )
        )
        self.report.unchanged += max(unchanged_rows, 0)
        if not to_write:
            return
        for price in to_write:
            price.pk = None  # the upsert finds the row by its natural key
        Price.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=["column", "product", "valid_from"],
            update_fields=["price", "valid_to"],
        )
        self.report.created += created
        self.report.updated += len(updates)
        for price, before_snap in updates:
            self.audit_update(price, before_snap, snapshot(price, PRICE_FIELDS))

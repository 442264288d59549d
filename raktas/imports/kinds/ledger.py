"""Invoices (one row per line, grouped by invoice number) and payments. Finance/director.

The ledger invariants of ``raktas.ledger.services`` hold after every batch:
an invoice's ``open_amount`` = gross − allocations − credit notes, and a payment's
``allocated_amount`` = the sum of its allocations. The file therefore never sets
an open amount: an imported invoice starts fully open and the payments import
settles it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import F, Min

from raktas.audit.services import snapshot
from raktas.clients.models import Client
from raktas.core.exceptions import PermissionDenied
from raktas.core.money import ZERO, q2
from raktas.imports import cells
from raktas.imports.base import KEY_TAKEN, UNKNOWN_CLIENT, Column, Group, Importer, Row
from raktas.imports.kinds.clients import clients_by_external_id
from raktas.imports.kinds.orders import line_numbers, products_by_sku
from raktas.ledger.models import Allocation, CreditNote, Invoice, InvoiceLine, Payment
from raktas.ledger.selectors import invoices_visible_to, payments_visible_to
from raktas.ledger.services import PAYMENT_FIELDS, refresh_history
from raktas.orders.selectors import orders_visible_to
from raktas.org.access import Action, has_right

HUNDRED = Decimal(100)
INVOICE_AUDIT_FIELDS = (
    "number",
    "external_id",
    "client",
    "order",
    "issue_date",
    "due_date",
    "net_total",
    "vat_total",
    "gross_total",
    "open_amount",
)


class _LedgerImporter(Importer):
    def check_file(self) -> None:
        if not has_right(self.by, Action.LEDGER_WRITE):
            raise PermissionDenied(f"Your role may not import {self.kind}.")


class InvoiceImporter(_LedgerImporter):
    kind = "invoices"
    label = "invoice"
    group_by = "number"
    columns = (
        Column(
            "number",
            cells.text(32),
            key=True,
            fmt="text, ≤ 32",
            example="SF-2024-00017",
            note="The invoice number and the key; all rows of one invoice share it and "
            "must be consecutive.",
            aliases=("invoice",),
        ),
        Column("external_id", cells.text(64), header=True, fmt="text, ≤ 64", example="ERP-INV-17"),
        Column(
            "client",
            cells.text(64),
            needed=True,
            header=True,
            fmt="client external_id",
            example="C-10042",
        ),
        Column(
            "order",
            cells.text(64),
            header=True,
            fmt="order external_id",
            example="SO-2024-0001",
            note="Optional; must be an order of the same client.",
        ),
        Column(
            "issue_date", cells.date, needed=True, header=True, fmt="date", example="2024-03-20"
        ),
        Column(
            "due_date",
            cells.date,
            header=True,
            fmt="date ≥ issue_date",
            example="2024-04-19",
            note="Default: issue date + the client's payment terms.",
        ),
        Column(
            "line_no",
            cells.integer(minimum=1, maximum=100_000),
            fmt="whole number ≥ 1",
            example="1",
            note="Default: the row's position within the invoice.",
        ),
        Column(
            "sku",
            cells.text(64),
            fmt="product SKU",
            example="KAV-250-ARABICA",
            note="Optional: a line may be a service or an opening balance.",
        ),
        Column(
            "description",
            cells.text(255),
            fmt="text, ≤ 255",
            example="Kava „Rytas“ 250 g",
            note="Required when there is no SKU; default '<SKU> <product name>'.",
        ),
        Column(
            "quantity",
            cells.decimal(places=3, positive=True),
            key=True,
            fmt="number > 0, up to 3 decimals",
            example="12",
            aliases=("qty",),
        ),
        Column(
            "unit_price",
            cells.decimal(places=4),
            key=True,
            fmt="amount ≥ 0, up to 4 decimals",
            example="4,99",
            aliases=("price",),
            note="Net unit price after any discount.",
        ),
        Column(
            "vat_rate",
            cells.decimal(places=2, maximum=Decimal(100)),
            fmt="percent 0–100",
            example="21",
            note="Default: the product's; required when there is no SKU.",
        ),
        Column(
            "net",
            cells.decimal(places=2),
            fmt="amount ≥ 0, 2 decimals",
            example="59,88",
            note="Default quantity × unit price, rounded to cents. Give it to keep the "
            "original document's rounding.",
        ),
        Column(
            "vat",
            cells.decimal(places=2),
            fmt="amount ≥ 0, 2 decimals",
            example="12,57",
            note="Default net × VAT rate, rounded to cents.",
        ),
    )

    def process_groups(self, groups: list[Group]) -> None:
        if not groups:
            return
        keys = [g.key for g in groups]
        existing = {
            i.number: i for i in Invoice.objects.filter(number__in=keys).select_related("client")
        }
        visible = set(
            invoices_visible_to(self.by)
            .filter(pk__in=[i.pk for i in existing.values()])
            .values_list("pk", flat=True)
        )
        client_refs = {g.first.values["client"] for g in groups if g.first.get("client")}
        clients = clients_by_external_id(self.by, client_refs, writable=False)
        products = products_by_sku(
            {r.values["sku"] for g in groups for r in g.rows if r.get("sku")}
        )
        order_refs = {g.first.values["order"] for g in groups if g.first.get("order")}
        orders = {
            o.external_id: o for o in orders_visible_to(self.by).filter(external_id__in=order_refs)
        }
        order_holder = dict(
            Invoice.objects.filter(order_id__in=[o.pk for o in orders.values()]).values_list(
                "order_id", "number"
            )
        )
        ext_refs = {g.first.values["external_id"] for g in groups if g.first.get("external_id")}
        ext_holder = dict(
            Invoice.objects.filter(external_id__in=ext_refs).values_list("external_id", "number")
        )
        old_lines: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice_id__in=[i.pk for i in existing.values()]):
            old_lines[line.invoice_id].append(line)

        invoices: list[Invoice] = []
        lines_of: dict[str, list[InvoiceLine]] = {}
        updates: list[tuple[Invoice, dict[str, Any]]] = []
        for group in groups:
            old = existing.get(group.key)
            if old is not None and old.pk not in visible:
                self.reject_group(group, "number", KEY_TAKEN)
                continue
            v = group.first.values
            if old is None:
                missing = [c for c in ("client", "issue_date") if v.get(c) is None]
                if missing:
                    self.reject_group(group, missing[0], "required to create a new invoice")
                    continue
                invoice = Invoice(number=group.key)
                client: Client | None = None
            else:
                invoice = Invoice(
                    **{f.attname: getattr(old, f.attname) for f in Invoice._meta.concrete_fields}
                )
                client = old.client
            if v.get("client") is not None:
                client = clients.get(v["client"])
                if client is None:
                    self.reject_group(group, "client", UNKNOWN_CLIENT)
                    continue
            assert client is not None
            invoice.client_id = client.pk
            invoice.currency = client.currency
            if v.get("external_id") is not None:
                holder = ext_holder.get(v["external_id"], group.key)
                if holder != group.key:
                    self.reject_group(group, "external_id", "already used by another invoice")
                    continue
                ext_holder[v["external_id"]] = group.key
                invoice.external_id = v["external_id"]
            if "order" in v:
                if v["order"] is None:
                    invoice.order_id = None
                else:
                    order = orders.get(v["order"])
                    if order is None:
                        self.reject_group(group, "order", "unknown order")
                        continue
                    if order.client_id != client.pk:
                        self.reject_group(group, "order", "is an order of another client")
                        continue
                    if order_holder.get(order.pk, group.key) != group.key:
                        self.reject_group(group, "order", "already invoiced by another invoice")
                        continue
                    order_holder[order.pk] = group.key
                    invoice.order_id = order.pk
            if v.get("issue_date") is not None:
                invoice.issue_date = v["issue_date"]
            if v.get("due_date") is not None:
                invoice.due_date = v["due_date"]
            elif old is None or v.get("issue_date") is not None:
                invoice.due_date = invoice.issue_date + dt.timedelta(days=client.payment_terms_days)
            if invoice.due_date < invoice.issue_date:
                self.reject_group(group, "due_date", "is before the issue date")
                continue
            lines = self._lines(group, products)
            if lines is None:
                continue
            invoice.net_total = sum((ln.net for ln in lines), ZERO)
            invoice.vat_total = sum((ln.vat for ln in lines), ZERO)
            invoice.gross_total = sum((ln.gross for ln in lines), ZERO)
            invoice.cost_total = sum((ln.cost for ln in lines), ZERO)
            if old is None:
                invoice.open_amount = invoice.gross_total
            else:
                # What payments and credit notes already settled stays settled.
                settled = old.gross_total - old.open_amount
                if settled and invoice.client_id != old.client_id:
                    self.reject_group(
                        group,
                        "client",
                        "the invoice is already (partly) settled; its client cannot change",
                    )
                    continue
                invoice.open_amount = invoice.gross_total - settled
                if invoice.open_amount < 0:
                    self.reject_group(
                        group,
                        "net",
                        f"the new total {invoice.gross_total} is less than the {settled} already settled",
                    )
                    continue
                before = self._audit_view(old, old_lines[old.pk])
                if before == self._audit_view(invoice, lines):
                    self.report.unchanged += 1
                    continue
                updates.append((invoice, before))
                self.touch(
                    old.client_id, old.issue_date, (ln.product_id for ln in old_lines[old.pk])
                )
            invoices.append(invoice)
            lines_of[group.key] = lines
            self.touch(invoice.client_id, invoice.issue_date, (ln.product_id for ln in lines))
        if updates:
            # A credit note against a changed invoice is spread over its new lines.
            first_note = CreditNote.objects.filter(
                invoice_id__in=[i.pk for i, _ in updates]
            ).aggregate(day=Min("issue_date"))["day"]
            if first_note is not None:
                self.touch(updates[0][0].client_id, first_note)
        if not invoices:
            return
        for invoice in invoices:
            invoice.pk = None
        Invoice.objects.bulk_create(
            invoices,
            update_conflicts=True,
            unique_fields=["number"],
            update_fields=[
                "external_id",
                "client",
                "order",
                "issue_date",
                "due_date",
                "currency",
                "net_total",
                "vat_total",
                "gross_total",
                "cost_total",
                "open_amount",
            ],
        )
        # The history dates (first and last touch, settled_on) from the rows: a new
        # invoice was touched by nothing but its issue; a changed one may have a new
        # issue date or total, so a new open amount, and may be settled now or no more.
        refresh_history([i.pk for i in invoices])
        InvoiceLine.objects.filter(invoice_id__in=[i.pk for i, _ in updates]).delete()
        new_lines = []
        for invoice in invoices:
            for line in lines_of[invoice.number]:
                line.invoice_id = invoice.pk
                new_lines.append(line)
        InvoiceLine.objects.bulk_create(new_lines)
        self.report.created += len(invoices) - len(updates)
        self.report.updated += len(updates)
        for invoice, before in updates:
            self.audit_update(invoice, before, self._audit_view(invoice, lines_of[invoice.number]))

    def _lines(self, group: Group, products: dict[str, Any]) -> list[InvoiceLine] | None:
        numbers = line_numbers(group, self)
        if numbers is None:
            self.reject_group(group, "line_no", "has a repeated line number")
            return None
        lines = []
        for row, line_no in zip(group.rows, numbers, strict=True):
            v = row.values
            product = None
            if v.get("sku") is not None:
                product = products.get(v["sku"])
                if product is None:
                    self.reject(row, "sku", "unknown product")
                    self.reject_group(group, "sku", f"row {row.number} names an unknown product")
                    return None
            description: str | None = v.get("description") or (
                f"{product.sku} {product.name}"[:255] if product is not None else None
            )
            vat_rate: Decimal | None = row.get(
                "vat_rate", product.vat_rate if product is not None else None
            )
            if description is None or vat_rate is None:
                missing = "description" if description is None else "vat_rate"
                self.reject(row, missing, "required when there is no SKU")
                self.reject_group(group, missing, f"row {row.number} is incomplete")
                return None
            net = row.get("net", q2(v["quantity"] * v["unit_price"]))
            vat = row.get("vat", q2(net * vat_rate / HUNDRED))
            lines.append(
                InvoiceLine(
                    line_no=line_no,
                    product_id=product.pk if product is not None else None,
                    description=description,
                    quantity=v["quantity"],
                    unit_price=v["unit_price"],
                    net=net,
                    vat_rate=vat_rate,
                    vat=vat,
                    gross=net + vat,
                    cost=q2(product.cost * v["quantity"]) if product is not None else ZERO,
                )
            )
        return lines

    @staticmethod
    def _audit_view(invoice: Invoice, lines: list[InvoiceLine]) -> dict[str, Any]:
        view = snapshot(invoice, INVOICE_AUDIT_FIELDS)
        view["lines"] = [
            f"{ln.line_no}: {ln.description} × {ln.quantity.normalize():f} @ "
            f"{ln.unit_price.normalize():f} net {ln.net} VAT {ln.vat}"
            for ln in sorted(lines, key=lambda x: x.line_no)
        ]
        return view


class PaymentImporter(_LedgerImporter):
    """Payments, keyed by ``external_id``, allocated when they are created.

    With ``invoice`` the payment goes to that invoice (up to its open amount; any
    rest stays unallocated). Without it, ``allocate`` decides: ``oldest`` (the
    default) settles the client's open invoices oldest due date first, as
    ``payment_record`` does; ``none`` leaves it unallocated.
    """

    kind = "payments"
    label = "payment"
    columns = (
        Column(
            "external_id",
            cells.text(64),
            key=True,
            fmt="text, ≤ 64",
            example="BANK-2024-0311-7",
            note="The key: the bank transaction id or your system's payment id.",
        ),
        Column("client", cells.text(64), needed=True, fmt="client external_id", example="C-10042"),
        Column(
            "received_on",
            cells.date,
            needed=True,
            fmt="date",
            example="11.03.2024",
            aliases=("date",),
        ),
        Column(
            "amount",
            cells.decimal(places=2, positive=True),
            needed=True,
            fmt="amount > 0, 2 decimals",
            example="1 250,00",
        ),
        Column(
            "currency",
            cells.upper_code(3),
            fmt="ISO 4217 code",
            example="EUR",
            note="Must be the client's currency (the default).",
        ),
        Column(
            "reference", cells.text(140), fmt="text, ≤ 140", example="SF-2024-00017 apmokėjimas"
        ),
        Column(
            "invoice",
            cells.text(32),
            fmt="invoice number",
            example="SF-2024-00017",
            note="Allocate to this invoice (up to its open amount).",
        ),
        Column(
            "allocate",
            cells.text(10),
            fmt="oldest | none",
            example="oldest",
            note="When no invoice is named. Default oldest.",
        ),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allocations = 0
        self.allocated = ZERO

    def process(self, rows: list[Row]) -> None:
        latest = {r.values["external_id"]: r for r in rows}
        rows = [r for r in rows if latest[r.values["external_id"]] is r]
        existing = {
            p.external_id: p
            for p in Payment.objects.filter(external_id__in=set(latest)).select_related("client")
        }
        visible = set(
            payments_visible_to(self.by)
            .filter(pk__in=[p.pk for p in existing.values()])
            .values_list("pk", flat=True)
        )
        clients = clients_by_external_id(
            self.by, {r.values["client"] for r in rows if r.get("client")}, writable=False
        )
        numbers = {r.values["invoice"] for r in rows if r.get("invoice")}
        named = {
            i.number: i
            for i in invoices_visible_to(self.by).select_for_update().filter(number__in=numbers)
        }
        new: list[tuple[Row, Payment]] = []
        updates: list[tuple[Payment, dict[str, Any]]] = []
        for row in rows:
            v = row.values
            old = existing.get(v["external_id"])
            if old is not None and old.pk not in visible:
                self.reject(row, "external_id", KEY_TAKEN)
                continue
            client = None
            if v.get("client") is not None:
                client = clients.get(v["client"])
                if client is None:
                    self.reject(row, "client", UNKNOWN_CLIENT)
                    continue
            allocate = (v.get("allocate") or "oldest").lower()
            if allocate not in ("oldest", "none"):
                self.reject(row, "allocate", "must be oldest or none")
                continue
            if old is not None:
                self._update(row, old, client, updates)
                continue
            if not self.check_needed(row):
                continue
            assert client is not None
            currency = v.get("currency") or client.currency
            if currency != client.currency:
                self.reject(row, "currency", f"the client settles in {client.currency}")
                continue
            if v.get("invoice") is not None:
                invoice = named.get(v["invoice"])
                if invoice is None:
                    self.reject(row, "invoice", "unknown invoice")
                    continue
                if invoice.client_id != client.pk:
                    self.reject(row, "invoice", "belongs to another client")
                    continue
            payment = Payment(
                external_id=v["external_id"],
                client=client,
                received_on=v["received_on"],
                amount=v["amount"],
                currency=currency,
                reference=row.get("reference", ""),
                recorded_by=self.by,
            )
            payment._import_allocate = v.get("invoice") or allocate  # type: ignore[attr-defined]
            new.append((row, payment))
        if updates:
            Payment.objects.bulk_update([p for p, _ in updates], ["received_on", "reference"])
            self.report.updated += len(updates)
            for payment, before in updates:
                self.audit_update(payment, before, snapshot(payment, PAYMENT_FIELDS))
        if new:
            self._create(new, named)

    def _update(
        self,
        row: Row,
        old: Payment,
        client: Client | None,
        updates: list[tuple[Payment, dict[str, Any]]],
    ) -> None:
        v = row.values
        fixed = {
            "client": client is not None and client.pk != old.client_id,
            "amount": v.get("amount") is not None and v["amount"] != old.amount,
            "currency": v.get("currency") is not None and v["currency"] != old.currency,
        }
        for column, differs in fixed.items():
            if differs:
                self.reject(
                    row,
                    column,
                    f"payment {old.external_id} is already recorded with another {column}; "
                    "a recorded payment's client, amount and currency do not change by import",
                )
                return
        before = snapshot(old, PAYMENT_FIELDS)
        if v.get("received_on") is not None:
            old.received_on = v["received_on"]
        if "reference" in v:
            old.reference = v["reference"] or ""
        if snapshot(old, PAYMENT_FIELDS) == before:
            self.report.unchanged += 1
            return
        updates.append((old, before))

    def _create(self, new: list[tuple[Row, Payment]], named: dict[str, Invoice]) -> None:
        oldest_clients = {p.client_id for _, p in new if p._import_allocate == "oldest"}  # type: ignore[attr-defined]
        # The open invoices these payments may settle, locked and kept in memory for
        # this batch only; allocations below update them in place.
        open_by_client: dict[int, list[Invoice]] = defaultdict(list)
        pool: dict[int, Invoice] = {i.pk: i for i in named.values()}
        for invoice in (
            Invoice.objects.select_for_update()
            .filter(client_id__in=oldest_clients, open_amount__gt=0)
            .order_by("due_date", "issue_date", "id")
        ):
            invoice = pool.setdefault(invoice.pk, invoice)
            open_by_client[invoice.client_id].append(invoice)
        plans: list[tuple[Payment, list[tuple[Invoice, Decimal]]]] = []
        for _row, payment in new:
            target = payment._import_allocate  # type: ignore[attr-defined]
            if target == "none":
                candidates: list[Invoice] = []
            elif target == "oldest":
                candidates = open_by_client[payment.client_id]
            else:
                candidates = [pool[named[target].pk]]
            plan = []
            left = payment.amount
            for invoice in candidates:
                if left <= 0:
                    break
                amount = min(left, invoice.open_amount)
                if amount <= 0:
                    continue
                invoice.open_amount -= amount
                left -= amount
                plan.append((invoice, amount))
            payment.allocated_amount = payment.amount - left
            # Fully applied: the day of its last allocation (what allocate() records),
            # so the aging skips it when it adds up unapplied money.
            if plan and left == 0:
                payment.applied_on = max(Allocation.default_date(payment, i) for i, _ in plan)
            plans.append((payment, plan))
        Payment.objects.bulk_create([p for p, _ in plans])
        allocations = [
            Allocation(
                payment_id=payment.pk,
                invoice_id=invoice.pk,
                amount=amount,
                allocated_on=Allocation.default_date(payment, invoice),
            )
            for payment, plan in plans
            for invoice, amount in plan
        ]
        Allocation.objects.bulk_create(allocations)
        touched: dict[int, Decimal] = defaultdict(Decimal)
        for allocation in allocations:
            touched[allocation.invoice_id] += allocation.amount
        # Subtract in SQL rather than write the in-memory value: the invariant is
        # about the sum of allocations, and this keeps it whatever else ran before.
        for invoice_id, amount in touched.items():
            Invoice.objects.filter(pk=invoice_id).update(open_amount=F("open_amount") - amount)
        # Their history dates, settled_on included, as allocate() keeps them.
        refresh_history(touched)
        self.report.created += len(plans)
        self.allocations += len(allocations)
        self.allocated += sum((a.amount for a in allocations), ZERO)

    def finish(self) -> dict[str, Any]:
        return {"allocations": self.allocations, "allocated": str(self.allocated)}

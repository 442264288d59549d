"""A camt.053 bank statement made from the open invoices in the database, for trying the
bank import on the demo (``raktas demo`` writes one to ``var/demo-camt053.xml``; also
``raktas bank-sample FILE``).

Each credit entry exercises one matching rule (raktas/banking/matching.py), the way real
payers pay:

* two payments quoting the invoice's RF creditor reference (rule 1);
* one quoting the invoice number in the free text (rule 2), one paying only part of an
  invoice that way (the rest stays open);
* one with no reference at all from a payer named as the client, for the only open
  invoice of that amount (rule 3);
* one from a payer nobody knows, which waits in the finance queue with suggestions.

The statement is built fresh from what is open now, so it matches again after a
re-seed; importing it twice books nothing twice (the bank import is idempotent).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count

from raktas.banking.camt import rf_reference
from raktas.ledger.models import Invoice

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
ACCOUNT_IBAN = "LT601010012345678901"


@dataclass(frozen=True)
class SampleEntry:
    amount: Decimal
    debtor: str
    reference: str = ""  # RmtInf/Strd/CdtrRefInf/Ref
    text: str = ""  # RmtInf/Ustrd
    expect: str = ""  # the matching rule it should meet; "" = waits for finance


def _open_invoices() -> list[Invoice]:
    return list(
        Invoice.objects.filter(open_amount__gt=0, client__currency="EUR")
        .select_related("client")
        .order_by("due_date", "pk")[:400]
    )


def sample_entries() -> list[SampleEntry]:
    """The entries, each on an open invoice of a different client (oldest due first)."""
    invoices = _open_invoices()
    used: set[int] = set()

    def take(ok: Callable[[Invoice], bool] | None = None) -> Invoice | None:
        for invoice in invoices:
            if invoice.client_id not in used and (ok is None or ok(invoice)):
                used.add(invoice.client_id)
                return invoice
        return None

    entries: list[SampleEntry] = []
    for _ in range(2):
        if inv := take():
            entries.append(
                SampleEntry(
                    inv.open_amount,
                    inv.client.legal_name,
                    reference=rf_reference(inv.number),
                    expect="reference",
                )
            )
    if inv := take():
        entries.append(
            SampleEntry(
                inv.open_amount,
                inv.client.legal_name,
                text=f"Apmokėjimas pagal sąskaitą {inv.number}",
                expect="invoice_number",
            )
        )
    if inv := take(lambda i: i.open_amount >= Decimal("2.00")):
        half = (inv.open_amount / 2).quantize(Decimal("0.01"))
        entries.append(
            SampleEntry(
                half,
                inv.client.legal_name,
                text=f"Dalinis apmokėjimas, sąskaita {inv.number}",
                expect="invoice_number",
            )
        )
    # Rule 3 needs the payer's only open invoice of exactly this amount.
    unique = {
        (row["client_id"], row["open_amount"])
        for row in Invoice.objects.filter(open_amount__gt=0)
        .values("client_id", "open_amount")
        .annotate(n=Count("pk"))
        .filter(n=1)
    }
    if inv := take(lambda i: (i.client_id, i.open_amount) in unique):
        entries.append(
            SampleEntry(inv.open_amount, inv.client.legal_name, text="Už prekes", expect="amount")
        )
    entries.append(SampleEntry(Decimal("123.45"), "UAB Nežinoma įmonė", text="Avansas"))
    return entries


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _path(parent: ET.Element, path: str, text: str) -> ET.Element:
    el = parent
    for tag in path.split("/"):
        el = _sub(el, tag)
    el.text = text
    return el


def sample_statement(entries: list[SampleEntry], *, day: dt.date) -> bytes:
    """The camt.053.001.08 document for ``entries``, booked on ``day``."""
    ET.register_namespace("", NS)
    stamp = day.strftime("%Y%m%d")
    doc = ET.Element(f"{{{NS}}}Document")
    body = _sub(doc, "BkToCstmrStmt")
    header = _sub(body, "GrpHdr")
    _sub(header, "MsgId", f"DEMO-{stamp}-{ACCOUNT_IBAN}")
    _sub(header, "CreDtTm", f"{day.isoformat()}T18:00:00+02:00")
    stmt = _sub(body, "Stmt")
    _sub(stmt, "Id", f"{day.isoformat()}-DEMO")
    _sub(stmt, "CreDtTm", f"{day.isoformat()}T18:00:00+02:00")
    acct = _sub(stmt, "Acct")
    _path(acct, "Id/IBAN", ACCOUNT_IBAN)
    _sub(acct, "Ccy", "EUR")
    _path(acct, "Ownr/Nm", settings.COMPANY_NAME)
    for no, entry in enumerate(entries, start=1):
        amount = f"{entry.amount:.2f}"
        ref = f"{stamp}{no:05d}"
        ntry = _sub(stmt, "Ntry")
        _sub(ntry, "NtryRef", str(no))
        _sub(ntry, "Amt", amount, Ccy="EUR")
        _sub(ntry, "CdtDbtInd", "CRDT")
        _path(ntry, "Sts/Cd", "BOOK")
        _path(ntry, "BookgDt/Dt", day.isoformat())
        _path(ntry, "ValDt/Dt", day.isoformat())
        _sub(ntry, "AcctSvcrRef", ref)
        tx = _sub(_sub(ntry, "NtryDtls"), "TxDtls")
        refs = _sub(tx, "Refs")
        _sub(refs, "AcctSvcrRef", ref)
        _sub(refs, "EndToEndId", "NOTPROVIDED")
        _sub(tx, "Amt", amount, Ccy="EUR")
        _sub(tx, "CdtDbtInd", "CRDT")
        _path(tx, "RltdPties/Dbtr/Pty/Nm", entry.debtor)
        remittance = _sub(tx, "RmtInf")
        if entry.text:
            _sub(remittance, "Ustrd", entry.text)
        if entry.reference:
            creditor = _sub(_sub(remittance, "Strd"), "CdtrRefInf")
            kind = _sub(creditor, "Tp")
            _path(kind, "CdOrPrtry/Cd", "SCOR")
            _sub(kind, "Issr", "ISO")
            _sub(creditor, "Ref", entry.reference)
    ET.indent(doc)
    return ET.tostring(doc, encoding="utf-8", xml_declaration=True)

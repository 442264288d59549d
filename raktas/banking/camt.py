"""Read ISO 20022 cash-management messages: camt.053 (bank statements) and camt.054
(debit/credit notifications), versions 001.02 to 001.10.

The XML goes through ``defusedxml``: no DTDs, no entity expansion (billion laughs), no
external entities or network access. The whole file is read and checked before any
row is written, so a malformed file imports nothing and says what is wrong where.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from raktas.core.exceptions import ValidationFailed
from raktas.core.money import MONEY_DIGITS

MAX_BYTES = 25 * 1024 * 1024
_NS = re.compile(r"^\{urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d\d)\}Document$")
SUPPORTED_VERSIONS = range(2, 11)


class CamtError(ValidationFailed):
    code = "bad_camt"


@dataclass
class CamtTransaction:
    """One incoming (or outgoing) transaction as the bank reported it."""

    index: str  # position in the file, e.g. "1.3.2" (statement, entry, transaction)
    account_iban: str
    statement_id: str
    credit: bool
    booked: bool
    reversal: bool
    amount: Decimal
    currency: str
    booking_date: dt.date
    value_date: dt.date | None
    entry_ref: str = ""  # NtryRef
    acct_svcr_ref: str = ""  # the bank's own unique reference
    end_to_end_id: str = ""
    debtor_name: str = ""
    debtor_iban: str = ""
    debtor_id: str = ""
    references: list[str] = field(default_factory=list)  # Strd/CdtrRefInf/Ref
    remittance: str = ""  # Ustrd lines joined
    # TxDtls/Refs/AcctSvcrRef: on a reversal, banks put the original's reference here.
    tx_acct_svcr_ref: str = ""
    return_reason: str = ""  # TxDtls/RtrInf: why the bank reversed (returned) it


@dataclass
class CamtMessage:
    kind: str  # "camt.053" / "camt.054"
    version: str  # "001.08"
    message_id: str
    statement_ids: list[str]
    account_iban: str
    transactions: list[CamtTransaction]


class _Reader:
    def __init__(self, ns: str) -> None:
        self.ns = ns

    def path(self, p: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in p.split("/"))

    def find(self, el: Element, p: str) -> Element | None:
        return el.find(self.path(p))

    def findall(self, el: Element, p: str) -> list[Element]:
        return el.findall(self.path(p))

    def text(self, el: Element, *paths: str) -> str:
        for p in paths:
            found = el.find(self.path(p))
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return ""


def _date(raw: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise CamtError(f"{where}: {raw!r} is not a date") from None


def _amount(el: Element | None, where: str) -> tuple[Decimal, str]:
    if el is None or not (el.text or "").strip():
        raise CamtError(f"{where}: the amount (Amt) is missing")
    try:
        value = Decimal(el.text.strip())  # type: ignore[union-attr]
    except InvalidOperation:
        raise CamtError(f"{where}: amount {el.text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise CamtError(f"{where}: amount {el.text!r} must be greater than zero")
    if value.adjusted() >= MONEY_DIGITS - 2:  # 1e309 is a finite Decimal, but no amount
        raise CamtError(f"{where}: amount {el.text!r} is too large")
    if value != value.quantize(Decimal("0.01")):
        raise CamtError(f"{where}: amount {el.text!r} has more than two decimals")
    currency = (el.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise CamtError(f"{where}: the amount has no valid currency (Ccy)")
    return value, currency


def parse(data: bytes) -> CamtMessage:
    """Parse a camt.053/.054 file; raise ``CamtError`` (a ValidationFailed) if it is not one."""
    if len(data) > MAX_BYTES:
        raise CamtError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CamtError(f"The file is refused: {exc.__class__.__name__} (unsafe XML).") from None
    except ParseError as exc:
        raise CamtError(f"The file is not well-formed XML: {exc}.") from None
    m = _NS.match(root.tag)
    if not m:
        raise CamtError(
            "Not a camt.053 or camt.054 file: the root must be a Document in the namespace "
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN or camt.054.001.NN; got "
            f"{root.tag!r}."
        )
    kind, version = f"camt.{m.group(1)}", int(m.group(2))
    if version not in SUPPORTED_VERSIONS:
        raise CamtError(f"{kind}.001.{version:02d} is not supported (001.02 to 001.10 are).")
    ns = root.tag[1:].split("}")[0]
    r = _Reader(ns)
    body_tag, item_tag = (
        ("BkToCstmrStmt", "Stmt") if kind == "camt.053" else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    )
    body = r.find(root, body_tag)
    if body is None:
        raise CamtError(f"{kind}: the {body_tag} element is missing.")
    message_id = r.text(body, "GrpHdr/MsgId")
    if not message_id:
        raise CamtError(f"{kind}: GrpHdr/MsgId is missing.")
    items = r.findall(body, item_tag)
    if not items:
        raise CamtError(f"{kind}: no {item_tag} element in the file.")
    txs: list[CamtTransaction] = []
    statement_ids: list[str] = []
    ibans: list[str] = []
    for s_no, item in enumerate(items, start=1):
        statement_id = r.text(item, "Id")
        if not statement_id:
            raise CamtError(f"{item_tag} {s_no}: Id is missing.")
        statement_ids.append(statement_id)
        iban = r.text(item, "Acct/Id/IBAN", "Acct/Id/Othr/Id").replace(" ", "").upper()
        if not iban:
            raise CamtError(f"{item_tag} {s_no}: the account (Acct/Id/IBAN) is missing.")
        ibans.append(iban)
        for e_no, entry in enumerate(r.findall(item, "Ntry"), start=1):
            txs.extend(_entry(r, entry, f"{s_no}.{e_no}", iban, statement_id, version))
    return CamtMessage(
        kind=kind,
        version=f"001.{version:02d}",
        message_id=message_id,
        statement_ids=statement_ids,
        account_iban=ibans[0] if ibans else "",
        transactions=txs,
    )


def _entry(
    r: _Reader, entry: Element, pos: str, iban: str, statement_id: str, version: int
) -> list[CamtTransaction]:
    where = f"entry {pos}"
    amount, currency = _amount(r.find(entry, "Amt"), where)
    indicator = r.text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise CamtError(f"{where}: CdtDbtInd must be CRDT or DBIT, got {indicator!r}")
    # Sts is a plain code up to 001.05 and Sts/Cd from 001.06 on.
    status = r.text(entry, "Sts/Cd", "Sts/Prtry", "Sts") or "BOOK"
    booking_raw = r.text(entry, "BookgDt/Dt", "BookgDt/DtTm")
    value_raw = r.text(entry, "ValDt/Dt", "ValDt/DtTm")
    if not booking_raw and not value_raw:
        raise CamtError(f"{where}: neither BookgDt nor ValDt is given")
    booking = _date(booking_raw or value_raw, f"{where} BookgDt")
    value = _date(value_raw, f"{where} ValDt") if value_raw else None
    common: dict[str, Any] = {
        "account_iban": iban,
        "statement_id": statement_id,
        "credit": indicator == "CRDT",
        "booked": status.upper() == "BOOK",
        "reversal": r.text(entry, "RvslInd").lower() == "true",
        "booking_date": booking,
        "value_date": value,
        "entry_ref": r.text(entry, "NtryRef"),
    }
    entry_ref = r.text(entry, "AcctSvcrRef")
    details = [tx for d in r.findall(entry, "NtryDtls") for tx in r.findall(d, "TxDtls")]
    if len(details) <= 1:
        tx = details[0] if details else None
        return [
            CamtTransaction(
                index=pos,
                amount=amount,
                currency=currency,
                acct_svcr_ref=entry_ref or (r.text(tx, "Refs/AcctSvcrRef") if tx else ""),
                **common,
                **(_tx_parties(r, tx) if tx is not None else {}),
            )
        ]
    # A batch entry: one transaction per TxDtls, each with its own amount.
    out = []
    for t_no, tx in enumerate(details, start=1):
        tx_where = f"{where} transaction {t_no}"
        # (An Element without children is falsy: compare with None, never use "or".)
        amt_el = r.find(tx, "Amt")
        if amt_el is None:
            amt_el = r.find(tx, "AmtDtls/TxAmt/Amt")
        tx_amount, tx_currency = _amount(amt_el, tx_where)
        tx_ref = r.text(tx, "Refs/AcctSvcrRef")
        out.append(
            CamtTransaction(
                index=f"{pos}.{t_no}",
                amount=tx_amount,
                currency=tx_currency,
                acct_svcr_ref=f"{entry_ref}/{tx_ref or t_no}" if entry_ref else tx_ref,
                **common,
                **_tx_parties(r, tx),
            )
        )
    if sum(t.amount for t in out) != amount:
        raise CamtError(f"{where}: the transactions do not add up to the entry amount {amount}")
    return out


def _tx_parties(r: _Reader, tx: Element) -> dict[str, Any]:
    # Dbtr/Nm up to 001.07; from 001.08 the debtor is Dbtr/Pty/Nm (Party40Choice).
    name = r.text(tx, "RltdPties/Dbtr/Pty/Nm", "RltdPties/Dbtr/Nm", "RltdPties/UltmtDbtr/Nm")
    debtor_id = r.text(
        tx,
        "RltdPties/Dbtr/Pty/Id/OrgId/Othr/Id",
        "RltdPties/Dbtr/Id/OrgId/Othr/Id",
        "RltdPties/Dbtr/Pty/Id/PrvtId/Othr/Id",
    )
    iban = r.text(tx, "RltdPties/DbtrAcct/Id/IBAN").replace(" ", "").upper()
    refs = [
        (el.text or "").strip()
        for strd in r.findall(tx, "RmtInf/Strd")
        for el in [r.find(strd, "CdtrRefInf/Ref")]
        if el is not None and (el.text or "").strip()
    ]
    ustrd = " ".join((el.text or "").strip() for el in r.findall(tx, "RmtInf/Ustrd"))
    reason = " ".join(
        p
        for p in (
            r.text(tx, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
            " ".join((el.text or "").strip() for el in r.findall(tx, "RtrInf/AddtlInf")),
        )
        if p.strip()
    )
    return {
        "tx_acct_svcr_ref": r.text(tx, "Refs/AcctSvcrRef")[:35],
        "return_reason": reason.strip()[:140],
        "end_to_end_id": r.text(tx, "Refs/EndToEndId"),
        "debtor_name": name[:140],
        "debtor_iban": iban[:34],
        "debtor_id": debtor_id[:35],
        "references": refs,
        "remittance": ustrd.strip(),
    }


# --- ISO 11649 creditor references ("RF18 5390 0754 7034") ------------------------


def _mod97(text: str) -> int:
    digits = "".join(str(int(ch, 36)) for ch in text)
    return int(digits) % 97


def rf_is_valid(ref: str) -> bool:
    """True for a well-formed RF reference with a correct check (ISO 11649)."""
    ref = ref.replace(" ", "").upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref):
        return False
    return _mod97(ref[4:] + ref[:4]) == 1


def rf_reference(payload: str) -> str:
    """The RF creditor reference for ``payload`` (an invoice number: letters and digits
    only are kept), e.g. "INV-00000012" → "RF.. INV00000012" without spaces."""
    body = re.sub(r"[^0-9A-Za-z]", "", payload).upper()
    if not 1 <= len(body) <= 21:
        raise ValueError("an RF reference carries 1 to 21 letters or digits")
    check = 98 - _mod97(body + "RF00")
    return f"RF{check:02d}{body}"

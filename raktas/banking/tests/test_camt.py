import datetime as dt
import re

import pytest

from raktas.banking.camt import CamtError, parse, rf_is_valid, rf_reference
from raktas.banking.tests.conftest import D, read


def test_it_reads_a_camt053_v08_statement():
    msg = parse(read("camt053_v08.xml"))
    assert (msg.kind, msg.version, msg.account_iban) == (
        "camt.053",
        "001.08",
        "LT601010012345678901",
    )
    assert msg.statement_ids == ["2026-11-28-001"]
    assert len(msg.transactions) == 6
    first = msg.transactions[0]
    assert first.credit and first.booked and first.amount == D("1210.00")
    assert first.references == ["RF75INV00000101"]
    assert first.debtor_name == "UAB Ąžuolas"
    assert first.debtor_iban == "LT127300010123456789"
    assert first.acct_svcr_ref == "2026112800001"
    assert first.booking_date == dt.date(2026, 11, 28)
    assert msg.transactions[1].remittance == "Apmokėjimas pagal sąskaitą INV 00000103"
    assert msg.transactions[3].debtor_name == "ООО «Северный ветер»"
    assert not msg.transactions[4].credit
    assert msg.transactions[5].debtor_id == "304512345"


def test_it_splits_a_batch_entry_of_a_camt054_into_its_transactions():
    msg = parse(read("camt054_v08.xml"))
    assert msg.kind == "camt.054"
    assert [t.amount for t in msg.transactions] == [D("1210.00"), D("500.00"), D("242.00")]
    assert [t.acct_svcr_ref for t in msg.transactions[1:]] == [
        "2026112800010/A",
        "2026112800010/B",
    ]


@pytest.mark.parametrize("version", ["02", "04", "06", "10"])
def test_it_accepts_versions_02_to_10(version):
    text = read("camt053_v08.xml").decode()
    text = text.replace("camt.053.001.08", f"camt.053.001.{version}")
    if version in ("02", "04"):
        # Before 001.06 the status is a bare code and the debtor has no Pty wrapper.
        text = re.sub(r"<Sts><Cd>(\w+)</Cd></Sts>", r"<Sts>\1</Sts>", text)
        text = text.replace("<Dbtr><Pty><Nm>", "<Dbtr><Nm>").replace(
            "</Nm></Pty></Dbtr>", "</Nm></Dbtr>"
        )
    msg = parse(text.encode())
    assert msg.version == f"001.{version}"
    assert msg.transactions[0].booked and msg.transactions[0].debtor_name == "UAB Ąžuolas"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.replace("</Document>", ""), "not well-formed XML"),
        (lambda t: t.replace("camt.053.001.08", "camt.053.001.11"), "not supported"),
        (lambda t: t.replace("camt.053.001.08", "pain.001.001.09"), "Not a camt.053"),
        (
            lambda t: t.replace('<Amt Ccy="EUR">242.00</Amt>', '<Amt Ccy="EUR">2x42</Amt>', 1),
            "is not a number",
        ),
        (
            lambda t: t.replace('<Amt Ccy="EUR">99.99</Amt>', '<Amt Ccy="EUR">99.999</Amt>', 1),
            "more than two decimals",
        ),
        (
            lambda t: t.replace("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>X</CdtDbtInd>"),
            "CdtDbtInd",
        ),
        (lambda t: t.replace("<MsgId>STMT-20261128-LT601010012345678901</MsgId>", ""), "MsgId"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_reason(mutate, message):
    text = mutate(read("camt053_v08.xml").decode())
    with pytest.raises(CamtError) as err:
        parse(text.encode())
    assert message in err.value.message


def test_entity_expansion_and_external_entities_are_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&lol2;</Document>"""
    with pytest.raises(CamtError, match="unsafe XML"):
        parse(bomb)
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>"""
    with pytest.raises(CamtError, match="unsafe XML"):
        parse(xxe)


def test_rf_creditor_references_follow_iso_11649():
    assert rf_is_valid("RF18 5390 0754 7034")  # the standard's own example
    assert not rf_is_valid("RF19539007547034")
    assert not rf_is_valid("RF18")
    ref = rf_reference("INV-00000101")
    assert ref == "RF75INV00000101" and rf_is_valid(ref)

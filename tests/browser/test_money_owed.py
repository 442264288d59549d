"""Issue 4's "done when", tried in a real browser as a new user would: finance imports a
camt.053 file and sees the payment matched; the aging as of yesterday still shows the
invoice that payment settled today; the settlement statement comes out in Lithuanian;
a KAM's order over the credit limit is refused with the reason and approved by the
head of sales."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from raktas.banking.camt import rf_reference
from raktas.banking.sample import SampleEntry, sample_statement
from raktas.clients.models import Client
from raktas.credit.models import OverrideRequest, OverrideStatus
from raktas.ledger.models import Allocation
from raktas.orders.models import Order, OrderStatus
from raktas.testing.pages import Book

pytestmark = pytest.mark.usefixtures("audit_safe_flush")


def test_bank_statement_aging_and_statement_pdf(book: Book, session: Any, tmp_path: Any) -> None:
    w = book.world
    invoice = book.overdue_invoice
    open_before = invoice.open_amount
    assert open_before > 0
    today = timezone.localdate()

    # Finance lands on the bank page and imports the morning's statement.
    camt = tmp_path / "statement.xml"
    camt.write_bytes(
        sample_statement(
            [
                SampleEntry(
                    amount=open_before,
                    debtor=w.client_a.legal_name,
                    reference=rf_reference(invoice.number),
                ),
                SampleEntry(amount=Decimal("17.00"), debtor="Nobody we know", text="gift"),
            ],
            day=today,
        )
    )
    finance = session()
    finance.sign_in("finance")
    assert finance.page.url.endswith("/bank/")
    finance.page.set_input_files("#file", str(camt))
    finance.page.get_by_role("button", name=re.compile("Import")).click()
    finance.page.wait_for_selector(".msg-success")
    summary = finance.page.inner_text(".messages")
    assert "2 credit entries, 1 matched, 1 waiting for finance" in summary, summary
    # The entry nobody could match waits in the queue, with its amount.
    expect(finance.page.get_by_text("Nobody we know")).to_be_visible()
    finance.shot("20-bank-import")
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert Allocation.objects.filter(invoice=invoice, allocated_on=today).exists()

    # The same file again books nothing twice.
    finance.page.set_input_files("#file", str(camt))
    finance.page.get_by_role("button", name=re.compile("Import")).click()
    finance.page.wait_for_selector(".messages")
    assert "0 matched" in finance.page.inner_text(".messages")
    assert Allocation.objects.filter(invoice=invoice, allocated_on=today).count() == 1

    # The KAM opens the client's aging from Client 360: as of today nothing is open;
    # as of yesterday the invoice paid this morning is there, in its bucket.
    kam = session()
    kam.sign_in("kam_a")
    kam.go(f"/clients/{w.client_a.pk}/")
    kam.page.get_by_role("link", name=re.compile("Aging and settlement statement")).click()
    kam.page.wait_for_url(re.compile(rf"/receivables/aging/\?client={w.client_a.pk}"))
    expect(kam.page.locator("#h-invoices")).to_be_visible()
    assert invoice.number not in kam.page.inner_text("main")
    yesterday = today - dt.timedelta(days=1)
    kam.page.fill("#as_of", yesterday.isoformat())
    kam.page.locator("#as_of").press("Enter")
    kam.page.wait_for_url(re.compile(rf"as_of={yesterday.isoformat()}"))
    row = kam.page.locator("section[aria-labelledby=h-invoices] tbody tr", has_text=invoice.number)
    expect(row).to_have_count(1)
    days_late = (yesterday - invoice.due_date).days
    assert str(days_late) in row.inner_text()
    kam.shot("21-aging-yesterday")

    # The settlement statement in Lithuanian, as a PDF.
    kam.page.select_option("#language", "lt")
    kam.page.select_option("#format", "pdf")
    with kam.page.expect_download() as download_info:
        kam.page.get_by_role("button", name="Settlement statement").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "SUDERINIMO AKTAS" in text.upper(), text[:300]
    assert invoice.number in text
    assert w.client_a.legal_name in text


def test_an_order_over_the_limit_is_refused_then_approved_by_the_head(
    book: Book, session: Any
) -> None:
    w = book.world
    Client.objects.filter(pk=w.client_a.pk).update(credit_limit=Decimal("50.00"))
    draft = book.draft

    kam = session()
    kam.sign_in("kam_a")
    kam.go(f"/orders/{draft.pk}/")
    kam.page.click("#submit-order")
    kam.page.wait_for_selector(".form-error[role=alert]")
    message = kam.page.inner_text(".form-error")
    assert "Credit control refused the order." in message
    assert "would be over the credit limit €50.00" in message
    assert "is waiting for the head of sales" in message
    kam.shot("22-credit-refused")
    draft.refresh_from_db()
    assert draft.status == OrderStatus.DRAFT
    override = OverrideRequest.objects.get(order=draft)

    # The head of sales finds it on Today and approves it with a reason.
    head = session()
    head.sign_in("head")
    assert head.page.url.endswith("/today/")
    head.page.locator(f"#h-decide ~ * a[href='/credit/overrides/{override.pk}/']").first.click()
    head.page.wait_for_url(f"**/credit/overrides/{override.pk}/")
    head.shot("23-override")
    head.page.fill("#reason", "Long-standing client; paying on Friday")
    head.page.get_by_role("button", name="Approve and submit the order").click()
    head.page.wait_for_selector(".msg-success")
    assert "was submitted" in head.page.inner_text(".messages")

    override.refresh_from_db()
    assert override.status == OverrideStatus.APPROVED
    assert override.decided_by == w.head
    assert Order.objects.get(pk=draft.pk).status == OrderStatus.SUBMITTED

    # The KAM sees the decision in the client's timeline.
    kam.go(f"/credit/clients/{w.client_a.pk}/")
    assert "Long-standing client; paying on Friday" in kam.page.inner_text("main")

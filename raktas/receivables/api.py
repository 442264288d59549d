"""Aging, its drill-down and XLSX export, the mutual settlement statement, and payment
reversal. Every read is scoped by ``raktas.receivables.selectors``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.audit.services import access_record
from raktas.clients.selectors import account_clients_visible_to
from raktas.core.exceptions import NotFound
from raktas.ledger.selectors import get_payment_for
from raktas.ledger.services import payment_reverse
from raktas.org.access import today
from raktas.receivables.aging import AgingRow, parse_edges
from raktas.receivables.exports import aging_workbook
from raktas.receivables.schemas import (
    AgingFilters,
    AgingInvoiceFilters,
    AgingInvoicesOut,
    AgingOut,
    AgingReportFilters,
    ReversalOut,
    ReverseIn,
    StatementOut,
    StatementParams,
)
from raktas.receivables.selectors import aging_for, aging_invoices_for
from raktas.receivables.statement import build_statement, statement_pdf, statement_xlsx

router = Router()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(row: AgingRow, labels: list[str], dso_days: int) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "client_id": row.client_id,
        "owner": row.owner,
        "team": row.team,
        "buckets": [{"bucket": b, "amount": a} for b, a in zip(labels, row.buckets, strict=True)],
        "total": row.total,
        "overdue": row.overdue,
        "unapplied": row.unapplied,
        "net": row.net,
        "open_invoices": row.open_invoices,
        "dso": row.dso(dso_days),
        "average_days_late": row.average_days_late,
    }


def _report(request: HttpRequest, f: AgingFilters) -> Any:
    return aging_for(
        current_user(request),
        as_of=f.as_of or today(),
        edges=parse_edges(f.buckets) if f.buckets else None,
        dso_days=f.dso_days,
        client_id=f.client,
        kam_id=f.kam,
        team_id=f.team,
    )


@router.get(
    "/receivables/aging",
    response=AgingOut,
    summary="Aging as of a day, by client, KAM, team or company (scoped to your clients)",
)
def aging(request: HttpRequest, filters: Query[AgingReportFilters]) -> dict[str, Any]:
    report = _report(request, filters)
    labels = report.labels
    return {
        "as_of": report.as_of,
        "by": filters.by,
        "buckets": labels,
        "dso_days": report.dso_days,
        "rows": [_row(r, labels, report.dso_days) for r in report.rows(filters.by)],
        "company": _row(report.company, labels, report.dso_days),
    }


@router.get(
    "/receivables/aging/invoices",
    response=AgingInvoicesOut,
    summary="The invoices behind an aging figure (drill-down)",
)
def aging_invoices(request: HttpRequest, filters: Query[AgingInvoiceFilters]) -> dict[str, Any]:
    as_of = filters.as_of or today()
    rows = aging_invoices_for(
        current_user(request),
        as_of=as_of,
        edges=parse_edges(filters.buckets) if filters.buckets else None,
        bucket=filters.bucket,
        client_id=filters.client,
        kam_id=filters.kam,
        team_id=filters.team,
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "as_of": as_of,
        "count": len(rows),
        "total": sum((r.open_amount for r in rows), 0),
        "items": [
            {"id": r.invoice_id, **{k: v for k, v in r.__dict__.items() if k != "invoice_id"}}
            for r in page
        ],
    }


@router.get(
    "/receivables/aging.xlsx",
    summary="Aging as an XLSX workbook: by client, KAM, team, company, and the invoices",
    response={200: None},
)
def aging_xlsx(request: HttpRequest, filters: Query[AgingFilters]) -> HttpResponse:
    report = _report(request, filters)
    invoices = aging_invoices_for(
        current_user(request),
        as_of=report.as_of,
        edges=report.edges,
        client_id=filters.client,
        kam_id=filters.kam,
        team_id=filters.team,
    )
    response = HttpResponse(aging_workbook(report, invoices), content_type=XLSX)
    access_record(request, what="aging.xlsx", rows=len(invoices), user=current_user(request))
    response["Content-Disposition"] = f'attachment; filename="aging-{report.as_of}.xlsx"'
    return response


@router.get(
    "/clients/{client_id}/statement",
    summary="Mutual settlement statement of a client for a period (PDF, XLSX or JSON)",
    response={200: StatementOut},
)
def statement(request: HttpRequest, client_id: int, params: Query[StatementParams]) -> Any:

    client = account_clients_visible_to(current_user(request)).filter(pk=client_id).first()
    if client is None:
        raise NotFound("Client not found.")
    st = build_statement(client, params.date_from, params.date_to)
    access_record(
        request, what=f"statement.{params.format}", rows=len(st.lines), user=current_user(request)
    )
    if params.format == "json":
        return {
            "client_id": client.pk,
            "client": client.legal_name,
            "currency": st.currency,
            "date_from": st.date_from,
            "date_to": st.date_to,
            "opening": st.opening,
            "debit_total": st.debit_total,
            "credit_total": st.credit_total,
            "closing": st.closing,
            "lines": [line.__dict__ for line in st.lines],
        }
    name = f"statement-{client.pk}-{st.date_from}-{st.date_to}-{params.language}"
    if params.format == "xlsx":
        response = HttpResponse(statement_xlsx(st, params.language), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(statement_pdf(st, params.language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@router.post(
    "/payments/{payment_id}/reverse",
    response={201: ReversalOut},
    summary="Reverse a bounced or mistaken payment: its invoices reopen (finance, director)",
)
def reverse_payment(request: HttpRequest, payment_id: int, body: ReverseIn) -> Any:
    user = current_user(request)
    payment = get_payment_for(user, payment_id)
    reversal = payment_reverse(
        by=user, payment=payment, reversed_on=body.reversed_on, reason=body.reason
    )
    return Status(201, reversal)

"""Every read of the ledger, already limited to what the user may see, and the one
definition of a client's account (``account_totals``, ``with_balances``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    DecimalField,
    F,
    Field,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from raktas.clients.models import Client
from raktas.clients.selectors import account_clients_visible_to
from raktas.core.exceptions import NotFound
from raktas.core.money import ZERO
from raktas.core.periods import months_back
from raktas.ledger.models import Allocation, CreditNote, Invoice, Payment, PaymentReversal
from raktas.org.access import account_q, scope_for, today
from raktas.org.models import User

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Invoices of the clients the user sees. The order desk sees the invoices of the
    orders it handled, not the rest of the client's account."""
    scope = scope_for(user)
    if scope.all_clients:
        return Invoice.objects.all()
    condition = Q(client__owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition |= Q(order__submitted_at__isnull=False)
    return Invoice.objects.filter(condition)


def get_invoice_for(user: User, pk: int) -> Invoice:
    invoice = invoices_visible_to(user).select_related("client").filter(pk=pk).first()
    if invoice is None:
        raise NotFound("Invoice not found.")
    return invoice


def _book_only(user: User, model: type[Payment] | type[CreditNote]) -> QuerySet:
    """Payments and credit notes: the account side, not shown to the order desk."""
    return model.objects.filter(account_q(user, prefix="client__"))


def payments_visible_to(user: User) -> QuerySet[Payment]:
    return _book_only(user, Payment)


def get_payment_for(user: User, pk: int) -> Payment:
    payment = payments_visible_to(user).select_related("client").filter(pk=pk).first()
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def credit_notes_visible_to(user: User) -> QuerySet[CreditNote]:
    return _book_only(user, CreditNote)


def allocations_visible_to(user: User) -> QuerySet[Allocation]:
    return Allocation.objects.filter(payment__in=payments_visible_to(user))


def client_balance(client: Client, *, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """The client's account: invoiced, paid, credited, balance, open and overdue (gross).

    Balance and overdue come from the account's one definition (``account_totals``,
    the same terms the client lists use)."""
    day = as_of or today()
    account = account_totals([client.pk], as_of=day).get(client.pk, Account())
    open_invoices = Invoice.objects.filter(client=client, open_amount__gt=0).aggregate(
        s=Sum("open_amount")
    )["s"]
    payments = Payment.objects.filter(client=client).aggregate(
        amount=Sum("amount"), allocated=Sum("allocated_amount")
    )
    return {
        "invoiced": account.invoiced,
        "paid": account.paid,
        "credited": account.credited,
        # A reversed (bounced) payment is owed again: the reversal is a debit.
        "reversed": account.reversed,
        "balance": account.balance,
        "open_invoices": open_invoices or ZERO,
        "overdue": account.overdue,
        "unallocated_payments": (payments["amount"] or ZERO) - (payments["allocated"] or ZERO),
    }


# --- Net revenue ---------------------------------------------------------------------------
#
# Net revenue = invoices − credit notes (net of VAT) by issue date. "Revenue, 12 months"
# everywhere (My clients, Client 360, Team, the API) is the current month so far and
# the eleven before it: the last twelve bars of the Client 360 chart.

REVENUE_MONTHS = 12


def revenue_since(day: dt.date) -> dt.date:
    """The first day of the 12-month revenue window that ends on ``day``."""
    return months_back(day, REVENUE_MONTHS - 1)


def revenue_by_client(clients: Any, since: dt.date) -> dict[int, Decimal]:
    """Net invoiced minus net credited since ``since``, per client (a list of ids or a
    queryset of clients). One grouped query per table, not one subquery per row."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for model, sign in ((Invoice, 1), (CreditNote, -1)):
        rows = (
            model.objects.filter(client_id__in=clients, issue_date__gte=since)
            .order_by()
            .values("client_id")
            .annotate(t=Sum("net_total"))
            .values_list("client_id", "t")
        )
        for pk, amount in rows:
            out[pk] += sign * (amount or ZERO)
    return out


def revenue_expression(since: dt.date) -> Any:
    """Net revenue since ``since`` as an annotation of a client queryset (to order or
    filter a whole set of clients by it)."""
    return sum_by_client(Invoice.objects.filter(issue_date__gte=since), "net_total") - (
        sum_by_client(CreditNote.objects.filter(issue_date__gte=since), "net_total")
    )


def get_balance_for(user: User, client_pk: int) -> dict[str, Decimal]:
    """The balance of one client; 404 if the user may not see the client's account."""
    client = account_clients_visible_to(user).filter(pk=client_pk).first()
    if client is None:
        raise NotFound("Client not found.")
    return client_balance(client)


# --- The account of a client --------------------------------------------------------------
#
# balance = invoices − payments − credit notes + payment reversals (gross), and
# ``overdue`` = the open amount of invoices past their due date. These terms are the one
# definition; ``with_balances`` (an annotation, to filter or order by) and
# ``account_totals`` (grouped sums for a given list of clients, to show) are two shapes
# of it. The ledger's covering indexes (client, …, amount) let both read the index only.


def sum_by_client(model_qs: QuerySet, field: str) -> Coalesce:
    """``field`` summed over ``model_qs``'s rows of each client, as an annotation of a
    client queryset (a correlated subquery; 0 when the client has none). For ordering
    or filtering a whole set of clients by an amount; to show the amounts of a known
    list of clients, a grouped query (``account_totals``) is cheaper."""
    sub = (
        model_qs.filter(client_id=OuterRef("pk"))
        .order_by()
        .values("client_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(sub, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _account_terms(day: dt.date) -> list[tuple[str, type[Model], str, Q]]:
    """(name, ledger table, amount column, which rows) of each term of the account."""
    return [
        ("invoiced", Invoice, "gross_total", Q()),
        ("paid", Payment, "amount", Q()),
        ("credited", CreditNote, "gross_total", Q()),
        ("reversed", PaymentReversal, "amount", Q()),
        ("overdue", Invoice, "open_amount", Q(due_date__lt=day, open_amount__gt=0)),
    ]


def with_balances(qs: QuerySet[Client], *, as_of: dt.date | None = None) -> QuerySet[Client]:
    """Annotate ``invoiced``, ``paid``, ``credited``, ``reversed``, ``balance`` (gross)
    and ``overdue`` (see the account terms above)."""
    terms = {
        name: sum_by_client(model._default_manager.filter(rows), column)
        for name, model, column, rows in _account_terms(as_of or today())
    }
    return qs.annotate(**terms).annotate(
        balance=F("invoiced") - F("paid") - F("credited") + F("reversed")
    )


@dataclass(frozen=True)
class Account:
    """A client's account in gross amounts (see the account terms above)."""

    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    credited: Decimal = ZERO
    reversed: Decimal = ZERO
    overdue: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.invoiced - self.paid - self.credited + self.reversed


def _column(model: type[Model], name: str) -> str:
    """The quoted column of ``model``'s field ``name``."""
    field = model._meta.get_field(name)
    column = field.column if isinstance(field, Field) else None
    assert column, f"{model.__name__}.{name} is not a column"
    return connection.ops.quote_name(column)


def _account_sql_terms(day: dt.date) -> list[tuple[str, type[Model], str, str, list[Any]]]:
    """``_account_terms`` as SQL for ``account_totals``: (name, ledger table, amount
    column, extra WHERE condition, its parameters). ``test_account_totals_and_with_
    balances_are_one_definition`` holds the two to the same figures."""
    due, open_amount = (_column(Invoice, f) for f in ("due_date", "open_amount"))
    overdue = f"{due} < %s AND {open_amount} > 0"
    conditions = {"overdue": (overdue, [connection.ops.adapt_datefield_value(day)])}
    terms = _account_terms(day)
    # A term that gains a row condition must gain its SQL here too.
    assert {name for name, _m, _c, rows in terms if rows} == set(conditions)
    return [
        (name, model, column, *conditions.get(name, ("", [])))
        for name, model, column, _rows in terms
    ]


def account_totals(clients: Any, *, as_of: dt.date | None = None) -> dict[int, Account]:
    """The account of each client in ``clients`` (a list of ids, or a queryset of
    clients): one grouped query per ledger table, however many clients. A client with
    no ledger rows is absent: read it with ``.get(pk, Account())``.

    Written as SQL rather than ORM querysets because it runs on every page of the
    client lists and the API: building the querysets (each with the page's ids in an
    ``IN`` list) cost more CPU than the database spent answering them. The amounts go
    through the same converters as the ORM's ``Sum`` of a money field. One statement
    per table, not one UNION ALL: PostgreSQL plans the union as a parallel append and
    starts worker processes for a query of a millisecond."""
    if isinstance(clients, QuerySet):
        try:
            sub, sub_params = clients.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. .none() or pk__in=[]: no clients, no accounts
            return {}
        members, member_params = f"({sub})", list(sub_params)
    else:
        member_params = [int(pk) for pk in clients]
        if not member_params:
            return {}
        members = "(" + ", ".join(["%s"] * len(member_params)) + ")"
    by_table: dict[type[Model], list[tuple[str, str, str, list[Any]]]] = {}
    for name, model, column, condition, condition_params in _account_sql_terms(as_of or today()):
        by_table.setdefault(model, []).append((name, column, condition, condition_params))
    total = Sum("amount", output_field=_MONEY)
    converters = connection.ops.get_db_converters(total)
    sums: dict[int, dict[str, Decimal]] = {}
    with connection.cursor() as cursor:
        for model, terms in by_table.items():
            client_id = _column(model, "client")
            columns: list[str] = []
            params: list[Any] = []
            for _name, column, condition, condition_params in terms:
                only = f" FILTER (WHERE {condition})" if condition else ""
                columns.append(f"CAST(SUM({_column(model, column)}){only} AS NUMERIC)")
                params += condition_params
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT {client_id}, {', '.join(columns)} FROM {table} "
                f"WHERE {client_id} IN {members} GROUP BY {client_id}",
                params + member_params,
            )
            for pk, *values in cursor.fetchall():
                into = sums.setdefault(pk, {})
                for (name, *_rest), value in zip(terms, values, strict=True):
                    if value is None:
                        continue
                    for convert in converters:
                        value = convert(value, total, connection)
                    into[name] = value
    return {pk: Account(**values) for pk, values in sums.items()}

"""Every read of clients and contacts, already limited to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    DecimalField,
    Exists,
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

from raktas.clients.models import Client, Contact
from raktas.core.exceptions import NotFound, PermissionDenied
from raktas.core.money import ZERO
from raktas.org.access import Action, require, scope_for, today
from raktas.org.models import User

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients ``user`` may see today (see ``raktas.org.access`` for the rules)."""
    from raktas.orders.models import Order, OrderStatus

    scope = scope_for(user)
    if scope.all_clients:
        return Client.objects.all()
    condition: Any = Q(owner_id__in=scope.kam_ids) if scope.kam_ids else Q(pk__in=[])
    if scope.desk:
        condition = condition | Exists(
            Order.objects.filter(client=OuterRef("pk"), submitted_at__isnull=False).exclude(
                status=OrderStatus.DRAFT
            )
        )
    return Client.objects.filter(condition)


def get_client_for(user: User, pk: int, *, write: bool = False) -> Client:
    """One client: 404 when the user may not see it, 403 when they may see but not change it."""
    client = (
        clients_visible_to(user)
        .select_related("owner", "segment", "price_column")
        .filter(pk=pk)
        .first()
    )
    if client is None:
        raise NotFound("Client not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=client.owner_id)
    return client


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=clients_visible_to(user))


def get_contact_for(user: User, pk: int, *, write: bool = False) -> Contact:
    contact = contacts_visible_to(user).select_related("client").filter(pk=pk).first()
    if contact is None:
        raise NotFound("Contact not found.")
    if write:
        require(user, Action.CLIENT_CHANGE, owner_id=contact.client.owner_id)
    return contact


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


# --- The account of a client --------------------------------------------------------------
#
# balance = invoices − payments − credit notes + payment reversals (gross), and
# ``overdue`` = the open amount of invoices past their due date. These terms are the one
# definition; ``with_balances`` (an annotation, to filter or order by) and
# ``account_totals`` (grouped sums for a given list of clients, to show) are two shapes
# of it. The ledger's covering indexes (client, …, amount) let both read the index only.


def _account_terms(day: dt.date) -> list[tuple[str, type[Model], str, Q]]:
    """(name, ledger table, amount column, which rows) of each term of the account."""
    from raktas.ledger.models import CreditNote, Invoice, Payment, PaymentReversal

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
    from django.db import connection

    field = model._meta.get_field(name)
    column = field.column if isinstance(field, Field) else None
    assert column, f"{model.__name__}.{name} is not a column"
    return connection.ops.quote_name(column)


def _account_sql_terms(day: dt.date) -> list[tuple[str, type[Model], str, str, list[Any]]]:
    """``_account_terms`` as SQL for ``account_totals``: (name, ledger table, amount
    column, extra WHERE condition, its parameters). ``test_account_totals_and_with_
    balances_are_one_definition`` holds the two to the same figures."""
    from django.db import connection

    from raktas.ledger.models import Invoice

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
    from django.db import connection

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


def ensure_can_change_credit(user: User, client: Client) -> None:
    require(user, Action.CLIENT_CREDIT)
    if not clients_visible_to(user).filter(pk=client.pk).exists():
        raise PermissionDenied()

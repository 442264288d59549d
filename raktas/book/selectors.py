"""The book's reads: My clients (the one client list, for the page, its export and
``GET /api/v1/clients``), Client 360, Today and Team.

Nothing here decides who sees what: every query starts from ``clients_visible_to``,
``orders_visible_to``, ``invoices_visible_to`` … and the account figures are shown only
where ``raktas.org.access.sees_account`` allows, so a page, its search box, its chart,
its export and the API can show no row or figure the user may not see.

The book sits above every context it reads (clients, orders, the ledger, credit,
collection, analytics): the lists need their figures, and none of them may import it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth

from raktas.analytics.churn import churn_counts_by_owner, churn_risk_first
from raktas.analytics.models import ProposalStatus, TierProposal
from raktas.analytics.returns import return_rate_alerts
from raktas.catalog.models import Product
from raktas.clients.models import Client, ClientStatus, Segment, Tier
from raktas.clients.selectors import client_search, clients_visible_to, contacts_visible_to
from raktas.collection.models import CollectionTask, PromiseToPay
from raktas.collection.selectors import (
    broken_promises_for,
    dunning_calls_for,
    today_collection,
)
from raktas.core.money import ZERO
from raktas.core.periods import months_back
from raktas.credit.selectors import overrides_to_decide
from raktas.credit.services import Exposure, exposure_of
from raktas.ledger.models import Invoice, InvoiceLine
from raktas.ledger.selectors import (
    Account,
    account_totals,
    credit_notes_visible_to,
    invoices_visible_to,
    payments_visible_to,
    revenue_by_client,
    revenue_expression,
    revenue_since,
    sum_by_client,
    with_balances,
)
from raktas.orders.models import Order, OrderStatus
from raktas.orders.selectors import orders_visible_to
from raktas.org.access import (
    account_q,
    decides_for_q,
    leads_every_team,
    leads_team,
    led_teams,
    scope_for,
    sees_account,
    sees_accounts,
    sees_margin,
    today,
)
from raktas.org.models import Role, Team, User

PAGE_SIZE = 50
# Sorting by a computed column computes it for every filtered row, in the database:
# correlated subqueries per client read from the ledger's covering indexes (one for
# revenue, overdue and last order; four for the balance, so it gets a lower ceiling).
# Above these the page asks to narrow the filter first.
COMPUTED_SORT_MAX_ROWS = 20000
BALANCE_SORT_MAX_ROWS = 5000
# Orders that count as the client having ordered (not drafts, not withdrawn).
_PLACED = ~Q(status__in=[OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.REFUSED])


# --- My clients ----------------------------------------------------------------------


@dataclass
class ClientFilters:
    q: str = ""
    segment: int | None = None
    tier: str = ""
    status: str = ""
    owner: int | None = None
    overdue: bool = False
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Any) -> ClientFilters:
        def as_int(raw: str | None) -> int | None:
            try:
                return int(raw) if raw else None
            except ValueError:
                return None

        sort = params.get("sort") or "name"
        if sort.lstrip("-") not in SORTS:
            sort = "name"
        tier = params.get("tier") or ""
        status = params.get("status") or ""
        return cls(
            q=(params.get("q") or "").strip()[:100],
            segment=as_int(params.get("segment")),
            tier=tier if tier in Tier.values else "",
            status=status if status in ClientStatus.values else "",
            owner=as_int(params.get("owner")),
            overdue=params.get("overdue") in ("1", "on", "true"),
            sort=sort,
        )

    def as_params(self) -> dict[str, str]:
        out = {
            "q": self.q,
            "segment": str(self.segment or ""),
            "tier": self.tier,
            "status": self.status,
            "owner": str(self.owner or ""),
            "overdue": "1" if self.overdue else "",
            "sort": "" if self.sort == "name" else self.sort,
        }
        return {k: v for k, v in out.items() if v}


# Sort keys: the plain ones use indexed columns; the computed ones need an annotation.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("legal_name", "id"),
    "segment": ("segment__name", "legal_name", "id"),
    "tier": ("tier", "legal_name", "id"),
    "status": ("status", "legal_name", "id"),
    "owner": ("owner__username", "legal_name", "id"),
    "last_order": ("last_order", "id"),
    "balance": ("balance", "id"),
    "overdue": ("overdue", "id"),
    "revenue": ("revenue", "id"),
}
COMPUTED_SORTS = frozenset({"last_order", "balance", "overdue", "revenue"})
ACCOUNT_SORTS = frozenset({"balance", "overdue", "revenue"})


def filtered_clients(user: User, filters: ClientFilters) -> QuerySet[Client]:
    """The user's clients narrowed by the filters (no ordering, no computed columns):
    the one client list of the page, its export and ``GET /api/v1/clients``."""
    qs = client_search(clients_visible_to(user), filters.q)
    if filters.segment:
        qs = qs.filter(segment_id=filters.segment)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.overdue:
        # Only clients whose account the user sees may be picked out by their debt.
        overdue = Invoice.objects.filter(
            client_id=OuterRef("pk"), due_date__lt=today(), open_amount__gt=0
        )
        qs = qs.filter(account_q(user)).filter(Exists(overdue))
    return qs


def _grouped(qs: QuerySet[Any], value: Any) -> dict[int, Any]:
    return dict(qs.order_by().values("client_id").annotate(v=value).values_list("client_id", "v"))


def last_order_by_client(clients: Any) -> dict[int, dt.date]:
    return _grouped(Order.objects.filter(_PLACED, client_id__in=clients), Max("order_date"))


def overdue_by_client(clients: Any) -> dict[int, Decimal]:
    return _grouped(
        Invoice.objects.filter(client_id__in=clients, due_date__lt=today(), open_amount__gt=0),
        Sum("open_amount"),
    )


def _sort_expression(key: str) -> Any:
    """One value per client for ordering a whole filtered set. Correlated subqueries:
    each reads only its client's rows through the covering (client, date, amount)
    indexes, which beats a grouped scan of every invoice or order when most clients
    are in the set."""
    day = today()
    if key == "revenue":
        return revenue_expression(revenue_since(day))
    if key == "last_order":
        return Subquery(
            Order.objects.filter(_PLACED, client_id=OuterRef("pk"))
            .order_by("-order_date")
            .values("order_date")[:1]
        )
    if key == "overdue":
        return sum_by_client(
            Invoice.objects.filter(due_date__lt=day, open_amount__gt=0), "open_amount"
        )
    raise ValueError(key)


def _sorted_ids(key: str, descending: bool, base: QuerySet[Client], offset: int) -> list[int]:
    """The ids of one page of the filtered set ordered by a computed column (ties in
    name order; a client with no orders sorts as the oldest last order)."""
    if key == "balance":
        # The account's own definition (the same terms as the rows' ``account_totals``).
        annotated: QuerySet[Client] = with_balances(base)
        value = F("balance")
    else:
        annotated = base.annotate(sort_value=_sort_expression(key))
        value = F("sort_value")
    if key == "last_order":
        order = value.desc(nulls_last=True) if descending else value.asc(nulls_first=True)
    else:
        order = value.desc() if descending else value.asc()
    return list(
        annotated.order_by(order, "legal_name", "id").values_list("pk", flat=True)[
            offset : offset + PAGE_SIZE
        ]
    )


def can_sort_by(user: User, key: str, total: int) -> bool:
    key = key.lstrip("-")
    if key in ACCOUNT_SORTS and not sees_accounts(user):
        return False
    if key == "balance":
        return total <= BALANCE_SORT_MAX_ROWS
    return not (key in COMPUTED_SORTS and total > COMPUTED_SORT_MAX_ROWS)


@dataclass
class ClientRow:
    client: Client
    account: bool  # whether balance, overdue and revenue may be shown
    balance: Decimal | None
    overdue: Decimal | None
    revenue: Decimal | None
    last_order: dt.date | None


@dataclass
class ClientPage:
    rows: list[ClientRow]
    total: int
    page: int
    pages: int
    sort: str
    sortable: dict[str, bool] = field(default_factory=dict)

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def account_figures(user: User, clients: list[Client]) -> dict[int, Account]:
    """The account (``account_totals``) of each of ``clients`` whose account the user
    sees (``sees_account``); the others are absent. One grouped query per ledger table."""
    with_account = [c.pk for c in clients if sees_account(user, c)]
    totals = account_totals(with_account) if with_account else {}
    return {pk: totals.get(pk, Account()) for pk in with_account}


def _rows(user: User, ids: list[int]) -> list[ClientRow]:
    """The rows of the clients ``ids``, in that order: balance and overdue (the
    account's definition, ``account_totals``), revenue over 12 months and the last
    order date. One grouped query per table over these clients only, and the account
    figures only for the clients whose account the user sees."""
    clients = Client.objects.select_related("segment", "owner").in_bulk(ids)
    accounts = account_figures(user, [clients[pk] for pk in ids if pk in clients])
    shown = set(accounts)
    revenue = revenue_by_client(sorted(shown), revenue_since(today())) if shown else {}
    last = last_order_by_client(ids) if ids else {}
    rows = []
    for pk in ids:
        client = clients.get(pk)
        if client is None:
            continue
        account = accounts.get(pk)
        rows.append(
            ClientRow(
                client=client,
                account=account is not None,
                balance=account.balance if account else None,
                overdue=account.overdue if account else None,
                revenue=revenue.get(pk, ZERO) if account else None,
                last_order=last.get(pk),
            )
        )
    return rows


def client_page(user: User, filters: ClientFilters, page: int = 1) -> ClientPage:
    """One page of the client table. Only the page's rows get balances and revenue
    computed, so the cost does not grow with the size of the book (except when
    sorting by a computed column, capped by ``can_sort_by``)."""
    base = filtered_clients(user, filters)
    total = base.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    sort = filters.sort if can_sort_by(user, filters.sort, total) else "name"
    key = sort.lstrip("-")
    offset = (page - 1) * PAGE_SIZE
    if key in COMPUTED_SORTS:
        ids = _sorted_ids(key, sort.startswith("-"), base, offset)
    else:
        order = [("-" + f if sort.startswith("-") else f) for f in SORTS[key]]
        ids = list(base.order_by(*order).values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
    sortable = {k: can_sort_by(user, k, total) for k in SORTS}
    return ClientPage(
        rows=_rows(user, ids),
        total=total,
        page=page,
        pages=pages,
        sort=sort,
        sortable=sortable,
    )


def iter_client_rows(user: User, filters: ClientFilters, chunk: int = 500) -> Any:
    """Every row the user may see under the filters, in name order, computed a chunk
    at a time (the XLSX export)."""
    base = filtered_clients(user, filters).order_by("legal_name", "id")
    ids = list(base.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        yield from _rows(user, ids[start : start + chunk])


def filter_choices(user: User) -> dict[str, Any]:
    scope = scope_for(user)
    owners: list[User] = []
    if scope.all_clients or len(scope.kam_ids) > 1:
        visible_owner_ids = (
            User.objects.filter(role_grants__role__in=[Role.KAM, Role.HEAD_OF_SALES])
            if scope.all_clients
            else User.objects.filter(pk__in=scope.kam_ids)
        )
        owners = list(visible_owner_ids.distinct().order_by("username"))
    return {
        "segments": list(Segment.objects.all()),
        "tiers": Tier.choices,
        "statuses": ClientStatus.choices,
        "owners": owners,
    }


# --- Client 360 ---------------------------------------------------------------------


@dataclass
class MonthPoint:
    month: dt.date
    revenue: Decimal


def monthly_revenue(user: User, client: Client, months: int = 24) -> list[MonthPoint]:
    """Net revenue by month for the last ``months`` months (current month included),
    from the invoices and credit notes the user may see.

    Read from the documents, not from the analytics rollup ``ClientMonth``: invoice
    imports write around the ledger services and leave the rollup behind until
    ``raktas analytics-rebuild``, and the desk sees only some invoices. One client's
    two years are at most a few hundred rows of the covering (client, issue date, net)
    index — as cheap as the rollup's 24 rows (both well under a millisecond at medium
    scale)."""
    day = today()
    start = months_back(day, months - 1)
    totals: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        invoices_visible_to(user)
        .filter(client=client, issue_date__gte=start)
        .annotate(m=TruncMonth("issue_date"))
        .values("m")
        .annotate(t=Sum("net_total"))
        .order_by()
    ):
        totals[_as_date(row["m"])] += row["t"] or ZERO
    for row in (
        credit_notes_visible_to(user)
        .filter(client=client, issue_date__gte=start)
        .annotate(m=TruncMonth("issue_date"))
        .values("m")
        .annotate(t=Sum("net_total"))
        .order_by()
    ):
        totals[_as_date(row["m"])] -= row["t"] or ZERO
    return [
        MonthPoint(month=months_back(day, i), revenue=totals[months_back(day, i)])
        for i in range(months - 1, -1, -1)
    ]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class TopProduct:
    product: Product
    quantity: Decimal
    net: Decimal
    margin: Decimal | None


def top_products(user: User, client: Client, *, limit: int = 10) -> list[TopProduct]:
    """The products the client bought most (net) over the last 12 months (the revenue
    window, ``revenue_since``)."""
    invoices = invoices_visible_to(user).filter(
        client=client, issue_date__gte=revenue_since(today())
    )
    rows = list(
        InvoiceLine.objects.filter(invoice__in=invoices, product__isnull=False)
        .values("product_id")
        .annotate(q=Sum("quantity"), n=Sum("net"), c=Sum("cost"))
        .order_by("-n")[:limit]
    )
    products = Product.objects.in_bulk([r["product_id"] for r in rows])
    margin = sees_margin(user)
    return [
        TopProduct(
            product=products[r["product_id"]],
            quantity=r["q"] or ZERO,
            net=r["n"] or ZERO,
            margin=(r["n"] or ZERO) - (r["c"] or ZERO) if margin else None,
        )
        for r in rows
    ]


def credit_position(client: Client) -> Exposure:
    """The credit check's own view of the client (``raktas.credit``): exposure = open
    balance + orders submitted, confirmed or shipped but not invoiced. Callers show it
    only to users who see the client's account."""
    return exposure_of(client)


def used_pct(exposure: Exposure) -> Decimal:
    if exposure.credit_limit <= 0:
        return Decimal(100) if exposure.exposure > 0 else Decimal(0)
    return (exposure.exposure * 100 / exposure.credit_limit).quantize(Decimal("1"))


def client_360(user: User, client: Client) -> dict[str, Any]:
    account = sees_account(user, client)
    ctx: dict[str, Any] = {
        "client": client,
        "contacts": list(contacts_visible_to(user).filter(client=client)),
        "orders": list(
            orders_visible_to(user)
            .filter(client=client)
            .select_related("kam")
            .order_by("-created_at", "-id")[:15]
        ),
        "invoices": list(
            invoices_visible_to(user).filter(client=client).order_by("-issue_date", "-id")[:15]
        ),
        "months": monthly_revenue(user, client),
        "top_products": top_products(user, client),
        "account": account,
        "today": today(),
    }
    if account:
        # The credit check's figures carry the ledger balance and overdue amount too:
        # one read of the account for the whole page.
        ctx["credit"] = credit_position(client)
        ctx["credit_used_pct"] = used_pct(ctx["credit"])
        ctx["payments"] = list(
            payments_visible_to(user).filter(client=client).order_by("-received_on", "-id")[:15]
        )
    return ctx


# --- Today ------------------------------------------------------------------------------


@dataclass
class SilentClient:
    client: Client
    last_order: dt.date
    days_since: int
    usual_gap: int | None


SILENT_AFTER_DAYS = 90
SILENT_FACTOR = Decimal("1.5")
SILENT_HISTORY_DAYS = 730


_EPOCH = dt.date(1970, 1, 1)


def _day_number(connection: Any, column: str) -> str:
    """SQL for a date column as whole days since 1970-01-01 on this database."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - julianday('1970-01-01') AS INTEGER)"


@dataclass
class Rhythm:
    """How a client orders: their last order day, how many order days, and the median
    number of days between consecutive order days (``None`` below two gaps)."""

    last: dt.date
    order_days: int
    median_gap: float | None


def order_rhythms(order_days: QuerySet[Any]) -> dict[int, Rhythm]:
    """The ``Rhythm`` of each client in ``order_days``, a queryset of distinct
    ``(client_id, order_date)`` rows that carries the caller's scope.

    One query. On PostgreSQL the database does it all and returns one row per client
    (``percentile_cont(0.5)`` of the gaps: the middle gap, or the mean of the two
    middle ones, as ``statistics.median``). Elsewhere the days come back as integers
    (days since 1970), sorted by client and day, and are read in one pass: measured on
    the medium seed (a KAM's 1,661 clients, 28,464 order days, SQLite) this was faster
    than a median in SQL with window functions."""
    db = connections[order_days.db]
    try:
        # Compiled by Django from the scoped queryset: its values stay parameters.
        inner, params = order_days.order_by().query.sql_with_params()
    except EmptyResultSet:
        return {}
    if db.vendor == "postgresql":
        return _order_rhythms_in_sql(db, inner, params)
    sql = (
        f"WITH days (client_id, day) AS ({inner}) "
        f"SELECT client_id, {_day_number(db, 'day')} AS n FROM days ORDER BY client_id, n"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out: dict[int, Rhythm] = {}
    for client_id, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        numbers = [int(number) for _, number in group]
        gaps = [b - a for a, b in itertools.pairwise(numbers)]
        out[client_id] = Rhythm(
            last=_EPOCH + dt.timedelta(days=numbers[-1]),
            order_days=len(numbers),
            median_gap=float(statistics.median(gaps)) if len(gaps) >= 2 else None,
        )
    return out


def _order_rhythms_in_sql(db: Any, inner: str, params: Any) -> dict[int, Rhythm]:
    """``order_rhythms`` on PostgreSQL: the gaps (``LAG``), their median, the last day
    and the count per client in the database."""
    sql = (
        f"WITH days (client_id, day) AS ({inner}), "
        "gaps AS (SELECT client_id, day, "
        "day - LAG(day) OVER (PARTITION BY client_id ORDER BY day) AS gap FROM days) "
        "SELECT client_id, MAX(day), COUNT(*), COUNT(gap), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) "
        "FROM gaps GROUP BY client_id"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        client_id: Rhythm(
            last=last,
            order_days=count,
            median_gap=float(median) if gaps >= 2 else None,
        )
        for client_id, last, count, gaps, median in rows
    }


def silent_clients(user: User, *, limit: int = 15) -> list[SilentClient]:
    """Active clients of the user's book who have not ordered for longer than usual:
    more than 1.5 × their usual gap between orders, or more than 90 days.

    The usual gap is the *median* gap between order days over the last two years, not
    the mean: one long holiday gap (a client ordering weekly who closed for three
    months in the summer) would stretch a mean to weeks and hide the client who has
    now been silent for a month; the median stays at a week (``order_rhythms``, one
    query for the whole book)."""
    scope = scope_for(user)
    day = today()
    clients = clients_visible_to(user).filter(
        owner_id__in=scope.kam_ids, status=ClientStatus.ACTIVE
    )
    placed = orders_visible_to(user).filter(
        _PLACED,
        client__in=clients,
        order_date__gte=day - dt.timedelta(days=SILENT_HISTORY_DAYS),
    )
    rhythms = order_rhythms(placed.values("client_id", "order_date").distinct())
    flagged: list[tuple[float, int, dt.date, int, int | None]] = []
    for client_id, rhythm in rhythms.items():
        since = (day - rhythm.last).days
        usual = round(rhythm.median_gap) if rhythm.median_gap is not None else None
        late_for_them = usual is not None and since > float(SILENT_FACTOR) * max(usual, 1)
        if late_for_them or since > SILENT_AFTER_DAYS:
            ratio = since / max(usual or SILENT_AFTER_DAYS, 1)
            flagged.append((ratio, client_id, rhythm.last, since, usual))
    flagged.sort(key=lambda f: (-f[0], f[1]))
    top = flagged[:limit]
    by_pk = Client.objects.in_bulk([f[1] for f in top])
    return [
        SilentClient(client=by_pk[f[1]], last_order=f[2], days_since=f[3], usual_gap=f[4])
        for f in top
        if f[1] in by_pk
    ]


# What the other apps raise lands on Today through their own selectors: collection
# (``raktas.collection``), override requests (``raktas.credit``), churn risk and rate
# jumps (``raktas.analytics.churn`` and ``.returns``' public Today selectors). Nothing here
# recomputes their rules.

CHURN_ON_TODAY = 15
JUMPS_ON_TODAY = 15
# Tier proposals are counted up to this many (each is checked with
# ``decides_for``); more shows as "100+".
TIER_PROPOSALS_COUNTED = 100


@dataclass
class BrokenPromise:
    promise: PromiseToPay
    follow_up: CollectionTask | None  # its open follow-up task, to be marked done


def collection_today(user: User) -> dict[str, Any]:
    """Broken promises to pay and due dunning calls in the user's view, from
    ``raktas.collection.selectors.today_collection``; each broken promise carries its
    open follow-up task (when among the first listed) so Today can close it."""
    data = today_collection(user)
    follow_ups = {t.promise_id: t for t in data["promise_follow_ups"] if t.promise_id}
    return {
        "broken": [BrokenPromise(p, follow_ups.get(p.pk)) for p in data["broken_promises"]],
        "broken_count": data["broken_promises_count"],
        "calls": data["dunning_calls"],
        "calls_count": data["dunning_calls_count"],
    }


def tier_proposals_to_decide(user: User) -> int:
    """How many pending tier proposals the user may decide (``decides_for``), up to
    ``TIER_PROPOSALS_COUNTED``."""
    pending = TierProposal.objects.filter(
        decides_for_q(user, prefix="client__"),
        client__in=clients_visible_to(user),
        status=ProposalStatus.PENDING,
    )
    return len(pending.values_list("pk", flat=True)[:TIER_PROPOSALS_COUNTED])


def first_and_count(qs: QuerySet[Any], limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` rows and how many there are in all; the count costs a
    query only when the list is full."""
    rows = list(qs[:limit])
    return rows, len(rows) if len(rows) < limit else qs.count()


def decisions_for(user: User) -> dict[str, Any]:
    """What waits for a head of sales' or the director's decision: credit override
    requests (``raktas.credit.selectors.overrides_to_decide``) and tier proposals."""
    overrides = overrides_to_decide(user).select_related("order", "client", "requested_by")
    listed, count = first_and_count(overrides.order_by("requested_at", "id"), 20)
    return {
        "overrides": listed,
        "overrides_count": count,
        "tier_proposals": tier_proposals_to_decide(user),
        "tier_proposals_capped": TIER_PROPOSALS_COUNTED,
    }


def _in_status(orders: QuerySet[Order], status: str) -> QuerySet[Order]:
    """``orders`` in ``status``, the status read first: the orders waiting, returned or
    in draft are few, and without this SQLite starts from the book's clients and reads
    every order of theirs (≈40 ms a list for a KAM on the medium seed, ≈1 ms this way)."""
    return orders.filter(status=status, pk__in=Order.objects.filter(status=status).values("pk"))


def today_for(user: User) -> dict[str, Any]:
    """Everything that needs the user now, each item scoped by ``scope_for``: for a KAM
    their book (and the books they deputise for), for a head of sales the team's, for
    the director the company's alerts and decisions (the director holds no book)."""
    scope = scope_for(user)
    day = today()
    mine = Q(client__owner_id__in=scope.kam_ids)
    orders = orders_visible_to(user).filter(mine).select_related("client", "kam")
    overdue = (
        invoices_visible_to(user)
        .filter(mine, open_amount__gt=0, due_date__lt=day)
        .select_related("client")
    )
    has_book = bool(scope.kam_ids)
    ctx: dict[str, Any] = {"today": day, "has_book": has_book}
    if has_book:
        overdue_sum = overdue.aggregate(t=Sum("open_amount"), n=Count("id"))
        returned, returned_count = first_and_count(
            _in_status(orders, OrderStatus.DRAFT).filter(returned_count__gt=0).order_by("-id"), 25
        )
        waiting, waiting_count = first_and_count(
            _in_status(orders, OrderStatus.SUBMITTED).order_by("submitted_at", "id"), 25
        )
        ctx.update(
            returned=returned,
            returned_count=returned_count,
            overdue=[
                {"invoice": inv, "days": (day - inv.due_date).days}
                for inv in overdue.order_by("due_date", "id")[:25]
            ],
            overdue_total=overdue_sum["t"] or ZERO,
            overdue_count=overdue_sum["n"] or 0,
            waiting=waiting,
            waiting_count=waiting_count,
            drafts=list(
                _in_status(orders, OrderStatus.DRAFT)
                .filter(returned_count=0, kam=user)
                .order_by("-id")[:10]
            ),
            silent=silent_clients(user),
            # The book's collection work. Not for the director, whose view is the whole
            # company: that is finance's collection worklist, not a Today list.
            collection=collection_today(user) if not scope.all_clients else None,
        )
    # Only the alerts shown are built; the rest are counted.
    churn, churn_count = churn_risk_first(user, CHURN_ON_TODAY)
    jumps = return_rate_alerts(user)
    ctx.update(
        churn=churn,
        churn_count=churn_count,
        several_owners=scope.all_clients or len(scope.kam_ids) > 1,
        # The whole book's jumps come first, then each client's, largest jump first.
        jumps=jumps[:JUMPS_ON_TODAY],
        jumps_count=len(jumps),
        sees_margin=scope.sees_margin,
    )
    if leads_team(user):
        ctx["decisions"] = decisions_for(user)
    return ctx


# --- Team -----------------------------------------------------------------------------------


@dataclass
class KamStats:
    kam: User
    clients: int = 0
    revenue: Decimal = ZERO
    overdue: Decimal = ZERO
    waiting: int = 0
    broken_promises: int = 0
    calls_due: int = 0
    churn_risk: int = 0


@dataclass
class TeamStats:
    team: Team | None
    kams: list[KamStats]

    @property
    def totals(self) -> KamStats:
        total = KamStats(kam=None)  # type: ignore[arg-type]
        for k in self.kams:
            total.clients += k.clients
            total.revenue += k.revenue
            total.overdue += k.overdue
            total.waiting += k.waiting
            total.broken_promises += k.broken_promises
            total.calls_due += k.calls_due
            total.churn_risk += k.churn_risk
        return total


def _count_by_owner(qs: QuerySet[Any], owner_ids: list[int]) -> dict[int, int]:
    """Rows of a client-bound queryset counted per client owner."""
    return dict(
        qs.filter(client__owner_id__in=owner_ids)
        .order_by()
        .values("client__owner_id")
        .annotate(n=Count("id"))
        .values_list("client__owner_id", "n")
    )


def team_stats(user: User) -> list[TeamStats]:
    """Per KAM of the teams the user heads (the director: every team), their client
    count, 12-month revenue, overdue debt, orders waiting at the desk, and the alerts of
    their book: broken promises and due dunning calls (``raktas.collection``'s
    selectors) and clients at churn risk (``raktas.analytics``' churn alerts). A fixed
    number of queries, whatever the number of KAMs or clients."""
    day = today()
    teams: list[Team | None] = list(led_teams(user))
    if leads_every_team(user):
        teams.append(None)
        kams = User.objects.filter(role_grants__role=Role.KAM)
    else:
        kams = User.objects.filter(role_grants__role=Role.KAM, team__in=teams)
    kam_list = list(kams.filter(is_active=True).distinct().order_by("username"))
    ids = [k.pk for k in kam_list]
    clients = clients_visible_to(user).filter(owner_id__in=ids)
    count = dict(
        clients.values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n").order_by()
    )
    since = revenue_since(day)
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for owner_id, total in (
        invoices_visible_to(user)
        .filter(client__owner_id__in=ids, issue_date__gte=since)
        .values("client__owner_id")
        .annotate(t=Sum("net_total"))
        .values_list("client__owner_id", "t")
        .order_by()
    ):
        revenue[owner_id] += total or ZERO
    for owner_id, total in (
        credit_notes_visible_to(user)
        .filter(client__owner_id__in=ids, issue_date__gte=since)
        .values("client__owner_id")
        .annotate(t=Sum("net_total"))
        .values_list("client__owner_id", "t")
        .order_by()
    ):
        revenue[owner_id] -= total or ZERO
    overdue = dict(
        invoices_visible_to(user)
        .filter(client__owner_id__in=ids, due_date__lt=day, open_amount__gt=0)
        .values("client__owner_id")
        .annotate(t=Sum("open_amount"))
        .values_list("client__owner_id", "t")
        .order_by()
    )
    waiting = dict(
        orders_visible_to(user)
        .filter(client__owner_id__in=ids, status=OrderStatus.SUBMITTED)
        .values("client__owner_id")
        .annotate(n=Count("id"))
        .values_list("client__owner_id", "n")
        .order_by()
    )
    broken = _count_by_owner(broken_promises_for(user), ids)
    calls = _count_by_owner(dunning_calls_for(user), ids)
    churn = churn_counts_by_owner(user)
    stats = {
        k.pk: KamStats(
            kam=k,
            clients=count.get(k.pk, 0),
            revenue=revenue.get(k.pk, ZERO),
            overdue=overdue.get(k.pk) or ZERO,
            waiting=waiting.get(k.pk, 0),
            broken_promises=broken.get(k.pk, 0),
            calls_due=calls.get(k.pk, 0),
            churn_risk=churn.get(k.pk, 0),
        )
        for k in kam_list
    }
    out = []
    for team in teams:
        members = [s for s in stats.values() if s.kam.team_id == (team.pk if team else None)]
        if members or team is not None:
            out.append(TeamStats(team=team, kams=members))
    return out

"""Deterministic, realistic data for a Lithuanian B2B distributor.

``generate`` writes rows (plain tuples, in the column order of ``TABLES``) into a
sink that buffers and bulk-inserts them; it never touches the ORM and never holds
the order lines or invoices of the whole history in memory, so ``large`` (10 million
order lines) runs in bounded memory. Everything is drawn from one
``random.Random(seed)`` in a fixed order: the same seed, scale and day give the same
data, row for row.

The shape it aims for:

* client size is lognormal (σ≈1.6): about 20 % of clients bring about 80 % of
  revenue; bigger clients order more often, with more lines and larger quantities,
  get the KEY_ACCOUNT column, longer terms and higher credit limits;
* orders follow each segment's seasonality (HoReCa in summer, construction from
  spring to autumn, pharmacies in winter), a 7 %/year trend, weekdays and Lithuanian
  public holidays;
* the MAIN price list has RETAIL > WHOLESALE > WHOLESALE2 > KEY_ACCOUNT; every price
  changes once mid-history and some again later, each with validity dates;
* orders move draft → submitted → confirmed → shipped → invoiced along realistic
  lead times, so the most recent ones are still in flight today; some are cancelled,
  some refused with a reason (credit holds mostly for bad payers);
* invoices are numbered gap-free in issue order and fall due by the client's payment
  terms; each client has a payment habit (prompt, on time, late, bad): late payers pay
  weeks after the due date, bad payers leave invoices open, big clients pay in weekly
  payment runs covering several invoices, some pay in instalments; returns, shortages,
  damage and price corrections become credit notes.

Money is computed in integer cents (prices and costs in 1/10 000) with the same
half-up rounding the services use, so every stored total equals what the services
would have computed from the lines, and the ledger invariants hold exactly:
``open_amount = gross − allocations − credit notes against it`` and
``allocated_amount = sum of its allocations``.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from raktas.core.search import client_search_text, contact_search_text, product_search_text
from raktas.seed import vocabulary as V


@dataclass(frozen=True)
class Scale:
    name: str
    clients: int
    products: int
    order_lines: int  # a target; the result lands within a few per cent
    months: int = 30  # of history up to today
    chunk_rows: int = 50_000  # rows buffered before a bulk insert


SCALES: dict[str, Scale] = {
    "small": Scale("small", clients=300, products=400, order_lines=30_000),
    "medium": Scale("medium", clients=5_000, products=4_000, order_lines=1_000_000),
    "large": Scale("large", clients=50_000, products=20_000, order_lines=10_000_000),
}

# The tables the generator fills, in insert order (parents before children), with
# the columns of each row tuple.
TABLES: dict[str, tuple[str, ...]] = {
    "clients.Segment": ("id", "code", "name"),
    "catalog.Category": ("id", "code", "name"),
    "catalog.PriceList": ("id", "code", "name", "currency"),
    "catalog.PriceColumn": ("id", "code", "name", "position", "price_list_id"),
    "catalog.Product": (
        "id",
        "sku",
        "name",
        "unit",
        "cost",
        "vat_rate",
        "active",
        "category_id",
        "search_text",  # raktas.core.search: the bulk load does not go through save()
    ),
    "catalog.Price": ("id", "price", "valid_from", "valid_to", "column_id", "product_id"),
    "clients.Client": (
        "id",
        "external_id",
        "legal_name",
        "registration_code",
        "vat_code",
        "status",
        "tier",
        "payment_terms_days",
        "credit_limit",
        "currency",
        "city",
        "address",
        "country",
        "created_at",
        "updated_at",
        "owner_id",
        "price_column_id",
        "segment_id",
        "search_text",  # raktas.core.search: the bulk load does not go through save()
    ),
    "clients.Contact": (
        "id",
        "external_id",
        "name",
        "position",
        "buying_role",
        "phone",
        "email",
        "created_at",
        "client_id",
        "search_text",  # raktas.core.search: the bulk load does not go through save()
    ),
    "orders.Order": (
        "id",
        "number",
        "external_id",
        "status",
        "order_date",
        "currency",
        "client_reference",
        "note",
        "net_total",
        "vat_total",
        "gross_total",
        "cost_total",
        "created_at",
        "submitted_at",
        "confirmed_at",
        "shipped_at",
        "invoiced_at",
        "closed_at",
        "refusal_reason",
        "status_comment",
        "returned_count",
        "client_id",
        "kam_id",
        "price_column_id",
    ),
    "orders.OrderLine": (
        "id",
        "line_no",
        "quantity",
        "list_price",
        "discount_pct",
        "net",
        "vat_rate",
        "vat",
        "gross",
        "unit_cost",
        "order_id",
        "product_id",
    ),
    "ledger.Invoice": (
        "id",
        "number",
        "external_id",
        "issue_date",
        "due_date",
        "currency",
        "net_total",
        "vat_total",
        "gross_total",
        "cost_total",
        "open_amount",
        "settled_on",
        "first_touched_on",
        "last_touched_on",
        "created_at",
        "client_id",
        "order_id",
    ),
    "ledger.InvoiceLine": (
        "id",
        "line_no",
        "description",
        "quantity",
        "unit_price",
        "net",
        "vat_rate",
        "vat",
        "gross",
        "cost",
        "invoice_id",
        "product_id",
    ),
    "ledger.CreditNote": (
        "id",
        "number",
        "external_id",
        "issue_date",
        "reason",
        "note",
        "currency",
        "net_total",
        "vat_total",
        "gross_total",
        "cost_total",
        "created_at",
        "client_id",
        "invoice_id",
    ),
    "ledger.Payment": (
        "id",
        "external_id",
        "received_on",
        "amount",
        "currency",
        "reference",
        "allocated_amount",
        "applied_on",
        "created_at",
        "client_id",
        "recorded_by_id",
    ),
    "ledger.Allocation": (
        "id",
        "amount",
        "allocated_on",
        "created_at",
        "invoice_id",
        "payment_id",
    ),
}

COLUMNS = (  # code, name, position, share of the RETAIL price
    ("RETAIL", "Mažmeninė (Retail)", 1, 1.00),
    ("WHOLESALE", "Didmeninė (Wholesale)", 2, 0.86),
    ("WHOLESALE2", "Didmeninė 2 (Wholesale-2)", 3, 0.81),
    ("KEY_ACCOUNT", "Pagrindiniai klientai (Key account)", 4, 0.76),
)
PRICE_LIST = ("MAIN", "Pagrindinis kainoraštis", "EUR")


class Sink(Protocol):
    """Where rows go: ``buffers[label]`` lists the generator appends to."""

    buffers: dict[str, list[tuple[Any, ...]]]

    def maybe_flush(self) -> None: ...


@dataclass(frozen=True)
class Staff:
    """Database ids of the people the data hangs on."""

    kams_by_team: tuple[tuple[int, ...], tuple[int, ...]]  # team 1, team 2
    finance_id: int | None


@dataclass
class Result:
    counts: dict[str, int] = field(default_factory=dict)
    last_invoice_number: int = 0
    last_credit_note_number: int = 0
    revenue_net_cents: int = 0


# --- small helpers -------------------------------------------------------------------


_CENTS = tuple(f".{i:02d}" for i in range(100))


def c2s(cents: int) -> str:
    """Cents as a decimal string (non-negative amounts only)."""
    return str(cents // 100) + _CENTS[cents % 100]


def e4s(value: int) -> str:
    """1/10 000 units as a decimal string with 4 places."""
    return f"{value // 10000}.{value % 10000:04d}"


def qty_s(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


def round_half_even_div(num: int, den: int) -> int:
    """num / den rounded half to even (Django rounds a 4-place price this way on save)."""
    q, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and q % 2):
        q += 1
    return q


def add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def lithuanian_holidays(year: int) -> set[dt.date]:
    fixed = [(1, 1), (2, 16), (3, 11), (5, 1), (6, 24), (7, 6), (8, 15), (11, 1), (11, 2)]
    fixed += [(12, 24), (12, 25), (12, 26)]
    days = {dt.date(year, m, d) for m, d in fixed}
    days.add(easter(year) + dt.timedelta(days=1))  # Easter Monday
    return days


def _fast_randint(rnd: Callable[[], float]) -> Callable[[int, int], int]:
    """``randint`` for the hot loops: one float per draw instead of ``randrange``'s
    rejection sampling (the tiny bias is irrelevant for made-up data)."""

    def randint(a: int, b: int) -> int:
        return a + int(rnd() * (b - a + 1))

    return randint


def weighted_choice(rng: random.Random, options: tuple[tuple[Any, float], ...]) -> Any:
    total = sum(w for _, w in options)
    x = rng.random() * total
    for value, w in options:
        x -= w
        if x < 0:
            return value
    return options[-1][0]


def cumulative(weights: list[float]) -> list[float]:
    out = [0.0]
    acc = 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


# --- the generator ---------------------------------------------------------------------


class _Ids:
    def __init__(self, first: dict[str, int]) -> None:
        self.next = {label: first.get(label, 1) for label in TABLES}

    def take(self, label: str) -> int:
        value = self.next[label]
        self.next[label] = value + 1
        return value


PROFILES = (("prompt", 50.0), ("on_time", 28.0), ("late", 15.0), ("bad", 7.0))


def generate(
    *,
    scale: Scale,
    seed: int,
    today: dt.date,
    staff: Staff,
    sink: Sink,
    first_ids: dict[str, int] | None = None,
    first_invoice_number: int = 1,
    first_credit_note_number: int = 1,
    invoice_prefix: str = "INV-",
    credit_note_prefix: str = "CN-",
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Write a whole book of business for ``scale`` into ``sink``; return the counts."""
    gen = _Generator(
        scale=scale,
        rng=random.Random(seed),
        today=today,
        staff=staff,
        sink=sink,
        ids=_Ids(first_ids or {}),
        invoice_no=first_invoice_number,
        credit_note_no=first_credit_note_number,
        invoice_prefix=invoice_prefix,
        credit_note_prefix=credit_note_prefix,
        progress=progress or (lambda _msg: None),
    )
    return gen.run()


class _Generator:
    def __init__(
        self,
        *,
        scale: Scale,
        rng: random.Random,
        today: dt.date,
        staff: Staff,
        sink: Sink,
        ids: _Ids,
        invoice_no: int,
        credit_note_no: int,
        invoice_prefix: str,
        credit_note_prefix: str,
        progress: Callable[[str], None],
    ) -> None:
        self.scale = scale
        self.rng = rng
        self.today = today
        self.staff = staff
        self.sink = sink
        self.out = sink.buffers
        self.ids = ids
        self.invoice_no = invoice_no
        self.credit_note_no = credit_note_no
        self.invoice_prefix = invoice_prefix
        self.credit_note_prefix = credit_note_prefix
        self.progress = progress
        self.result = Result()
        self.start = add_months(today.replace(day=1), -scale.months)
        self.T = (today - self.start).days  # index of today
        self.change1 = (add_months(self.start, round(scale.months * 0.47)) - self.start).days
        self.change2 = (add_months(self.start, round(scale.months * 0.77)) - self.start).days
        horizon = self.T + 200
        self.dates = [self.start + dt.timedelta(days=i) for i in range(horizon)]
        self.dstr = [d.isoformat() for d in self.dates]

    # -- dates --------------------------------------------------------------------------

    def day_s(self, i: int) -> str:
        if 0 <= i < len(self.dstr):
            return self.dstr[i]
        return (self.start + dt.timedelta(days=i)).isoformat()

    def ts(self, i: int, hour: int, minute: int) -> str:
        """A UTC timestamp on day ``i`` (today's are kept in the early morning, so none
        lies in the future whatever the hour the seed runs)."""
        if i >= self.T:
            i, hour = self.T, min(hour, 4)
        return f"{self.day_s(i)} {hour:02d}:{minute:02d}:00"

    def workday(self, i: int) -> int:
        """The first day from ``i`` that is not a weekend."""
        wd = self.dates[i].weekday() if i < len(self.dates) else (i + self.start.weekday()) % 7
        return i + (7 - wd if wd >= 5 else 0)

    # -- run ----------------------------------------------------------------------------

    def run(self) -> Result:
        self.reference_data()
        self.products()
        self.progress(f"catalogue: {self.n_products} products")
        self.clients()
        self.progress(f"clients: {self.scale.clients}")
        self.history()
        for label, rows in self.ids.next.items():
            self.result.counts[label] = rows - self._first[label]
        self.result.last_invoice_number = self.invoice_no - 1
        self.result.last_credit_note_number = self.credit_note_no - 1
        return self.result

    # -- reference data -------------------------------------------------------------------

    def reference_data(self) -> None:
        self._first = dict(self.ids.next)
        take, out = self.ids.take, self.out
        self.segment_ids = []
        for code, name, *_ in V.SEGMENTS:
            sid = take("clients.Segment")
            out["clients.Segment"].append((sid, code, name))
            self.segment_ids.append(sid)
        self.category_ids = []
        for code, name, *_ in V.CATEGORIES:
            cid = take("catalog.Category")
            out["catalog.Category"].append((cid, code, name))
            self.category_ids.append(cid)
        list_id = take("catalog.PriceList")
        out["catalog.PriceList"].append((list_id, *PRICE_LIST))
        self.column_ids = []
        for code, name, position, _share in COLUMNS:
            col_id = take("catalog.PriceColumn")
            out["catalog.PriceColumn"].append((col_id, code, name, position, list_id))
            self.column_ids.append(col_id)

    # -- products and prices ----------------------------------------------------------------

    def products(self) -> None:
        rng, take, out = self.rng, self.ids.take, self.out
        n = self.scale.products
        combos = [
            (ci, bi, ri, vi, si)
            for ci, cat in enumerate(V.CATEGORIES)
            for bi in range(len(cat[6]))
            for ri in range(len(V.BRANDS))
            for vi in range(len(V.VARIANTS))
            for si in range(4)
        ]
        picked = rng.sample(range(len(combos)), min(n, len(combos)))
        picked.sort()  # SKUs grouped by category, like a real catalogue
        self.n_products = len(picked)
        # Per product: id, category index, vat (1/100 %), unit, description, prices
        # [period][column] in 1/10 000, their strings, cost per period.
        self.p_id: list[int] = []
        self.p_cat: list[int] = []
        self.p_vat: list[int] = []
        self.p_vat_s: list[str] = []
        self.p_desc: list[str] = []
        self.p_unit_kg: list[bool] = []
        self.p_price: list[tuple[tuple[int, ...], ...]] = []
        self.p_price_s: list[tuple[tuple[str, ...], ...]] = []
        self.p_cost: list[tuple[int, int, int]] = []
        self.p_cost_s: list[tuple[str, str, str]] = []
        self.p_retail_eur: list[float] = []
        per_cat: dict[int, int] = {}
        start_s = self.day_s(0)
        ch1_s, ch1_end = self.day_s(self.change1), self.day_s(self.change1 - 1)
        ch2_s, ch2_end = self.day_s(self.change2), self.day_s(self.change2 - 1)
        for idx in picked:
            ci, bi, ri, vi, si = combos[idx]
            code, _name, prefix, median, unit, sizes, bases = V.CATEGORIES[ci]
            per_cat[ci] = per_cat.get(ci, 0) + 1
            sku = f"{prefix}-{per_cat[ci]:05d}"
            base = bases[bi]
            name = f"{base} {V.BRANDS[ri]} {V.VARIANTS[vi]} {sizes[si]}"
            sold_by_weight = code == "GROCERY" and si >= 2 and bi in (0, 3, 8)
            if sold_by_weight:
                name = f"{base} {V.BRANDS[ri]} {V.VARIANTS[vi]}, sveriama"
            vat = 500 if base in V.REDUCED_VAT_BASES else 2100
            cost0 = median * V.SIZE_COST[si] * rng.lognormvariate(0, 0.35)
            if sold_by_weight:
                cost0 = median * rng.lognormvariate(0, 0.25)
            markup = rng.uniform(1.40, 1.85)
            rise1 = rng.uniform(1.02, 1.09)
            has2 = rng.random() < 0.15
            rise2 = rng.uniform(0.93, 1.08) if has2 else 1.0
            costs = []
            prices = []
            for factor in (1.0, rise1, rise1 * rise2):
                cost_e4 = max(100, round(cost0 * factor * 10000))
                retail_c = max(cost_e4 // 100 + 2, round(cost0 * factor * markup * 100))
                retail_c = retail_c - retail_c % 10 + 9 if retail_c > 100 else retail_c
                cols = []
                floor_c = -(-cost_e4 * 105 // 10_000)  # in cents: never below cost + 5 %
                prev = retail_c + 1
                for _code, _n, _pos, share in COLUMNS:
                    c = max(floor_c, round(retail_c * share))
                    c = min(c, prev - 1) if prev - 1 >= floor_c else prev
                    cols.append(c * 100)
                    prev = c
                costs.append(cost_e4)
                prices.append(tuple(cols))
            pid = take("catalog.Product")
            out["catalog.Product"].append(
                (
                    pid,
                    sku,
                    name,
                    "kg" if sold_by_weight else unit,
                    e4s(costs[2] if has2 else costs[1]),
                    f"{vat // 100}.00",
                    True,
                    self.category_ids[ci],
                    product_search_text(name),
                )
            )
            for col_i, col_id in enumerate(self.column_ids):
                p0, p1, p2 = (prices[k][col_i] for k in range(3))
                out["catalog.Price"].append(
                    (take("catalog.Price"), e4s(p0), start_s, ch1_end, col_id, pid)
                )
                out["catalog.Price"].append(
                    (take("catalog.Price"), e4s(p1), ch1_s, ch2_end if has2 else None, col_id, pid)
                )
                if has2:
                    out["catalog.Price"].append(
                        (take("catalog.Price"), e4s(p2), ch2_s, None, col_id, pid)
                    )
            if not has2:
                prices[2] = prices[1]
                costs[2] = costs[1]
            self.p_id.append(pid)
            self.p_cat.append(ci)
            self.p_vat.append(vat)
            self.p_vat_s.append(f"{vat // 100}.00")
            self.p_desc.append(f"{sku} {name}"[:255])
            self.p_unit_kg.append(sold_by_weight)
            self.p_price.append(tuple(prices))
            self.p_price_s.append(tuple(tuple(e4s(v) for v in per) for per in prices))
            self.p_cost.append((costs[0], costs[1], costs[2]))
            self.p_cost_s.append((e4s(costs[0]), e4s(costs[1]), e4s(costs[2])))
            self.p_retail_eur.append(prices[1][0] / 10000)
            if len(self.p_id) % 2000 == 0:
                self.sink.maybe_flush()
        # Popularity: a Zipf-like curve over a random ranking, shaped per segment by
        # how much the segment buys from each category.
        ranking = list(range(self.n_products))
        rng.shuffle(ranking)
        popularity = [0.0] * self.n_products
        for rank, p in enumerate(ranking):
            popularity[p] = 1.0 / (rank + 8) ** 0.85
        self.seg_sorted: list[list[int]] = []
        self.seg_cum: list[list[float]] = []
        for code, *_ in V.SEGMENTS:
            aff = V.AFFINITY[code]
            weights = [popularity[p] * aff[self.p_cat[p]] for p in range(self.n_products)]
            order = sorted(
                (p for p in range(self.n_products) if weights[p] > 0), key=lambda p: -weights[p]
            )
            if not order:  # a tiny catalogue may lack the segment's categories
                order = list(range(self.n_products))
                weights = [popularity[p] for p in range(self.n_products)]
                order.sort(key=lambda p: -weights[p])
            self.seg_sorted.append(order)
            self.seg_cum.append(cumulative([weights[p] for p in order]))
        self.sink.maybe_flush()

    # -- clients ---------------------------------------------------------------------------

    def clients(self) -> None:
        rng, take, out = self.rng, self.ids.take, self.out
        sc = self.scale
        n = sc.clients
        T = self.T
        seg_opts = tuple((i, s[2]) for i, s in enumerate(V.SEGMENTS))
        city_opts = tuple((i, c[2]) for i, c in enumerate(V.CITIES))
        kam_weights = ((0.45, 0.33, 0.22), (0.40, 0.35, 0.25))
        codes = rng.sample(range(200_000_000), n)
        vat_bodies = rng.sample(range(10_000_000), n)
        used_names: dict[str, int] = {}

        # Size weights first: they decide tier, column, terms and the number of lines.
        seg_of = [weighted_choice(rng, seg_opts) for _ in range(n)]
        weight = [rng.lognormvariate(0, 1.6) * V.SEGMENTS[seg_of[i]][3] for i in range(n)]
        ranked = sorted(range(n), key=lambda i: -weight[i])
        rank_of = [0] * n
        for r, i in enumerate(ranked):
            rank_of[i] = r

        # Lifecycle: prospects (no orders yet), lapsed (stopped a while ago), blocked
        # (bad payers, stopped recently), new (acquired during the history), active
        # (of which about a fifth stopped ordering some time in the last year).
        shuffled = list(range(n))
        rng.shuffle(shuffled)
        n_prospect = round(n * 0.04)
        n_lapsed = round(n * 0.07) if T > 400 else 0
        n_blocked = max(1, round(n * 0.015))
        status = ["active"] * n
        for j, i in enumerate(shuffled[: n_prospect + n_lapsed + n_blocked]):
            status[i] = (
                "prospect"
                if j < n_prospect
                else "lapsed"
                if j < n_prospect + n_lapsed
                else "blocked"
            )
        window = []
        for i in range(n):
            if status[i] == "prospect":
                window.append((T + 1, T))
                continue
            begin = 0 if rng.random() < 0.72 else rng.randint(0, max(1, T - 60))
            if status[i] == "lapsed":
                end = T - rng.randint(200, 420)
                begin = min(begin, max(0, end - 120))
            elif status[i] == "blocked":
                end = T - rng.randint(20, 150)
                begin = min(begin, max(0, end - 200))
            else:
                end = T
                # Some active clients quietly stop ordering during the last year and
                # nobody has marked them lapsed yet: the churn that BG/NBD and the rhythm
                # alerts are there to catch. Smaller clients drift away more often. The
                # silence is at least 90 days: a shorter one is a pause, not yet churn.
                if T > 400 and rng.random() < (0.10 if rank_of[i] < n * 0.1 else 0.22):
                    end = T - rng.randint(90, 365)
                    begin = min(begin, max(0, end - 180))
            window.append((begin, end))

        # Order lines per client ∝ weight^0.55 × active time; line value ∝ weight^0.45;
        # so revenue ∝ weight (Pareto-like). Lines per order grow with size.
        share = [
            0.0
            if status[i] == "prospect"
            else weight[i] ** 0.55 * (window[i][1] - window[i][0] + 1)
            for i in range(n)
        ]
        total_share = sum(share) or 1.0
        # A line that repeats a product already on the order is skipped, and order counts
        # round: aim 5 % high so the result lands near the target.
        lines_of = [sc.order_lines * 1.055 * s / total_share for s in share]
        raw_m = [weight[i] ** 0.3 for i in range(n)]
        orders_wanted = sc.order_lines / 9.5
        k = sum(lines_of[i] / raw_m[i] for i in range(n)) / orders_wanted
        self.c_m = [min(40.0, max(1.5, k * raw_m[i])) for i in range(n)]
        med = sorted(weight[i] ** 0.45 for i in range(n))[n // 2]
        self.c_qf = [(weight[i] ** 0.45) / med for i in range(n)]
        self.c_status = status

        self.c_id: list[int] = []
        self.c_owner: list[int] = []
        self.c_col: list[int] = []
        self.c_terms: list[int] = []
        self.c_profile: list[str] = []
        self.c_batch: list[bool] = []
        self.c_seg: list[int] = []
        self.c_disc: list[float] = []
        self.c_basket: list[tuple[int, int]] = []
        self.c_po: list[float] = []
        order_days: list[list[int]] = []

        for i in range(n):
            seg = seg_of[i]
            seg_code, _seg_name, _s, _m, nouns, forms = V.SEGMENTS[seg]
            city_i = weighted_choice(rng, city_opts)
            city, city_gen, _w, team, postal = V.CITIES[city_i]
            kams = self.staff.kams_by_team[team - 1]
            owner = kams[weighted_choice(rng, tuple(enumerate(kam_weights[team - 1][: len(kams)])))]
            rank = rank_of[i] / n
            tier = (
                "strategic"
                if rank < 0.03
                else "key"
                if rank < 0.15
                else "develop"
                if rank < 0.45
                else "maintain"
            )
            col = {
                "strategic": 3,
                "key": 3 if rng.random() < 0.7 else 2,
                "develop": 2 if rng.random() < 0.5 else 1,
                "maintain": 1 if rng.random() < 0.6 else 0,
            }[tier]
            terms = rng.choice(
                {
                    "strategic": (45, 60, 60),
                    "key": (30, 45, 60),
                    "develop": (14, 30, 30, 45),
                    "maintain": (7, 14, 14, 30),
                }[tier]
            )
            if status[i] == "blocked":
                profile = "bad"
            else:
                profile = weighted_choice(rng, PROFILES)
                if seg_code == "HORECA" and profile == "prompt" and rng.random() < 0.25:
                    profile = "late"  # restaurants pay later than the rest
            # Name: UAB „Šiaurės prekyba“; schools: Kauno „Saulės“ gimnazija.
            root = rng.choice(V.NAME_ROOTS)
            noun = rng.choice(nouns)
            form = weighted_choice(rng, forms)
            if seg_code == "EDUCATION":
                name = f"{city_gen} „{root}“ {noun}"
            else:
                name = f"{form} „{root} {noun}“"
            seen = used_names.get(name, 0)
            used_names[name] = seen + 1
            if seen:
                suffix = V.NAME_SUFFIXES[(seen - 1) % len(V.NAME_SUFFIXES)]
                extra = "" if seen <= len(V.NAME_SUFFIXES) else f" {seen}"
                name = name[:-1] + suffix + extra + "“" if name.endswith("“") else name + suffix
            code = codes[i]
            reg = f"{100_000_000 + code}" if code < 100_000_000 else f"{200_000_000 + code}"
            vat_code = V.lithuanian_vat_code(vat_bodies[i]) if rng.random() < 0.92 else ""
            if seg_code == "EDUCATION":
                vat_code = ""  # schools are not VAT payers
            address = (
                f"{rng.choice(V.STREETS)} {rng.randint(1, 180)}, "
                f"LT-{postal}{rng.randint(0, 9999):04d}"
            )
            begin, end = window[i]
            if begin == 0:
                created = -rng.randint(30, 2500)
            elif status[i] == "prospect":
                created = T - rng.randint(0, 120)
            else:
                created = begin - rng.randint(0, 30)
            monthly = lines_of[i] * 90 * self.c_qf[i] * 1.21 / max(1.0, (end - begin + 1) / 30.4)
            limit = monthly * (terms / 30 + 1) * 1.3
            if profile == "bad":
                limit *= 0.6
            limit_eur = 0 if status[i] == "prospect" else max(1000, int(limit / 500 + 1) * 500)
            cid = take("clients.Client")
            created_ts = self.ts(created, 7 + rng.randint(0, 7), rng.randint(0, 59))
            out["clients.Client"].append(
                (
                    cid,
                    None,
                    name,
                    reg,
                    vat_code,
                    status[i],
                    tier,
                    terms,
                    f"{limit_eur}.00",
                    "EUR",
                    city,
                    address,
                    "LT",
                    created_ts,
                    created_ts,
                    owner,
                    self.column_ids[col],
                    self.segment_ids[seg],
                    client_search_text(name, city),
                )
            )
            self.contacts(cid, seg_code, name, weight[i], created_ts)
            self.c_id.append(cid)
            self.c_owner.append(owner)
            self.c_col.append(col)
            self.c_terms.append(terms)
            self.c_profile.append(profile)
            self.c_batch.append(tier in ("strategic", "key") and rng.random() < 0.6)
            self.c_seg.append(seg)
            self.c_disc.append(
                {"strategic": 0.35, "key": 0.25, "develop": 0.12, "maintain": 0.04}[tier]
            )
            seg_len = len(self.seg_sorted[seg])
            off = int(seg_len * 0.25 * rng.random() ** 2)
            k_basket = min(seg_len - off, max(8, int(12 + 25 * weight[i] ** 0.4)))
            self.c_basket.append((off, max(1, k_basket)))
            self.c_po.append(
                0.8 if seg_code == "RETAIL_CHAIN" else 0.35 if tier != "maintain" else 0.1
            )
            order_days.append(self.pick_days(i, seg_code, lines_of[i], window[i]))
            if i % 1000 == 999:
                self.sink.maybe_flush()

        # Bucket the order days: the history is then written one day at a time.
        self.day_clients: list[list[int]] = [[] for _ in range(self.T + 1)]
        for i, days in enumerate(order_days):
            for d in days:
                self.day_clients[d].append(i)
        self.sink.maybe_flush()

    def contacts(
        self, client_id: int, seg_code: str, legal_name: str, weight: float, created: str
    ) -> None:
        rng, take, out = self.rng, self.ids.take, self.out
        # The company's web domain from the words in quotes: „Šiaurės prekyba“ → siaures-prekyba.lt
        inner = legal_name.partition("„")[2].partition("“")[0] or legal_name
        words = "".join(ch if ch.isalnum() else " " for ch in V.ascii_fold(inner).lower()).split()
        domain = "-".join(words[:3]) or "imone"
        count = 1 + min(4, int(rng.random() * 2 + weight**0.3))
        positions = [p for p in V.POSITIONS if not p[3] or seg_code in p[3]]
        for _ in range(count):
            female = rng.random() < 0.55
            first = rng.choice(V.FEMALE_FIRST if female else V.MALE_FIRST)
            last = rng.choice(V.SURNAMES)
            if female:
                last = V.feminine_surname(last, married=rng.random() < 0.6)
            masc, fem, role, _ = rng.choice(positions)
            email = f"{V.ascii_fold(first).lower()}.{V.ascii_fold(last).lower()}@{domain}.lt"
            phone = f"+370 6{rng.randint(0, 99):02d} {rng.randint(0, 99999):05d}"
            position = fem if female else masc
            out["clients.Contact"].append(
                (
                    take("clients.Contact"),
                    None,
                    f"{first} {last}",
                    position,
                    role,
                    phone,
                    email,
                    created,
                    client_id,
                    contact_search_text(f"{first} {last}", position, email, phone),
                )
            )

    def day_weights(self, seg_code: str) -> list[float]:
        cache = self.__dict__.setdefault("_day_cum", {})
        if seg_code in cache:
            return cache[seg_code]
        season = V.SEASONALITY[seg_code]
        holidays: set[dt.date] = set()
        for year in range(self.start.year, self.today.year + 1):
            holidays |= lithuanian_holidays(year)
        weekday = (1.10, 1.05, 1.0, 1.0, 0.85, 0.0, 0.0)
        weights = []
        for i in range(self.T + 1):
            day = self.dates[i]
            w = 0.0 if day in holidays else weekday[day.weekday()]
            weights.append(w * season[day.month - 1] * 1.07 ** (i / 365))
        cache[seg_code] = cumulative(weights)
        return cache[seg_code]

    def pick_days(self, i: int, seg_code: str, lines: float, win: tuple[int, int]) -> list[int]:
        begin, end = win
        if begin > end or lines <= 0:
            return []
        n_orders = max(1, round(lines / self.c_m[i]))
        cum = self.day_weights(seg_code)
        lo, hi = cum[begin], cum[end + 1]
        if hi <= lo:
            return []
        rnd = self.rng.random
        span = hi - lo
        days = [bisect_right(cum, lo + rnd() * span) - 1 for _ in range(n_orders)]
        return days

    # -- history: orders, invoices, payments, credit notes, day by day -----------------------------

    def history(self) -> None:
        rng = self.rng
        rnd = rng.random
        randint = _fast_randint(rnd)
        T = self.T
        take = self.ids.take
        out = self.out
        add_order = out["orders.Order"].append
        add_line = out["orders.OrderLine"].append
        pend_inv: dict[int, list[tuple[Any, ...]]] = {}
        self.pend_pay: dict[int, dict[int, list[tuple[int, int, str]]]] = {}
        self.pend_cn: dict[int, list[tuple[Any, ...]]] = {}
        change1, change2 = self.change1, self.change2
        seg_sorted, seg_cum = self.seg_sorted, self.seg_cum
        p_id, p_price, p_price_s, p_cost, p_cost_s = (
            self.p_id,
            self.p_price,
            self.p_price_s,
            self.p_cost,
            self.p_cost_s,
        )
        p_vat, p_vat_s, p_retail, p_kg = (
            self.p_vat,
            self.p_vat_s,
            self.p_retail_eur,
            self.p_unit_kg,
        )
        qty_cache: dict[int, str] = {}
        disc_options = (
            (200, 30.0),
            (300, 25.0),
            (500, 25.0),
            (750, 10.0),
            (1000, 8.0),
            (1500, 2.0),
        )
        disc_s = {0: "0.00", **{d: f"{d // 100}.{d % 100:02d}" for d, _ in disc_options}}
        # Quantity noise from a table of lognormal draws: the same distribution at a
        # fraction of the cost of a draw per line (10 million lines at large).
        noise = [rng.lognormvariate(0.0, 0.6) for _ in range(4096)]
        gauss = rng.gauss
        refusal_opts = V.REFUSAL_WEIGHTS
        credit_heavy = tuple((r, w * (6 if r == "credit" else 1)) for r, w in refusal_opts)
        last_progress = 0
        lines_done = 0
        cents = _CENTS
        # Line ids straight from a local counter: the hottest loop of the seed.
        line_id = self.ids.next["orders.OrderLine"] - 1

        for d in range(T + 1):
            for item in pend_inv.pop(d, ()):
                self.issue_invoice(d, item)
            for cn in self.pend_cn.pop(d, ()):
                self.emit_credit_note(d, cn)
            pays = self.pend_pay.pop(d, None)
            if pays:
                self.emit_payments(d, pays)
            period = 0 if d < change1 else 1 if d < change2 else 2
            age = T - d
            for ci in self.day_clients[d]:
                seg = self.c_seg[ci]
                col = self.c_col[ci]
                oid = take("orders.Order")
                # Lines
                n_lines = max(1, round(gauss(self.c_m[ci], self.c_m[ci] ** 0.5 * 0.8)))
                off, k = self.c_basket[ci]
                order_seg = seg_sorted[seg]
                cum = seg_cum[seg]
                cum_top = cum[-1]
                qf = self.c_qf[ci]
                disc_p = self.c_disc[ci]
                chosen: set[int] = set()
                net_sum = vat_sum = gross_sum = cost_e_sum = 0
                inv_lines = []
                line_no = 0
                for _ in range(n_lines):
                    if rnd() < 0.65:
                        p = order_seg[off + int(k * rnd() ** 1.6)]
                    else:
                        p = order_seg[bisect_right(cum, rnd() * cum_top) - 1]
                    if p in chosen:
                        continue
                    chosen.add(p)
                    line_no += 1
                    price_e4 = p_price[p][period][col]
                    value = 90.0 * qf * noise[int(rnd() * 4096)]
                    units = value / p_retail[p]
                    if p_kg[p]:
                        milli = max(100, round(units * 10) * 100)
                    else:
                        milli = max(1, round(units)) * 1000
                    disc = weighted_choice(rng, disc_options) if rnd() < disc_p else 0
                    net_c = (milli * price_e4 * (10000 - disc) + 500_000_000) // 1_000_000_000
                    vat_c = (net_c * p_vat[p] + 5000) // 10000
                    gross_c = net_c + vat_c
                    uc = p_cost[p][period]
                    cost_exact = uc * milli
                    net_sum += net_c
                    vat_sum += vat_c
                    gross_sum += gross_c
                    cost_e_sum += cost_exact
                    q = qty_cache.get(milli)
                    if q is None:
                        q = qty_cache[milli] = qty_s(milli)
                    net_str = str(net_c // 100) + cents[net_c % 100]
                    vat_str = str(vat_c // 100) + cents[vat_c % 100]
                    gross_str = str(gross_c // 100) + cents[gross_c % 100]
                    line_id += 1
                    add_line(
                        (
                            line_id,
                            line_no,
                            q,
                            p_price_s[p][period][col],
                            disc_s[disc],
                            net_str,
                            p_vat_s[p],
                            vat_str,
                            gross_str,
                            p_cost_s[p][period],
                            oid,
                            p_id[p],
                        )
                    )
                    if disc:
                        up_str = e4s(round_half_even_div(price_e4 * (10000 - disc), 10000))
                    else:
                        up_str = p_price_s[p][period][col]
                    line_cost = (cost_exact + 50_000) // 100_000
                    inv_lines.append(
                        (
                            line_no,
                            p,
                            q,
                            up_str,
                            net_str,
                            vat_str,
                            gross_str,
                            str(line_cost // 100) + cents[line_cost % 100],
                            milli,
                            disc,
                            net_c,
                        )
                    )
                lines_done += line_no
                cost_c = (cost_e_sum + 50_000) // 100_000
                # Status along the lead times: most are invoiced; the newest are still
                # with the KAM, the order desk or the warehouse.
                h0 = 5 + randint(0, 7)
                m0 = randint(0, 59)
                created = self.ts(d, h0, m0)
                submitted = confirmed = shipped = invoiced = closed = None
                refusal = comment = ""
                returned = 1 if rnd() < 0.02 else 0
                profile = self.c_profile[ci]
                r = rnd()
                p_refuse = 0.07 if profile == "bad" else 0.022
                inv_day = -1
                if r < p_refuse:
                    status = "refused"
                    submitted = self.ts(d, h0 + 1, m0)
                    if rnd() < 0.4:
                        confirmed = self.ts(d + 1, 8, randint(0, 59))
                    closed = self.ts(d + randint(1, 3), 9 + randint(0, 5), randint(0, 59))
                    refusal = weighted_choice(
                        rng, credit_heavy if profile == "bad" else refusal_opts
                    )
                    comment = rng.choice(V.REFUSAL_COMMENTS[refusal])
                elif r < p_refuse + 0.015:
                    status = "cancelled"
                    if rnd() < 0.6:
                        submitted = self.ts(d, h0 + 1, m0)
                    closed = self.ts(d + randint(0, 2), 10 + randint(0, 4), randint(0, 59))
                    comment = rng.choice(V.CANCEL_COMMENTS)
                    returned = 0
                elif (age <= 2 and rnd() < 0.3) or rnd() < 0.002:
                    status = "draft"  # still being put together (or abandoned) by the KAM
                    returned = 0
                else:
                    conf_d = self.workday(d + (0 if rnd() < 0.6 else 1))
                    ship_d = self.workday(conf_d + randint(1, 3))
                    inv_d = self.workday(ship_d + (0 if rnd() < 0.5 else 1))
                    if age <= 14 and rnd() < 0.08:
                        conf_d = ship_d = inv_d = T + 1  # waiting in the desk queue
                    submitted = self.ts(d, h0 + 1 + randint(0, 2), m0)
                    if conf_d > T:
                        status = "submitted"
                    else:
                        confirmed = self.ts(conf_d, 7 + randint(0, 6), randint(0, 59))
                        if ship_d > T:
                            status = "confirmed"
                        else:
                            shipped = self.ts(ship_d, 5 + randint(0, 4), randint(0, 59))
                            if inv_d > T:
                                status = "shipped"
                            else:
                                status = "invoiced"
                                invoiced = self.ts(inv_d, 13 + randint(0, 2), randint(0, 59))
                                inv_day = inv_d
                if status == "invoiced":
                    self.result.revenue_net_cents += net_sum
                reference = ""
                if rnd() < self.c_po[ci]:
                    reference = f"PO-{self.dates[d].year}-{randint(1, 99999):05d}"
                add_order(
                    (
                        oid,
                        f"SO-{oid:07d}" if submitted else None,
                        None,
                        status,
                        self.dstr[d],
                        "EUR",
                        reference,
                        "",
                        c2s(net_sum),
                        c2s(vat_sum),
                        c2s(gross_sum),
                        c2s(cost_c),
                        created,
                        submitted,
                        confirmed,
                        shipped,
                        invoiced,
                        closed,
                        refusal,
                        comment,
                        returned,
                        self.c_id[ci],
                        self.c_owner[ci],
                        self.column_ids[col],
                    )
                )
                if inv_day >= 0:
                    pend_inv.setdefault(inv_day, []).append(
                        (oid, ci, net_sum, vat_sum, gross_sum, cost_c, inv_lines, period, col)
                    )
            self.prepayments(d)
            self.ids.next["orders.OrderLine"] = line_id + 1
            if lines_done - last_progress >= 1_000_000:
                last_progress = lines_done
                self.progress(f"order lines: {lines_done:,} (day {self.dstr[d]})")
            self.sink.maybe_flush()
        self.progress(f"order lines: {lines_done:,}")

    def prepayments(self, d: int) -> None:
        """Now and then a client pays in advance: a payment with nothing to allocate."""
        if d < self.T - 25 or not self.c_id:
            return
        rng = self.rng
        if rng.random() < min(0.9, len(self.c_id) / 300):
            ci = rng.randrange(len(self.c_id))
            if self.c_status[ci] == "active":
                amount = rng.choice((300, 500, 1000, 1500, 2000)) * 100
                self.pend_pay.setdefault(d, {}).setdefault(ci, []).append((0, amount, ""))

    # -- ledger ----------------------------------------------------------------------------

    def issue_invoice(self, d: int, item: tuple[Any, ...]) -> None:
        rng = self.rng
        rnd = rng.random
        randint = _fast_randint(rnd)
        T = self.T
        oid, ci, net_c, vat_c, gross_c, cost_c, lines, period, col = item
        take = self.ids.take
        inv_id = take("ledger.Invoice")
        number = f"{self.invoice_prefix}{self.invoice_no:08d}"
        self.invoice_no += 1
        terms = self.c_terms[ci]
        due = d + terms
        # Credit note: a return, shortage, damage or price correction, days after issue.
        cn = None
        if rnd() < 0.03:
            line = lines[randint(0, len(lines) - 1)]
            p, milli, disc, line_net = line[1], line[8], line[9], line[10]
            up_e4 = round_half_even_div(self.p_price[p][period][col] * (10000 - disc), 10000)
            vat_e2, uc, kg = self.p_vat[p], self.p_cost[p][period], self.p_unit_kg[p]
            reason = weighted_choice(
                rng, (("return", 55.0), ("damage", 20.0), ("shortage", 15.0), ("price", 10.0))
            )
            if reason == "price":
                cn_net = max(1, round(line_net * rng.uniform(0.03, 0.10)))
                back_milli = 0
                note = "Kainos korekcija pagal sutartį"
            else:
                step = 100 if kg else 1000
                back_milli = max(step, round(milli * rng.uniform(0.1, 0.6) / step) * step)
                back_milli = min(back_milli, milli)
                cn_net = min(line_net, (back_milli * up_e4 + 50_000) // 100_000)
                qty_txt = qty_s(back_milli).rstrip("0").rstrip(".")
                note = {
                    "return": f"Grąžintos prekės: {qty_txt} {'kg' if kg else 'vnt.'}",
                    "damage": f"Pažeista pakuotė, nurašyta {qty_txt} {'kg' if kg else 'vnt.'}",
                    "shortage": f"Trūkumo aktas Nr. T-{randint(1000, 9999)}",
                }[reason]
            cn_vat = (cn_net * vat_e2 + 5000) // 10000
            cn_gross = cn_net + cn_vat
            cn_cost = (back_milli * uc + 50_000) // 100_000 if reason == "return" else 0
            if cn_net > 0 and cn_gross < gross_c:
                cn = (d + randint(2, 20), ci, reason, note, cn_net, cn_vat, cn_gross, cn_cost)
        # When it gets paid, by the client's habit.
        profile = self.c_profile[ci]
        never = False
        if profile == "prompt":
            pay = max(d + 1, due - randint(0, min(7, terms - 1)))
        elif profile == "on_time":
            pay = due + randint(-2, 8)
        elif profile == "late":
            pay = due + randint(12, 55)
        else:
            never = rnd() < 0.18
            pay = due + randint(30, 140)
        if self.c_batch[ci]:
            pay += (3 - (self.dates[0].weekday() + pay) % 7) % 7  # Thursday payment run
        else:
            pay = self.workday(pay) if pay < len(self.dates) else pay
        linked = cn is not None and cn[0] < pay
        payable = gross_c - (cn[6] if cn is not None and linked else 0)
        instalments: list[tuple[int, int]] = []
        if not never:
            if rnd() < {"prompt": 0.04, "on_time": 0.06, "late": 0.15, "bad": 0.3}[profile]:
                first = max(1, min(payable - 1, round(payable * rng.uniform(0.3, 0.7) / 100) * 100))
                instalments.append((pay, first))
                if not (profile == "bad" and rnd() < 0.35):
                    instalments.append((pay + randint(10, 45), payable - first))
            else:
                instalments.append((pay, payable))
        open_c = gross_c
        last_touch = d
        first_touch: int | None = None  # the first allocation or credit note against it
        if cn is not None and linked and cn[0] <= T:
            open_c -= cn[6]
            last_touch = first_touch = cn[0]
        for day, amount in instalments:
            if day <= T and amount > 0:
                open_c -= amount
                last_touch = max(last_touch, day)
                first_touch = day if first_touch is None else min(first_touch, day)
                self.pend_pay.setdefault(day, {}).setdefault(ci, []).append(
                    (inv_id, amount, number)
                )
        if cn is not None and cn[0] <= T:
            self.pend_cn.setdefault(cn[0], []).append((*cn, inv_id if linked else None))
        client_id = self.c_id[ci]
        self.out["ledger.Invoice"].append(
            (
                inv_id,
                number,
                None,
                self.dstr[d],
                self.day_s(due),
                "EUR",
                c2s(net_c),
                c2s(vat_c),
                c2s(gross_c),
                c2s(cost_c),
                c2s(open_c),
                self.day_s(last_touch) if open_c == 0 else None,  # settled_on
                None if first_touch is None else self.day_s(first_touch),
                self.day_s(last_touch),
                self.ts(d, 15, randint(0, 59)),
                client_id,
                oid,
            )
        )
        add = self.out["ledger.InvoiceLine"].append
        desc, vat_s, pid = self.p_desc, self.p_vat_s, self.p_id
        first_id = self.ids.next["ledger.InvoiceLine"]
        self.ids.next["ledger.InvoiceLine"] = first_id + len(lines)
        for n, (line_no, p, q, up, net, vat, gross, cost, *_rest) in enumerate(lines):
            add(
                (
                    first_id + n,
                    line_no,
                    desc[p],
                    q,
                    up,
                    net,
                    vat_s[p],
                    vat,
                    gross,
                    cost,
                    inv_id,
                    pid[p],
                )
            )

    def emit_credit_note(self, d: int, cn: tuple[Any, ...]) -> None:
        _day, ci, reason, note, net_c, vat_c, gross_c, cost_c, invoice_id = cn
        number = f"{self.credit_note_prefix}{self.credit_note_no:08d}"
        self.credit_note_no += 1
        self.out["ledger.CreditNote"].append(
            (
                self.ids.take("ledger.CreditNote"),
                number,
                None,
                self.dstr[d],
                reason,
                note,
                "EUR",
                c2s(net_c),
                c2s(vat_c),
                c2s(gross_c),
                c2s(cost_c),
                self.ts(d, 11, self.rng.randint(0, 59)),
                self.c_id[ci],
                invoice_id,
            )
        )

    def emit_payments(self, d: int, pays: dict[int, list[tuple[int, int, str]]]) -> None:
        take = self.ids.take
        add_pay = self.out["ledger.Payment"].append
        add_alloc = self.out["ledger.Allocation"].append
        rng = self.rng
        finance = self.staff.finance_id
        for ci, allocs in pays.items():
            pid = take("ledger.Payment")
            created = self.ts(d, 8, rng.randint(0, 59))
            day = self.dstr[d]  # invoices are issued before they are paid: settles today
            allocated = 0
            numbers = []
            for inv_id, amount, number in allocs:
                if inv_id:
                    add_alloc((take("ledger.Allocation"), c2s(amount), day, created, inv_id, pid))
                    allocated += amount
                    numbers.append(number)
            amount = sum(a for _, a, _ in allocs)
            if numbers and rng.random() < 0.01:
                amount += 1000 - amount % 1000  # rounded up to the next ten euros
            if not numbers:
                reference = "Avansinis mokėjimas"
            elif len(numbers) == 1:
                reference = f"Apmokėjimas pagal sąskaitą {numbers[0]}"
            else:
                reference = f"Apmokėjimas pagal {len(numbers)} sąsk.: {numbers[0]} … {numbers[-1]}"
            add_pay(
                (
                    pid,
                    None,
                    self.dstr[d],
                    c2s(amount),
                    "EUR",
                    reference,
                    c2s(allocated),
                    # Fully applied the day it arrived (its allocations are all dated
                    # that day): the aging's unapplied query then skips it.
                    day if numbers and allocated == amount else None,
                    created,
                    self.c_id[ci],
                    finance,
                )
            )

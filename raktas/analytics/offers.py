"""Next best offer: what similar clients buy that this one does not, each marked when
its line would take the order past credit headroom (``raktas.credit``).

Scoped like ``raktas.analytics.selectors``; margin only for those who may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from raktas.analytics.models import (
    ClientCategoryMonth,
    ClientMonth,
)
from raktas.analytics.selectors import (
    Period,
)
from raktas.catalog.models import Category, Product
from raktas.catalog.selectors import price_for
from raktas.clients.models import Client
from raktas.core.money import ZERO, q2
from raktas.credit.services import exposure_of
from raktas.ledger.models import InvoiceLine
from raktas.orders.models import (
    Order,
    OrderStatus,
)
from raktas.org.access import sees_margin, today
from raktas.org.models import User

HUNDRED = Decimal(100)

# --- Next best offer within credit -----------------------------------------------------


def credit_headroom(client: Client) -> tuple[Decimal, Decimal]:
    """(exposure, headroom) in gross: credit control's own figures (``exposure_of``)."""
    found = exposure_of(client)
    return found.exposure, found.headroom


@dataclass
class Suggestion:
    kind: str  # "product" or "category"
    id: int
    label: str
    buyers_share: float  # share of similar clients that buy it
    expected_margin: Decimal | None  # per period, among those who buy it, times the share
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    line_gross: Decimal | None = None
    exceeds_headroom: bool = False
    reason: str = ""


@dataclass
class Offer:
    client_id: int
    similar_clients: int
    exposure: Decimal
    headroom: Decimal
    draft_gross: Decimal
    suggestions: list[Suggestion] = field(default_factory=list)


def _similar_clients(client: Client, period: Period, size: Decimal, limit: int) -> list[int]:
    """Same segment, revenue within a factor of three; if too few, the nearest in size."""
    rev = F("invoiced_net") - F("credited_net")
    qs = ClientMonth.objects.filter(month__gte=period.start, month__lte=period.end).exclude(
        client=client
    )
    if client.segment_id:
        qs = qs.filter(client__segment_id=client.segment_id)
    sizes = list(
        qs.values("client_id").annotate(r=Sum(rev)).values_list("client_id", "r").order_by()
    )
    if not sizes:
        return []
    low, high = size / 3, size * 3
    close = [cid for cid, r in sizes if low <= (r or ZERO) <= high]
    if len(close) >= min(limit, 5):
        return close[:limit]
    sizes.sort(key=lambda item: abs((item[1] or ZERO) - size))
    return [cid for cid, _size in sizes[:limit]]


def next_best_offer(
    user: User,
    client: Client,
    *,
    order: Order | None = None,
    limit: int = 10,
    similar_limit: int = 200,
) -> Offer:
    """Products (and categories) that similar clients buy and this one has not bought
    in the last 12 months, ranked by expected margin: the share of similar clients that
    buy it × the average margin a buyer made on it. Each product comes with a typical
    quantity at the client's column price; one whose line would take the order (the
    draft ``order`` if given) past the credit headroom is marked ``exceeds_headroom``.

    The caller fetched ``client`` through ``get_client_for``. The similar clients are
    only counted and averaged, never named, so they need not be in the user's view.
    """
    period = Period.trailing(12)
    margin_ok = sees_margin(user)
    rev = F("invoiced_net") - F("credited_net")
    size = (
        ClientMonth.objects.filter(
            client=client, month__gte=period.start, month__lte=period.end
        ).aggregate(r=Sum(rev))["r"]
        or ZERO
    )
    similar = _similar_clients(client, period, size, similar_limit)
    exposure, headroom = credit_headroom(client)
    draft_gross = (
        order.gross_total if order is not None and order.status == OrderStatus.DRAFT else ZERO
    )
    offer = Offer(client.pk, len(similar), exposure, headroom, draft_gross)
    if not similar:
        return offer
    since, until = period.start, period.last_day
    own = set(
        InvoiceLine.objects.filter(
            invoice__client=client,
            invoice__issue_date__gte=since,
            product_id__isnull=False,
        ).values_list("product_id", flat=True)
    )
    if order is not None:
        own |= set(order.lines.values_list("product_id", flat=True))
    stats = (
        InvoiceLine.objects.filter(
            invoice__client_id__in=similar,
            invoice__issue_date__gte=since,
            invoice__issue_date__lte=until,
            product__active=True,
        )
        .exclude(product_id__in=own)
        .values("product_id")
        .annotate(
            buyers=Count("invoice__client_id", distinct=True),
            margin=Sum(F("net") - F("cost")),
            qty=Sum("quantity"),
            lines=Count("id"),
        )
        .order_by()
    )
    n = len(similar)
    ranked = []
    for row in stats:
        share = row["buyers"] / n
        per_buyer = (row["margin"] or ZERO) / row["buyers"]
        ranked.append((share * float(per_buyer), share, per_buyer, row))
    ranked.sort(key=lambda item: (-item[0], item[3]["product_id"]))
    products = Product.objects.in_bulk([item[3]["product_id"] for item in ranked[:limit]])
    on = today()
    for score, share, _per_buyer, row in ranked[:limit]:
        product = products[row["product_id"]]
        quantity = (row["qty"] / row["lines"]).quantize(Decimal("0.001"))
        if product.unit == "pcs" or quantity >= 1:
            quantity = max(Decimal(1), quantity.to_integral_value())
        price = price_for(product.pk, client.price_column_id, on)
        gross = None
        exceeds = False
        if price is not None:
            net = q2(quantity * price)
            gross = net + q2(net * product.vat_rate / HUNDRED)
            exceeds = draft_gross + gross > headroom
        offer.suggestions.append(
            Suggestion(
                kind="product",
                id=product.pk,
                label=f"{product.sku} {product.name}",
                buyers_share=share,
                expected_margin=q2(Decimal(repr(score))) if margin_ok else None,
                quantity=quantity,
                unit_price=price,
                line_gross=gross,
                exceeds_headroom=exceeds,
                reason=_(
                    "%(buyers)s of %(n)s similar clients buy it; this client has not in the "
                    "last 12 months"
                )
                % {"buyers": row["buyers"], "n": n},
            )
        )
    # Categories this client does not buy at all, for the wider conversation.
    own_categories = set(
        ClientCategoryMonth.objects.filter(client=client, month__gte=period.start).values_list(
            "category_key", flat=True
        )
    )
    cats = (
        ClientCategoryMonth.objects.filter(client_id__in=similar, month__gte=period.start)
        .exclude(category_key__in=own_categories | {0})
        .values("category_key")
        .annotate(buyers=Count("client_id", distinct=True), margin=Sum(F("net") - F("cost")))
        .order_by()
    )
    names = dict(Category.objects.values_list("pk", "name"))
    cat_ranked = sorted(
        ((c["buyers"] / n * float((c["margin"] or ZERO) / c["buyers"]), c) for c in cats),
        key=lambda item: (-item[0], item[1]["category_key"]),
    )
    for score, cat in cat_ranked[:5]:
        offer.suggestions.append(
            Suggestion(
                kind="category",
                id=cat["category_key"],
                label=names.get(cat["category_key"], str(cat["category_key"])),
                buyers_share=cat["buyers"] / n,
                expected_margin=q2(Decimal(repr(score))) if margin_ok else None,
                reason=_(
                    "%(buyers)s of %(n)s similar clients buy this category; this client buys "
                    "nothing in it"
                )
                % {"buyers": cat["buyers"], "n": n},
            )
        )
    return offer

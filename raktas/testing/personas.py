"""The cast every access test uses (like healthchecks' alice, bob and charlie).

Team North: head of sales ``head``, KAM ``kam_a`` and KAM ``deputy``, who deputises
for kam_a today. Team South: KAM ``kam_b``. Plus ``desk``, ``finance``,
``finance_margin`` (finance granted margin access), ``director`` and ``admin``.
``client_a`` belongs to kam_a, ``client_b`` to kam_b, ``client_d`` to the deputy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from raktas.catalog.models import PriceColumn, Product
from raktas.clients.models import Client
from raktas.org.models import Delegation, Role, Team, User
from raktas.testing.factories import (
    ClientFactory,
    PriceColumnFactory,
    PriceFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
)


@dataclass
class World:
    head: User
    kam_a: User
    deputy: User
    kam_b: User
    desk: User
    finance: User
    finance_margin: User
    director: User
    admin: User
    north: Team
    south: Team
    column: PriceColumn
    retail: PriceColumn
    products: list[Product]
    client_a: Client
    client_b: Client
    client_d: Client

    def persona(self, name: str) -> User:
        user: User = getattr(self, name)
        user.forget_cached_access()
        return user


PERSONAS = ("kam_a", "kam_b", "deputy", "head", "desk", "finance", "director")


def build_world() -> World:
    head = UserFactory.create(username="head", roles=(Role.HEAD_OF_SALES,))
    north = TeamFactory.create(name="North", head=head)
    south = TeamFactory.create(name="South")
    kam_a = UserFactory.create(username="kam_a", team=north, roles=(Role.KAM,))
    deputy = UserFactory.create(username="deputy", team=north, roles=(Role.KAM,))
    kam_b = UserFactory.create(username="kam_b", team=south, roles=(Role.KAM,))
    today = timezone.localdate()
    Delegation.objects.create(
        kam=kam_a,
        deputy=deputy,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=7),
    )
    column = PriceColumnFactory.create(code="WHOLESALE", name="Wholesale", position=2)
    retail = PriceColumnFactory.create(code="RETAIL", name="Retail", position=1)
    products = [
        ProductFactory.create(sku=f"P-{i}", name=f"Prekė {i}", cost=Decimal("6.0000"))
        for i in range(1, 4)
    ]
    for i, product in enumerate(products, start=1):
        PriceFactory.create(product=product, column=column, price=Decimal(10 * i))
        PriceFactory.create(product=product, column=retail, price=Decimal(12 * i))
    return World(
        head=head,
        kam_a=kam_a,
        deputy=deputy,
        kam_b=kam_b,
        desk=UserFactory.create(username="desk", roles=(Role.ORDER_DESK,)),
        finance=UserFactory.create(username="finance", roles=(Role.FINANCE,)),
        finance_margin=UserFactory.create(
            username="finance_m", roles=(Role.FINANCE,), margin_access=True
        ),
        director=UserFactory.create(username="director", roles=(Role.DIRECTOR,)),
        admin=UserFactory.create(username="admin", roles=(Role.ADMIN,)),
        north=north,
        south=south,
        column=column,
        retail=retail,
        products=products,
        client_a=ClientFactory.create(legal_name="UAB „Ąžuolas“", owner=kam_a, price_column=column),
        client_b=ClientFactory.create(legal_name="UAB „Beržas“", owner=kam_b, price_column=column),
        client_d=ClientFactory.create(
            legal_name="UAB „Drebulė“", owner=deputy, price_column=column
        ),
    )

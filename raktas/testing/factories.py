"""factory_boy factories for every app (tests and benchmarks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from raktas.catalog.models import Category, Price, PriceColumn, PriceList, Product
from raktas.clients.models import Client, Contact, Segment
from raktas.org.models import RoleGrant, Team, User


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: tuple[str, ...] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                RoleGrant.objects.create(user=obj, role=role)
            obj.forget_cached_access()


class SegmentFactory(DjangoModelFactory[Segment]):
    class Meta:
        model = Segment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"seg{n}")
    name = factory.LazyAttribute(lambda s: s.code.title())


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.LazyAttribute(lambda c: c.code.title())


class PriceListFactory(DjangoModelFactory[PriceList]):
    class Meta:
        model = PriceList
        django_get_or_create = ("code",)

    code = "MAIN"
    name = "Main price list"


class PriceColumnFactory(DjangoModelFactory[PriceColumn]):
    class Meta:
        model = PriceColumn
        django_get_or_create = ("price_list", "code")

    price_list = factory.SubFactory(PriceListFactory)
    code = "WHOLESALE"
    name = "Wholesale"


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    cost = Decimal("6.0000")
    vat_rate = Decimal("21.00")


class PriceFactory(DjangoModelFactory[Price]):
    class Meta:
        model = Price

    product = factory.SubFactory(ProductFactory)
    column = factory.SubFactory(PriceColumnFactory)
    price = Decimal("10.0000")
    valid_from = dt.date(2020, 1, 1)


class ClientFactory(DjangoModelFactory[Client]):
    class Meta:
        model = Client

    legal_name = factory.Sequence(lambda n: f"UAB „Klientas {n}“")
    registration_code = factory.Sequence(lambda n: f"{300000000 + n}")
    owner = factory.SubFactory(UserFactory)
    price_column = factory.SubFactory(PriceColumnFactory)
    credit_limit = Decimal("10000.00")
    payment_terms_days = 30
    city = "Vilnius"


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda c: f"c{c.client_id}@example.test")

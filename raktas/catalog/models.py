"""Products and price lists with columns (Retail, Wholesale, Key account …)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from raktas.core.money import PriceField
from raktas.core.search import product_search_text


class Category(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    unit = models.CharField(_("unit"), max_length=16, default="pcs")
    cost = PriceField(_("unit cost"), default=Decimal("0"))
    vat_rate = models.DecimalField(
        _("VAT %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("21.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    active = models.BooleanField(_("active"), default=True)
    # The name folded for search (raktas.core.search): kept by save(), the importer and
    # the seed; never edited by hand.
    search_text = models.TextField(default="", blank=True, editable=False)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="product_cost_non_negative"),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=100), name="product_vat_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = product_search_text(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


class PriceList(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PriceColumn(models.Model):
    """One column of a price list; each client is assigned one (job description 2.9)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="columns")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["price_list", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "code"], name="uniq_column_code")
        ]

    def __str__(self) -> str:
        return f"{self.price_list.code}/{self.code}"


class Price(models.Model):
    """The price of a product in a column from ``valid_from`` until ``valid_to`` (inclusive)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    column = models.ForeignKey(PriceColumn, on_delete=models.PROTECT, related_name="prices")
    price = PriceField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["column", "product", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "product", "valid_from"], name="uniq_price_start"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_non_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="price_dates_ordered",
            ),
        ]

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

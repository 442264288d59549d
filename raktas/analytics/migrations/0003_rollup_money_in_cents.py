"""Rollup money in whole cents: BIGINT columns ``<name>_cents`` instead of numeric ones.

Integer sums are exact and cheap on both databases (SQLite kept the decimals as floats;
PostgreSQL's ``numeric`` sums dominated the ABC report at 10M lines). The rollups are
derived data, but an existing database is converted in SQL, ``cents = ROUND(amount *
100)``, rather than rebuilt: a rebuild rescans every invoice line (minutes on a large
book) and a migration should not run today's application code. The amounts are stored
with 2 places, so the conversion is exact; going back divides by 100.
"""

from decimal import Decimal

import django.db.models
from django.db import migrations

import raktas.core.money

# model: (table, money fields)
FIELDS = {
    "clientmonth": (
        "analytics_clientmonth",
        [
            "invoiced_net",
            "invoiced_cost",
            "credited_net",
            "credited_cost",
            "returned_net",
            "refused_net",
            "cancelled_net",
        ],
    ),
    "clientcategorymonth": (
        "analytics_clientcategorymonth",
        ["net", "cost", "credited_net", "credited_cost"],
    ),
    "productmonth": (
        "analytics_productmonth",
        ["net", "cost", "credited_net", "credited_cost", "returned_net", "refused_net"],
    ),
    "clientday": ("analytics_clientday", ["net", "cost"]),
    "reasonmonth": ("analytics_reasonmonth", ["net"]),
}


def _to_cents(table: str, names: list[str]) -> str:
    sets = ", ".join(f"{n}_cents = CAST(ROUND({n} * 100) AS BIGINT)" for n in names)
    return f"UPDATE {table} SET {sets}"


def _from_cents(table: str, names: list[str]) -> str:
    sets = ", ".join(f"{n} = {n}_cents / 100.0" for n in names)
    return f"UPDATE {table} SET {sets}"


def _operations() -> list:
    ops: list = [
        migrations.RemoveIndex(model_name="clientmonth", name="rollup_client_month_abc"),
        migrations.RemoveIndex(model_name="productmonth", name="rollup_product_month_abc"),
    ]
    for model, (_table, names) in FIELDS.items():
        for name in names:
            ops.append(
                migrations.AddField(
                    model_name=model,
                    name=f"{name}_c",
                    field=raktas.core.money.CentsField(
                        db_column=f"{name}_cents", default=Decimal("0.00")
                    ),
                )
            )
    for _model, (table, names) in FIELDS.items():
        ops.append(migrations.RunSQL(_to_cents(table, names), _from_cents(table, names)))
    for model, (_table, names) in FIELDS.items():
        for name in names:
            ops.append(migrations.RemoveField(model_name=model, name=name))
            ops.append(
                migrations.RenameField(model_name=model, old_name=f"{name}_c", new_name=name)
            )
    ops += [
        migrations.AddIndex(
            model_name="clientmonth",
            index=django.db.models.Index(
                fields=[
                    "client",
                    "month",
                    "invoiced_net",
                    "credited_net",
                    "invoiced_cost",
                    "credited_cost",
                ],
                name="rollup_client_month_abc",
            ),
        ),
        migrations.AddIndex(
            model_name="productmonth",
            index=django.db.models.Index(
                fields=["product", "month", "net", "cost"], name="rollup_product_month_abc"
            ),
        ),
    ]
    return ops


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_abc_covering_indexes")]

    operations = _operations()

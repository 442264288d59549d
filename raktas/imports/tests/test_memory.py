"""Huge files stream: the memory an import needs does not grow with the file."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from raktas.clients.models import Client
from raktas.imports.services import import_file
from raktas.orders.models import OrderLine

CLIENT_HEADER = (
    "external_id;legal_name;registration_code;status;tier;price_column;credit_limit;city;address\n"
)
ORDER_HEADER = "external_id,client,order_date,status,sku,quantity,unit_price,discount_pct\n"


def client_file(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(CLIENT_HEADER)
        for i in range(n):
            fh.write(
                f"M-{i};UAB „Šviesa {i}“ – Ąžuolų g. {i % 97};{500000000 + i};active;key;"
                f"WHOLESALE;0;Vilnius;Gedimino pr. {i % 300}\n"
            )
    return path


def order_file(path: Path, n_lines: int, prefix: str) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(ORDER_HEADER)
        for i in range(n_lines):
            fh.write(
                f'{prefix}-{i // 5},A-1,2024-03-15,invoiced,P-{i % 3 + 1},{i % 7 + 1},"9,99",5\n'
            )
    return path


def peak_of(**kwargs) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        report = import_file(**kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, report


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_peak_memory_of_a_client_import_does_not_grow_with_the_file(world, tmp_path):
    small = client_file(tmp_path / "small.csv", 4_000)
    large = client_file(tmp_path / "large.csv", 20_000)
    # Warm up once so one-off allocations (imports, caches, compiled SQL) are not counted.
    import_file(by=world.kam_a, kind="clients", path=small, dry_run=True, batch_size=1000)
    peak_small, r_small = peak_of(
        by=world.kam_a, kind="clients", path=small, dry_run=True, batch_size=1000
    )
    peak_large, r_large = peak_of(
        by=world.kam_a, kind="clients", path=large, dry_run=True, batch_size=1000
    )
    assert (r_small.created, r_large.created) == (4_000, 20_000)  # type: ignore[attr-defined]
    assert not Client.objects.filter(external_id__startswith="M-").exists()
    # Five times the rows: a streaming import needs about the same peak. Allow 50 %
    # for noise; a non-streaming one would need roughly five times as much.
    print(f"peak small {peak_small:,} B, large {peak_large:,} B")
    assert peak_large < peak_small * 1.5, (peak_small, peak_large)


@pytest.mark.slow
@pytest.mark.django_db
def test_peak_memory_of_an_order_import_does_not_grow_with_the_file(world, tmp_path):
    world.client_a.external_id = "A-1"
    world.client_a.save()
    small = order_file(tmp_path / "small.csv", 4_000, "S")
    large = order_file(tmp_path / "large.csv", 20_000, "L")
    import_file(by=world.kam_a, kind="orders", path=small, dry_run=True, batch_size=1000)
    peak_small, r_small = peak_of(by=world.kam_a, kind="orders", path=small, batch_size=1000)
    peak_large, r_large = peak_of(by=world.kam_a, kind="orders", path=large, batch_size=1000)
    assert (r_small.status, r_large.status) == ("committed", "committed")  # type: ignore[attr-defined]
    assert OrderLine.objects.count() == 24_000
    print(f"peak small {peak_small:,} B, large {peak_large:,} B")
    assert peak_large < peak_small * 1.5, (peak_small, peak_large)

"""Real concurrent connections: the credit check and the admission are one transaction.

Two KAM sessions submit an order each for the same client at the same moment; each
order fits the limit alone, together they exceed it. Exactly one may pass. Runs on
whichever database the suite runs on (CI runs it on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from raktas.credit import services as credit_services
from raktas.credit.models import OverrideRequest, OverrideStatus
from raktas.credit.services import CreditRefused, exposure_of
from raktas.orders.models import Order, OrderStatus
from raktas.orders.services import order_submit
from raktas.testing.credit import draft, set_limit
from raktas.testing.personas import build_world


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the race: every credit check dawdles between reading the exposure and
    the write that admits the order, so without the lock both submits would read the
    same exposure and both pass. With it, the second waits for the first to commit."""
    real = credit_services.exposure_of

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(credit_services, "exposure_of", slow)


def _submit_at_once(submits: list[tuple]) -> tuple[list[Order], list[BaseException]]:
    barrier = threading.Barrier(len(submits))
    done: list[Order] = []
    errors: list[BaseException] = []

    def run(by, order) -> None:
        try:
            barrier.wait(timeout=10)
            done.append(order_submit(by=by, order=order))
        except BaseException as exc:  # surfaced to the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in submits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submit hung"
    return done, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_orders_at_once_cannot_both_pass_the_credit_limit(attempt, slow_check):
    world = build_world()
    client = set_limit(world.client_a, "1000.00")
    # 50 × 12.10 = 605.00 each: either alone fits 1000.00, both need 1210.00.
    first = draft(world, client, 50, by=world.kam_a)
    second = draft(world, client, 50, by=world.deputy)

    done, errors = _submit_at_once([(world.kam_a, first), (world.deputy, second)])

    assert len(done) == 1, (done, errors)
    assert len(errors) == 1 and isinstance(errors[0], CreditRefused), errors
    assert errors[0].code == "credit_limit_exceeded"
    statuses = sorted(Order.objects.filter(client=client).values_list("status", flat=True))
    assert statuses == [OrderStatus.DRAFT, OrderStatus.SUBMITTED]
    assert exposure_of(client).exposure == Decimal("605.00")
    # The loser's override request survived its rolled-back submission.
    override = OverrideRequest.objects.get()
    assert override.status == OverrideStatus.PENDING
    assert override.exposure == Decimal("605.00")
    assert override.order.status == OrderStatus.DRAFT


@pytest.mark.django_db(transaction=True)
def test_many_small_orders_at_once_never_exceed_the_limit(slow_check):
    world = build_world()
    client = set_limit(world.client_a, "100.00")
    # Four orders of 3 × 12.10 = 36.30: at most two fit (72.60), never three (108.90).
    people = [world.kam_a, world.deputy, world.head, world.director]
    orders = [draft(world, client, 3, by=by) for by in people]

    done, errors = _submit_at_once(list(zip(people, orders, strict=True)))

    assert len(done) == 2, (done, errors)
    assert all(isinstance(e, CreditRefused) for e in errors), errors
    assert exposure_of(client).exposure == Decimal("72.60")
    assert exposure_of(client).exposure <= client.credit_limit

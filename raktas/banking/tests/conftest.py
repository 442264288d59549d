import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from raktas.receivables.tests.helpers import invoice

FILES = Path(__file__).parent / "files"


@pytest.fixture
def books(world):
    """The invoices the test camt files pay: two of client_a (registration code
    304512345), two of client_b."""
    fin = world.persona("finance")
    world.client_a.registration_code = "304512345"
    world.client_a.save()
    day = dt.date(2026, 11, 1)
    return {
        "101": invoice(fin, world.client_a, "1210.00", day, number="INV-00000101"),
        "102": invoice(fin, world.client_a, "363.00", day, number="INV-00000102"),
        "103": invoice(fin, world.client_b, "500.00", day, number="INV-00000103"),
        "104": invoice(fin, world.client_b, "242.00", day, number="INV-00000104"),
    }


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


D = Decimal

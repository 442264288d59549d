"""The import kinds, by the name used on the command line."""

from __future__ import annotations

from raktas.imports.base import Importer
from raktas.imports.kinds.catalog import PriceImporter, ProductImporter
from raktas.imports.kinds.clients import ClientImporter, ContactImporter
from raktas.imports.kinds.ledger import InvoiceImporter, PaymentImporter
from raktas.imports.kinds.orders import OrderImporter

KINDS: dict[str, type[Importer]] = {
    cls.kind: cls
    for cls in (
        ClientImporter,
        ContactImporter,
        ProductImporter,
        PriceImporter,
        OrderImporter,
        InvoiceImporter,
        PaymentImporter,
    )
}

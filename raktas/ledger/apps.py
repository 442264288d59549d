from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "raktas.ledger"
    label = "ledger"

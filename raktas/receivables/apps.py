from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "raktas.receivables"
    label = "receivables"
    verbose_name = "Receivables: aging and settlement statements"

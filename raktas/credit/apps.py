from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "raktas.credit"
    label = "credit"

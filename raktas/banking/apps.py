from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "raktas.banking"
    label = "banking"
    verbose_name = "Bank statements and payment matching"

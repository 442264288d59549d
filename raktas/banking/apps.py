from raktas.core import appconfig


class BankingConfig(appconfig.RaktasAppConfig):
    name = "raktas.banking"
    label = "banking"
    verbose_name = "Bank statements and payment matching"

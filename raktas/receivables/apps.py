from raktas.core import appconfig


class ReceivablesConfig(appconfig.RaktasAppConfig):
    name = "raktas.receivables"
    label = "receivables"
    verbose_name = "Receivables: aging and settlement statements"

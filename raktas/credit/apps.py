from raktas.core import appconfig


class CreditConfig(appconfig.RaktasAppConfig):
    name = "raktas.credit"
    label = "credit"

from raktas.core import appconfig


class LedgerConfig(appconfig.RaktasAppConfig):
    name = "raktas.ledger"
    label = "ledger"

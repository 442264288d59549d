from raktas.core import appconfig


class ClientsConfig(appconfig.RaktasAppConfig):
    name = "raktas.clients"
    label = "clients"

from raktas.core import appconfig


class OrdersConfig(appconfig.RaktasAppConfig):
    name = "raktas.orders"
    label = "orders"

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "raktas.orders"
    label = "orders"

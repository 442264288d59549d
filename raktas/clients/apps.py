from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "raktas.clients"
    label = "clients"

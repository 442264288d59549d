from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "raktas.core"
    label = "core"

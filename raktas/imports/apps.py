from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "raktas.imports"
    label = "imports"

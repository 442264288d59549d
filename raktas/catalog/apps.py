from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "raktas.catalog"
    label = "catalog"

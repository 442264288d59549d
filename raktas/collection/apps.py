from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "raktas.collection"
    label = "collection"

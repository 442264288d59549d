from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "raktas.org"
    label = "org"

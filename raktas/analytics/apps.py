from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "raktas.analytics"
    label = "analytics"
    verbose_name = "Key-client intelligence"

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "raktas.audit"
    label = "audit"

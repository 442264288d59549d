from raktas.core import appconfig


class AuditConfig(appconfig.RaktasAppConfig):
    name = "raktas.audit"
    label = "audit"

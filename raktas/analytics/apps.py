from raktas.core import appconfig


class AnalyticsConfig(appconfig.RaktasAppConfig):
    name = "raktas.analytics"
    label = "analytics"
    verbose_name = "Key-client intelligence"

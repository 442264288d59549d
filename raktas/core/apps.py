from raktas.core import appconfig


class CoreConfig(appconfig.RaktasAppConfig):
    name = "raktas.core"
    label = "core"

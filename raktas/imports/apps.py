from raktas.core import appconfig


class ImportsConfig(appconfig.RaktasAppConfig):
    name = "raktas.imports"
    label = "imports"

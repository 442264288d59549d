from raktas.core import appconfig


class OrgConfig(appconfig.RaktasAppConfig):
    name = "raktas.org"
    label = "org"

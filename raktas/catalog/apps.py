from raktas.core import appconfig


class CatalogConfig(appconfig.RaktasAppConfig):
    name = "raktas.catalog"
    label = "catalog"

from raktas.core import appconfig


class CollectionConfig(appconfig.RaktasAppConfig):
    name = "raktas.collection"
    label = "collection"

from django.utils.translation import gettext_lazy as _

from raktas.core import appconfig


class BookConfig(appconfig.RaktasAppConfig):
    """The KAM's book of clients: Today, My clients, Client 360 and Team — the pages
    that gather every context's figures and alerts for one person or one team."""

    name = "raktas.book"
    label = "book"
    verbose_name = _("Book")

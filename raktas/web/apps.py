from django.utils.translation import gettext_lazy as _

from raktas.core import appconfig


class WebConfig(appconfig.RaktasAppConfig):
    name = "raktas.web"
    label = "web"
    verbose_name = _("Workbench")

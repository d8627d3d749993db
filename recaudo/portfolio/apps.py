from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from recaudo.lookups import register


class PortfolioConfig(AppConfig):
    name = "recaudo.portfolio"
    label = "portfolio"
    verbose_name = _("Cartera")

    def ready(self) -> None:
        register()

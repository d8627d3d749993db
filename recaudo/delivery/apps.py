from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from recaudo.delivery import checks


class DeliveryConfig(AppConfig):
    """Sending the outbox and hearing back from providers; the creditors' channel accounts."""

    name = "recaudo.delivery"
    label = "delivery"
    verbose_name = _("Envío")

    def ready(self) -> None:
        checks.register()

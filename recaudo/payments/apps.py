from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from recaudo.payments import checks


class PaymentsConfig(AppConfig):
    name = "recaudo.payments"
    label = "payments"
    verbose_name = _("Pagos y acuerdos")

    def ready(self) -> None:
        checks.register()

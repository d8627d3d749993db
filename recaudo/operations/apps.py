from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running Recaudo as a service: the web server and the workers' heartbeats."""

    name = "recaudo.operations"
    label = "operations"
    verbose_name = _("Operación")

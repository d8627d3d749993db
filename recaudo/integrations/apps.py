from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "recaudo.integrations"
    label = "integrations"
    verbose_name = _("integraciones")

    def ready(self) -> None:
        # The apps below emit through portfolio/outbound.py; this app writes the rows
        # (the registry inverts the edge the import graph forbids: docs/integrations.md).
        from recaudo.integrations.deliverer import deliver_for_a_while
        from recaudo.integrations.emit import store_events
        from recaudo.operations.loops import register_between_batches
        from recaudo.portfolio.outbound import register_sink

        register_sink(store_events)
        register_between_batches(deliver_for_a_while)

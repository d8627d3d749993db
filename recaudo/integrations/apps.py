from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from recaudo.operations.loops import register_between_batches
from recaudo.portfolio.outbound import register_sink
from recaudo.privacy.hooks import register_archive_step, register_erasure_step


class IntegrationsConfig(AppConfig):
    name = "recaudo.integrations"
    label = "integrations"
    verbose_name = _("integraciones")

    def ready(self) -> None:
        # The apps below emit through portfolio/outbound.py and the worker (delivery) runs
        # the registered jobs: registries invert the edges the import graph forbids
        # (docs/integrations.md#emitting). Models load only once the registry is ready.
        from recaudo.integrations.deliverer import deliver_for_a_while
        from recaudo.integrations.emit import store_events  # same: it imports the models
        from recaudo.integrations.retention import erase_debtor_events, purge_delivered  # same

        register_sink(store_events)
        register_between_batches(deliver_for_a_while)
        # The archive job and erasure (privacy, below this app) run these steps.
        register_archive_step(purge_delivered)
        register_erasure_step(erase_debtor_events)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from recaudo.operations.loops import register_between_batches
from recaudo.payments import checks


class PaymentsConfig(AppConfig):
    name = "recaudo.payments"
    label = "payments"
    verbose_name = _("Pagos y acuerdos")

    def ready(self) -> None:
        checks.register()
        # Models load only once the app registry is ready, so not at the module's top.
        from recaudo.payments.agreements import after_payment

        # Same: portfolio.actions imports the portfolio's models.
        from recaudo.portfolio.actions import add_payment_follow_up

        add_payment_follow_up(after_payment)
        # Same: the debits read the models. The worker (delivery) runs it between batches.
        from recaudo.payments.debit_charges import debit_job

        register_between_batches(debit_job)

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "recaudo.policies"
    label = "policies"
    verbose_name = _("Políticas de cobranza")

    def ready(self) -> None:
        post_migrate.connect(_install_defaults, sender=self)
        # Registered here because portfolio (below) may not import this app; not at
        # module top: both modules import models, which cannot load before the registry.
        from recaudo.policies.reach import unreachable_debts

        # (the same: imports.py imports the portfolio models)
        from recaudo.portfolio.imports import UNREACHABLE_COUNTERS

        if unreachable_debts not in UNREACHABLE_COUNTERS:
            UNREACHABLE_COUNTERS.append(unreachable_debts)


def _install_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Create the shipped policies and templates that are missing after each migrate."""
    # Not at module top: defaults.py imports the models, which cannot load before the app registry.
    from recaudo.policies.defaults import install_defaults

    install_defaults(using=using)

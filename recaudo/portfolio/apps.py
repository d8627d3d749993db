from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from recaudo import checks
from recaudo.lookups import register


class PortfolioConfig(AppConfig):
    name = "recaudo.portfolio"
    label = "portfolio"
    verbose_name = _("Cartera")

    def ready(self) -> None:
        register()
        # The project's own deployment checks; the ground app registers them.
        checks.register()
        post_migrate.connect(_create_cache_table, sender=self)


def _create_cache_table(
    sender: AppConfig, using: str = "default", verbosity: int = 1, **kwargs: Any
) -> None:
    """The database cache's table (rate limits, settings.CACHES), made by every `migrate`.

    `createcachetable` skips a table that exists and does nothing for Redis, so
    a fresh clone, CI and an upgrade need no step of their own.
    """
    call_command("createcachetable", database=using, verbosity=verbosity)

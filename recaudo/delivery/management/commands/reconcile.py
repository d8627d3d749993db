"""`recaudo reconcile`: settle unknown contacts with the providers that can be asked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.delivery.reconcile import reconcile_unknown


class Command(BaseCommand):
    help = (
        "Ask the providers about contacts whose send answer was lost (unknown): sent, "
        "queued again, or left for staff. The worker also does this about once a minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reconcile_unknown(timezone.now())
        self.stdout.write(
            _(
                "Encontrados en el proveedor: %(found)d; de nuevo en la cola: %(requeued)d; "
                "sin respuesta clara: %(unclear)d; para revisión del equipo: %(staff)d"
            )
            % {
                "found": counts["found"],
                "requeued": counts["requeued"],
                "unclear": counts["unclear"],
                "staff": counts["left_for_staff"],
            }
        )

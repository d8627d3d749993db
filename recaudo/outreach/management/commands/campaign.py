"""``recaudo campaign create|show|launch``: one-off sends to a segment (docs/campaigns.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.outreach import campaigns
from recaudo.outreach.models import Campaign
from recaudo.policies.models import Segment
from recaudo.portfolio.lookups import find_creditor
from recaudo.portfolio.rules import InputError


class Command(BaseCommand):
    help = _("Campañas: un envío único a un segmento, con las mismas reglas y topes.")

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help=_("programar una campaña"))
        create.add_argument("--creditor", help=_("acreedor (nombre o id)"))
        create.add_argument("--name", required=True, help=_("nombre de la campaña"))
        create.add_argument("--template", required=True, help=_("clave de la plantilla"))
        create.add_argument("--date", required=True, help=_("día de envío, AAAA-MM-DD"))
        create.add_argument(
            "--until", help=_("último día en que aún puede salir (por omisión, --date)")
        )
        create.add_argument("--segment", help=_("nombre del segmento (por omisión, todos)"))
        create.add_argument(
            "--channels",
            default=",".join(campaigns.DEFAULT_CHANNELS),
            help=_("canales en orden, separados por comas"),
        )
        create.add_argument(
            "--days", type=int, default=7, help=_("días tras el envío para contar pagos")
        )
        show = commands.add_parser("show", help=_("ver una campaña y sus resultados"))
        show.add_argument("id", type=int)
        launch = commands.add_parser("launch", help=_("lanzar las campañas cuyo día llegó"))
        launch.add_argument("id", type=int, nargs="?", help=_("solo esta campaña"))

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        creditor = find_creditor(options["creditor"])
        segment = None
        if options["segment"]:
            segment = (
                Segment.objects.filter(Q(creditor=creditor) | Q(creditor__isnull=True))
                .filter(name=options["segment"])
                .order_by("creditor_id")
                .last()
            )
            if segment is None:
                raise CommandError(
                    _("--segment: no hay un segmento llamado «%(name)s»")
                    % {"name": options["segment"]},
                    returncode=1,
                )
        try:
            campaign = campaigns.create(
                creditor,
                name=options["name"],
                template_key=options["template"],
                send_on=_day(options["date"], "--date"),
                send_until=_day(options["until"], "--until") if options["until"] else None,
                segment=segment,
                channels=options["channels"].split(","),
                results_days=options["days"],
                today=timezone.now().date(),
                created_by="cli",
            )
        except InputError as error:
            raise CommandError(f"{error.field}: {error.message}", returncode=1) from None
        self.stdout.write(
            _("Campaña %(id)s programada para el %(day)s: «%(name)s».")
            % {"id": campaign.pk, "day": campaign.send_on.isoformat(), "name": campaign.name}
        )

    def _show(self, options: dict[str, Any]) -> None:
        campaign = Campaign.objects.filter(pk=options["id"]).select_related("segment").first()
        if campaign is None:
            raise CommandError(
                _("No hay una campaña con id %(id)s.") % {"id": options["id"]}, returncode=1
            )
        for line in campaigns.describe(campaign):
            self.stdout.write(line)

    def _launch(self, options: dict[str, Any]) -> None:
        if options["id"] is not None:
            launched = {options["id"]: campaigns.launch(options["id"])}
        else:
            launched = campaigns.launch_due()
        for campaign_id, summary in launched.items():
            counts = ", ".join(f"{key}: {count}" for key, count in sorted(summary.items()))
            self.stdout.write(
                _("Campaña %(id)s: %(counts)s")
                % {"id": campaign_id, "counts": counts or _("nada nuevo")}
            )


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(flag)s: «%(value)s» no es una fecha como 2026-12-18")
            % {"flag": flag, "value": value},
            returncode=1,
        ) from None

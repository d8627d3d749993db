"""``recaudo policies``: install and show the collection policies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.policies.defaults import install_defaults
from recaudo.policies.loaders import load_segment_rules
from recaudo.policies.models import Policy, Segment
from recaudo.portfolio.lookups import find_creditor


class Command(BaseCommand):
    help = "Install the shipped default policies and templates, or show the policies in use."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        install = sub.add_parser("install-defaults", help="create missing default rows")
        install.add_argument(
            "--reset",
            action="store_true",
            help="also put edited default policies, segments and templates back as shipped",
        )
        show = sub.add_parser("show", help="print the segments and policies a creditor uses")
        show.add_argument("--creditor", help="creditor name or id (default: the shipped ones)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "install-defaults":
            created = install_defaults(reset=options["reset"])
            verb = "reset" if options["reset"] else "created"
            self.stdout.write(
                ", ".join(f"{kind}: {count} {verb}" for kind, count in created.items())
            )
            return
        creditor_id = None
        if options.get("creditor"):
            creditor_id = find_creditor(options["creditor"]).pk
        rules = load_segment_rules(creditor_id) if creditor_id else None
        segments = (
            Segment.objects.filter(id__in=[r.id for r in rules])
            if rules is not None
            else Segment.objects.filter(creditor__isnull=True)
        ).select_related("policy")
        if not segments:
            raise CommandError("no segments are defined", returncode=1)
        for segment in sorted(segments, key=lambda s: (s.is_default, s.position, s.pk)):
            self.stdout.write(_describe_segment(segment))
            for step in segment.policy.steps.all():
                sign = "+" if step.offset_days > 0 else ""
                channels = " → ".join(step.channel_list())
                template = f" [{step.template_key}]" if step.template_key else ""
                by = f" por {channels}" if channels else ""
                extras = [str(step.get_tone_display())]
                if step.stage:
                    extras.append(f"nivel: {step.get_stage_display()}")
                if step.repeat_every_days:
                    extras.append(step.describe_repeat())
                self.stdout.write(
                    f"    día {sign}{step.offset_days}: {step.get_action_display()}{by}"
                    f"{template} ({'; '.join(extras)})"
                )


def _describe_segment(segment: Segment) -> str:
    conditions = []
    if segment.is_default:
        conditions.append("todos los demás")
    if segment.debtor_kind:
        conditions.append(segment.get_debtor_kind_display())
    if segment.country:
        conditions.append(f"país {segment.country}")
    if segment.currency:
        conditions.append(f"moneda {segment.currency}")
    if segment.min_days_past_due is not None or segment.max_days_past_due is not None:
        conditions.append(
            f"mora {segment.min_days_past_due or 0} a {segment.max_days_past_due or '∞'} días"
        )
    if segment.min_balance is not None or segment.max_balance is not None:
        conditions.append(f"saldo {segment.min_balance or 0} a {segment.max_balance or '∞'}")
    if segment.tags_any:
        conditions.append("etiquetas " + ", ".join(segment.tags_any))
    policy: Policy = segment.policy
    state = "" if policy.active else " (inactiva)"
    entry = "" if policy.place_new_debts else " (sin incorporar deudas atrasadas)"
    return (
        f"{segment.name} ({'; '.join(conditions) or 'sin condiciones'}) → {policy.name}"
        f"{state}{entry}"
    )

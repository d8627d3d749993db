"""Experiments on policy steps: create, start, apply to the day's plan, read out, promote.

Each change is one transaction with its audit row (``ExperimentEvent``).
Assignment is stable (rules.assign: a hash of the experiment and the debtor)
and recorded once per debtor (``Assignment``, the start of their outcome
window); every planned contact of the step records its variant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.learning import rules
from recaudo.learning.models import Assignment, Experiment, ExperimentEvent, Variant
from recaudo.outreach.models import Outreach
from recaudo.outreach.variants import VariantPlacement, record_variants
from recaudo.policies.models import Step, Template
from recaudo.portfolio.models import Creditor, Payment
from recaudo.roles import may_approve, may_write


class ExperimentError(ValueError):
    pass


@dataclass(frozen=True)
class VariantSpec:
    name: str
    weight: int = 1
    template_key: str = ""
    send_hour: int | None = None


def _actor(user: User) -> str:
    return user.get_username()


def _event(experiment: Experiment, kind: str, user: User, **data: object) -> None:
    ExperimentEvent.objects.create(experiment=experiment, kind=kind, actor=_actor(user), data=data)


def create(
    creditor: Creditor,
    step: Step,
    user: User,
    *,
    name: str,
    variants: list[VariantSpec],
    holdout_percent: int = 0,
    outcome_days: int = 30,
    min_per_arm: int = 400,
) -> Experiment:
    """A draft experiment on one of the creditor's own written steps; refused with the reason."""
    if not may_write(user):
        raise ExperimentError(_("Su rol solo puede leer."))
    if step.policy.creditor_id != creditor.pk:
        raise ExperimentError(
            _("Solo se experimenta con pasos de las políticas propias del acreedor.")
        )
    if step.action not in Step.WRITTEN:
        raise ExperimentError(_("Solo se experimenta con pasos que envían un mensaje."))
    if holdout_percent and step.action == Step.Action.BUREAU_NOTICE:
        raise ExperimentError(
            _("El aviso previo al reporte es obligatorio: no admite un grupo sin mensaje.")
        )
    if not 0 <= holdout_percent <= 50:
        raise ExperimentError(_("El grupo sin mensaje va de 0 % a 50 %."))
    if len(variants) < 2 and not holdout_percent:
        raise ExperimentError(_("Indique al menos dos variantes, o una y un grupo sin mensaje."))
    for spec in variants:
        if not spec.name.strip():
            raise ExperimentError(_("Cada variante necesita un nombre."))
        if spec.send_hour is not None and not 0 <= spec.send_hour <= 23:
            raise ExperimentError(_("La hora de envío va de 0 a 23."))
        if (
            spec.template_key
            and not Template.objects.filter(
                Q(creditor=creditor) | Q(creditor__isnull=True), key=spec.template_key
            ).exists()
        ):
            raise ExperimentError(
                _("No existe la plantilla «%(key)s».") % {"key": spec.template_key}
            )
    with transaction.atomic():
        experiment = Experiment.objects.create(
            creditor=creditor,
            step=step,
            name=name.strip() or str(step),
            holdout_percent=holdout_percent,
            outcome_days=outcome_days,
            min_per_arm=min_per_arm,
            created_by=user,
        )
        for spec in variants:
            Variant.objects.create(
                experiment=experiment,
                name=spec.name.strip(),
                weight=spec.weight,
                template_key=spec.template_key,
                send_hour=spec.send_hour,
            )
        if holdout_percent:
            Variant.objects.create(experiment=experiment, name=_("sin mensaje"), holdout=True)
        _event(experiment, "created", user, variants=len(variants), holdout=holdout_percent)
    return experiment


def start(experiment: Experiment, user: User, now: datetime | None = None) -> None:
    if not may_approve(user):
        raise ExperimentError(_("Solo un supervisor inicia o detiene un experimento."))
    if experiment.status != Experiment.Status.DRAFT:
        raise ExperimentError(_("Solo se inicia un experimento en borrador."))
    with transaction.atomic():
        experiment.status = Experiment.Status.RUNNING
        experiment.started_at = now or timezone.now()
        experiment.save(update_fields=["status", "started_at"])
        _event(experiment, "started", user)


def stop(experiment: Experiment, user: User, now: datetime | None = None) -> None:
    if not may_approve(user):
        raise ExperimentError(_("Solo un supervisor inicia o detiene un experimento."))
    if experiment.status != Experiment.Status.RUNNING:
        raise ExperimentError(_("El experimento no está en curso."))
    with transaction.atomic():
        experiment.status = Experiment.Status.STOPPED
        experiment.stopped_at = now or timezone.now()
        experiment.save(update_fields=["status", "stopped_at"])
        _event(experiment, "stopped", user)


def promote(experiment: Experiment, user: User, now: datetime | None = None) -> Variant:
    """Make the readout's winner the step's template; only a supervisor, only a real winner."""
    if not may_approve(user):
        raise ExperimentError(_("Solo un supervisor aplica el ganador."))
    if experiment.status == Experiment.Status.PROMOTED:
        raise ExperimentError(_("El ganador ya se aplicó."))
    found = readout(experiment, now or timezone.now())
    if found.verdict.state != "winner" or found.verdict.winner is None:
        raise ExperimentError(
            _("Aún no hay un ganador según la regla de parada: no se puede aplicar.")
        )
    winner = Variant.objects.get(pk=found.verdict.winner)
    with transaction.atomic():
        step = Step.objects.select_for_update().get(pk=experiment.step_id)
        before = step.template_key
        if winner.template_key:
            step.template_key = winner.template_key
            step.save(update_fields=["template_key"])
        experiment.status = Experiment.Status.PROMOTED
        experiment.winner = winner
        experiment.stopped_at = experiment.stopped_at or now or timezone.now()
        experiment.save(update_fields=["status", "winner", "stopped_at"])
        _event(
            experiment,
            "promoted",
            user,
            variant=winner.name,
            template_before=before,
            template_after=step.template_key,
            send_hour=winner.send_hour,
        )
    return winner


def _hour_start(window_start: datetime, zone: str, hour: int) -> datetime:
    local = window_start.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(hour), tzinfo=ZoneInfo(zone))


def apply_to_plan(day: date, now: datetime | None = None) -> dict[str, int]:
    """Put the day's planned contacts of every running experiment's step in their arms."""
    now = now or timezone.now()
    totals: defaultdict[str, int] = defaultdict(int)
    for experiment in Experiment.objects.filter(status=Experiment.Status.RUNNING):
        arms = {arm.pk: arm for arm in experiment.variants.all()}
        ranges = rules.arms_by_bucket(
            [rules.Arm(arm.pk, arm.weight, arm.holdout) for arm in arms.values()],
            experiment.holdout_percent,
        )
        rows = Outreach.objects.filter(
            creditor_id=experiment.creditor_id,
            step_id=experiment.step_id,
            status=Outreach.Status.PLANNED,
            variant__isnull=True,
            planned_on__lte=day,
        ).values_list("id", "debtor_id", "window_start", "debtor__timezone")
        placements, assigned = [], []
        for outreach_id, debtor_id, window_start, zone in rows.iterator(chunk_size=5000):
            arm = arms[rules.assign(ranges, experiment.pk, debtor_id)]
            start = (
                _hour_start(window_start, zone, arm.send_hour)
                if arm.send_hour is not None and not arm.holdout
                else None
            )
            placements.append(
                VariantPlacement(outreach_id, arm.pk, arm.template_key, start, arm.holdout)
            )
            assigned.append(
                Assignment(experiment=experiment, debtor_id=debtor_id, variant=arm, assigned_at=now)
            )
        with transaction.atomic():
            Assignment.objects.bulk_create(assigned, batch_size=2000, ignore_conflicts=True)
            for key, count in record_variants(placements).items():
                totals[key] += count
    return dict(totals)


@dataclass(frozen=True)
class Readout:
    arms: list[rules.ArmResult]
    verdict: rules.Verdict
    pending: int  # assigned debtors whose outcome window is still open


def readout(experiment: Experiment, now: datetime) -> Readout:
    """Payment within ``outcome_days`` of assignment, per arm, with the verdict."""
    horizon = timedelta(days=experiment.outcome_days)
    closed: dict[int, tuple[int, datetime]] = {}
    pending = 0
    for debtor_id, variant_id, assigned_at in Assignment.objects.filter(
        experiment=experiment
    ).values_list("debtor_id", "variant_id", "assigned_at"):
        if assigned_at + horizon <= now:
            closed[debtor_id] = (variant_id, assigned_at)
        else:
            pending += 1
    paid: dict[int, float] = {}
    ids = list(closed)
    for start in range(0, len(ids), 2000):
        batch = ids[start : start + 2000]
        for debtor_id, paid_at, amount in Payment.objects.filter(
            debtor_id__in=batch, status=Payment.Status.RECEIVED
        ).values_list("debtor_id", "paid_at", "amount"):
            _, assigned_at = closed[debtor_id]
            if assigned_at <= paid_at < assigned_at + horizon:
                paid[debtor_id] = paid.get(debtor_id, 0.0) + float(amount)
    per_arm: defaultdict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for debtor_id, (variant_id, _) in closed.items():
        entry = per_arm[variant_id]
        entry[0] += 1
        if debtor_id in paid:
            entry[1] += 1
            entry[2] += paid[debtor_id]
    results = [
        rules.arm_result(
            arm.pk,
            arm.name,
            arm.holdout,
            int(per_arm[arm.pk][0]),
            int(per_arm[arm.pk][1]),
            round(per_arm[arm.pk][2], 2),
        )
        for arm in experiment.variants.all()
    ]
    return Readout(results, rules.verdict(results, experiment.min_per_arm), pending)

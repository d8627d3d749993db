"""The experiments pages of the back office (/equipo/experimentos/): thin views.

Scoped to the user's creditors (another creditor's experiment is a 404);
creating needs a role that writes, starting, stopping and promoting a
winner need a supervisor (``experiments.py`` checks both again).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.learning import experiments
from recaudo.learning.explain import band_thresholds
from recaudo.learning.models import Experiment, ScoreModel
from recaudo.policies.models import Step
from recaudo.roles import may_approve, may_write

MAX_VARIANTS = 5


def _steps(request: AgentRequest) -> QuerySet[Step]:
    return scoped(
        Step.objects.filter(action__in=Step.WRITTEN, policy__creditor__isnull=False),
        creditor_scope(request.user),
        "policy__creditor_id",
    ).select_related("policy", "policy__creditor")


class ExperimentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=200)
    step = forms.ModelChoiceField(label=gettext_lazy("Paso"), queryset=Step.objects.none())
    variants = forms.CharField(
        label=gettext_lazy("Variantes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Una por línea: nombre | plantilla | hora local (plantilla y hora son opcionales)."
        ),
    )
    holdout_percent = forms.IntegerField(
        label=gettext_lazy("Grupo sin mensaje (%)"), min_value=0, max_value=50, initial=0
    )
    outcome_days = forms.IntegerField(
        label=gettext_lazy("Días para pagar"), min_value=1, max_value=90, initial=30
    )
    min_per_arm = forms.IntegerField(
        label=gettext_lazy("Mínimo por grupo"), min_value=50, initial=400
    )

    def clean_variants(self) -> list[experiments.VariantSpec]:
        specs = []
        lines = [line for line in self.cleaned_data["variants"].splitlines() if line.strip()]
        if len(lines) > MAX_VARIANTS:
            raise forms.ValidationError(_("Como mucho %(count)s variantes.") % {"count": 5})
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 3:
                raise forms.ValidationError(
                    _("Línea %(line)s: nombre | plantilla | hora.") % {"line": number}
                )
            name, key, hour = [*parts, "", ""][:3]
            if hour and not hour.isdigit():
                raise forms.ValidationError(
                    _("Línea %(line)s: la hora es un número de 0 a 23.") % {"line": number}
                )
            specs.append(experiments.VariantSpec(name, 1, key, int(hour) if hour else None))
        return specs


@staff_only
def index(request: AgentRequest) -> HttpResponse:
    scope = creditor_scope(request.user)
    form = ExperimentForm(request.POST or None)
    form.fields["step"].queryset = _steps(request)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        step = form.cleaned_data["step"]
        try:
            created = experiments.create(
                step.policy.creditor,
                step,
                request.user,
                name=form.cleaned_data["name"],
                variants=form.cleaned_data["variants"],
                holdout_percent=form.cleaned_data["holdout_percent"],
                outcome_days=form.cleaned_data["outcome_days"],
                min_per_arm=form.cleaned_data["min_per_arm"],
            )
        except experiments.ExperimentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Experimento creado en borrador."))
            return redirect(reverse("learning:experiment", args=[created.pk]))
    elif request.method == "POST":
        messages.error(request, _("Revise el formulario."))
    listed = scoped(Experiment.objects.select_related("creditor", "step", "step__policy"), scope)
    models = scoped(ScoreModel.objects.filter(active=True).select_related("creditor"), scope)
    return render(
        request,
        "learning/experiments.html",
        {
            "experiments": listed[:100],
            "form": form,
            "may_write": may_write(request.user),
            "models": models,
            "thresholds": band_thresholds(),
        },
    )


def _experiment(request: AgentRequest, experiment_id: int) -> Experiment:
    return get_object_or_404(
        scoped(Experiment.objects.select_related("creditor", "step"), creditor_scope(request.user)),
        pk=experiment_id,
    )


@staff_only
def detail(request: AgentRequest, experiment_id: int) -> HttpResponse:
    found = _experiment(request, experiment_id)
    result = experiments.readout(found, timezone.now())
    return render(
        request,
        "learning/experiment.html",
        {
            "experiment": found,
            "readout": result,
            "winner_name": next(
                (arm.name for arm in result.arms if arm.id == result.verdict.winner), ""
            ),
            "events": found.events.all(),
            "may_approve": may_approve(request.user),
        },
    )


def _act(request: AgentRequest, experiment_id: int, action: str) -> HttpResponse:
    found = _experiment(request, experiment_id)
    try:
        if action == "start":
            experiments.start(found, request.user)
            messages.success(request, _("Experimento en curso."))
        elif action == "stop":
            experiments.stop(found, request.user)
            messages.success(request, _("Experimento detenido."))
        else:
            winner = experiments.promote(found, request.user)
            messages.success(request, _("Ganador aplicado: %(name)s.") % {"name": winner.name})
    except experiments.ExperimentError as error:
        messages.error(request, str(error))
    return redirect(reverse("learning:experiment", args=[experiment_id]))


@staff_only
@require_POST
def start(request: AgentRequest, experiment_id: int) -> HttpResponse:
    return _act(request, experiment_id, "start")


@staff_only
@require_POST
def stop(request: AgentRequest, experiment_id: int) -> HttpResponse:
    return _act(request, experiment_id, "stop")


@staff_only
@require_POST
def promote(request: AgentRequest, experiment_id: int) -> HttpResponse:
    return _act(request, experiment_id, "promote")

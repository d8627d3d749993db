"""Campaigns from the staff pages (`/equipo/campanas/`): the creditor's campaigns with their
results, a form to schedule one, and cancelling one not yet launched.

``outreach.campaigns.create`` checks and saves (its ``InputError`` names the
field); ``launch`` stays the worker's, on the send day. Reading is everyone's
on the staff, for their creditors; scheduling and cancelling are a
supervisor's or an admin's, audited as ``StrategyChange`` rows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recaudo.channels import WRITTEN_CHANNELS
from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.outreach import campaigns
from recaudo.outreach.models import Campaign
from recaudo.policies.models import Segment, StrategyChange, Template
from recaudo.portfolio.models import Creditor
from recaudo.portfolio.rules import InputError
from recaudo.roles import may_approve
from recaudo.staff.actions import actor
from recaudo.staff.strategy import chosen_creditor, effective_segments, visible_creditors
from recaudo.staff.strategy_forms import OrderedChoicesField

LISTED = 20


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=200)
    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segmento"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=gettext_lazy("todos los que deben"),
    )
    template_key = forms.CharField(
        label=gettext_lazy("Plantilla"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "template-keys"}),
    )
    channels = OrderedChoicesField(
        [("", "—"), *((name, name) for name in WRITTEN_CHANNELS)],
        3,
        label=gettext_lazy("Canales en orden de preferencia"),
    )
    send_on = forms.DateField(
        label=gettext_lazy("Enviar el día"), widget=forms.DateInput(attrs={"type": "date"})
    )
    send_until = forms.DateField(
        label=gettext_lazy("Enviar hasta el día"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    results_days = forms.IntegerField(
        label=gettext_lazy("Días para contar pagos"), initial=7, min_value=1, max_value=90
    )

    def __init__(self, *args: Any, creditor: Creditor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segments, _inherited = effective_segments(creditor)
        field = self.fields["segment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Segment.objects.filter(pk__in=[segment.pk for segment in segments])


def _asked(request: AgentRequest, value: str | None) -> Creditor:
    creditor = chosen_creditor(request.user, value)
    if creditor is None or (value is not None and str(creditor.pk) != value):
        raise Http404
    return creditor


def _writer(request: AgentRequest) -> None:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor edita la estrategia de sus acreedores."))


def _record(campaign: Campaign, request: AgentRequest, before: dict[str, Any]) -> None:
    StrategyChange.objects.create(
        kind=StrategyChange.Kind.CAMPAIGN,
        object_id=campaign.pk,
        creditor_id=campaign.creditor_id,
        actor=actor(request.user),
        before=before,
        after={
            "name": campaign.name,
            "segment": campaign.segment_id,
            "template_key": campaign.template_key,
            "channels": campaign.channels,
            "send_on": campaign.send_on.isoformat(),
            "send_until": campaign.send_until.isoformat(),
            "results_days": campaign.results_days,
            "status": campaign.status,
        },
    )


@staff_only
def campaign_list(request: AgentRequest) -> HttpResponse:
    wanted = request.GET.get("acreedor") or request.POST.get("acreedor")
    creditor = _asked(request, wanted)
    form = CampaignForm(creditor=creditor)
    if request.method == "POST":
        _writer(request)
        form = CampaignForm(request.POST, creditor=creditor)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    made = campaigns.create(
                        creditor,
                        name=data["name"],
                        template_key=data["template_key"],
                        send_on=data["send_on"],
                        today=timezone.now().date(),
                        send_until=data["send_until"],
                        segment=data["segment"],
                        channels=data["channels"],
                        results_days=data["results_days"],
                        created_by=actor(request.user),
                    )
                    _record(made, request, {})
            except InputError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Campaña programada."))
                return redirect(f"{reverse('staff:campaigns')}?acreedor={creditor.pk}")
    rows = scoped(Campaign.objects.select_related("segment"), creditor_scope(request.user))
    listed = list(rows.filter(creditor=creditor).order_by("-send_on", "-pk")[:LISTED])
    keys = Template.objects.filter(creditor__isnull=True) | Template.objects.filter(
        creditor=creditor
    )
    return render(
        request,
        "staff/campaigns.html",
        {
            "creditor": creditor,
            "creditors": visible_creditors(request.user)[:200],
            "rows": [
                (item, campaigns.describe(item) if item.status == Campaign.Status.LAUNCHED else [])
                for item in listed
            ],
            "form": form,
            "may_approve": may_approve(request.user),
            "template_keys": sorted(set(keys.values_list("key", flat=True))),
        },
        status=400 if form.errors else 200,
    )


@staff_only
@require_POST
def campaign_cancel(request: AgentRequest, campaign_id: int) -> HttpResponse:
    scope = creditor_scope(request.user)
    found = get_object_or_404(scoped(Campaign.objects.all(), scope), pk=campaign_id)
    _writer(request)
    with transaction.atomic():
        done = Campaign.objects.filter(pk=found.pk, status=Campaign.Status.SCHEDULED).update(
            status=Campaign.Status.CANCELLED
        )
        if done:
            before = {"status": found.status}
            found.refresh_from_db()
            _record(found, request, before)
    if done:
        messages.success(request, _("Campaña cancelada: no se lanzará."))
    else:
        messages.error(request, _("Solo se cancela una campaña que aún no se lanzó."))
    return redirect(f"{reverse('staff:campaigns')}?acreedor={found.creditor_id}")

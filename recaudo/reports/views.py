"""The staff page ``/equipo/exportaciones/``: choose an export and download it.

Every staff role may export what its scope shows (a creditor viewer: their
client; an auditor: every creditor). The download is a GET (readers may not
POST), is scoped like every staff page (another creditor is a 404) and is
recorded (``ExportRecord``) before its first row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.portfolio.models import Creditor
from recaudo.reports.actions import record_export
from recaudo.reports.datasets import DATASETS, ExportError
from recaudo.reports.models import ExportRecord
from recaudo.reports.responses import export_response, file_name


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Qué exportar"))
    creditor = forms.ModelChoiceField(
        label=_("Acreedor"),
        queryset=Creditor.objects.none(),
        required=False,
        empty_label=_("Todos los que veo"),
    )
    period_from = forms.DateField(
        label=_("Desde"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("Hasta"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file_format = forms.ChoiceField(
        label=_("Formato"), choices=[("csv", "CSV"), ("xlsx", "XLSX (Excel)")]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (key, data.title) for key, data in DATASETS.items()
        ]
        creditors = scoped(Creditor.objects.all(), creditor_scope(user), "pk").order_by("name")
        self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]


@staff_only
def exports(request: AgentRequest) -> HttpResponse:
    recent = ExportRecord.objects.filter(user=request.user).order_by("-created_at", "-pk")[:10]
    return render(
        request,
        "reports/exports.html",
        {"form": ExportForm(user=request.user), "recent": recent, "kinds": DATASETS},
    )


@staff_only
def download(request: AgentRequest) -> HttpResponse:
    scope = creditor_scope(request.user)
    asked = request.GET.get("creditor", "")
    if asked and not scoped(Creditor.objects.filter(pk=asked if asked.isdigit() else 0),
                            scope, "pk").exists():  # fmt: skip
        raise Http404  # another creditor's export: as if it did not exist
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "reports/exports.html",
            {"form": form, "recent": [], "kinds": DATASETS},
            status=400,
        )
    values = form.cleaned_data
    creditor: Creditor | None = values["creditor"]
    chosen = frozenset({creditor.pk}) if creditor else scope
    data = DATASETS[values["kind"]]
    try:
        data.queryset(chosen, values["period_from"], values["period_to"])
    except ExportError as error:
        form.add_error("period_to", str(error))
        return render(
            request,
            "reports/exports.html",
            {"form": form, "recent": [], "kinds": DATASETS},
            status=400,
        )
    record_export(
        actor=f"staff:{request.user.get_username()}",
        user_id=request.user.pk,
        kind=data.key,
        file_format=values["file_format"],
        scope=chosen,
        creditor=creditor,
        period_from=values["period_from"],
        period_to=values["period_to"],
    )
    name = file_name(
        data,
        values["file_format"],
        creditor.name if creditor else "",
        values["period_from"],
        values["period_to"],
    )
    # A streamed response is an HttpResponseBase; staff_only's type names HttpResponse.
    return export_response(  # type: ignore[return-value]
        data,
        values["file_format"],
        chosen,
        name=name,
        period_from=values["period_from"],
        period_to=values["period_to"],
        byte_order_mark=True,
    )

"""The back office's pages for outgoing webhooks: endpoints (admins) and delivery logs.

Admins make, enable, disable and replay endpoints; admins and supervisors
read the delivery log. Every page is scoped to the user's creditors (another
creditor's endpoint is a 404); other roles get 403.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.integrations import actions
from recaudo.integrations.models import Delivery, Endpoint
from recaudo.portfolio.models import Creditor
from recaudo.portfolio.outbound import EventType
from recaudo.roles import ADMIN, APPROVERS, role_of


class EndpointForm(forms.Form):
    creditor = forms.ModelChoiceField(
        queryset=Creditor.objects.none(), label=gettext_lazy("Acreedor")
    )
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=100)
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Eventos (ninguno: todos)"),
        choices=[(name, name) for name in EventType.ALL],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ReplayForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("Reenviar desde"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _visible(request: AgentRequest) -> QuerySet[Endpoint]:
    if role_of(request.user) not in APPROVERS:
        raise PermissionDenied(_("Solo administradores y supervisores ven las integraciones."))
    return scoped(Endpoint.objects.select_related("creditor"), creditor_scope(request.user))


def _admin_only(request: AgentRequest) -> None:
    if role_of(request.user) != ADMIN:
        raise PermissionDenied(_("Solo un administrador cambia las integraciones."))


def _creditors(request: AgentRequest) -> QuerySet[Creditor]:
    return scoped(Creditor.objects.order_by("name"), creditor_scope(request.user), "pk")


def _limit_creditors(form: EndpointForm, request: AgentRequest) -> None:
    field = form.fields["creditor"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = _creditors(request)


@staff_only
def endpoints(request: AgentRequest) -> HttpResponse:
    rows = _visible(request).annotate(
        waiting=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
        given_up=Count("deliveries", filter=Q(deliveries__status="failed")),
    )
    form = EndpointForm(request.POST or None)
    _limit_creditors(form, request)
    secret = ""
    if request.method == "POST":
        _admin_only(request)
        if form.is_valid():
            try:
                made, secret = actions.create_endpoint(
                    form.cleaned_data["creditor"],
                    name=form.cleaned_data["name"],
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                )
            except actions.EndpointError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Destino «%(name)s» creado.") % {"name": made.name})
                form = EndpointForm()
                _limit_creditors(form, request)
    return render(
        request,
        "integrations/endpoints.html",
        {
            "rows": rows.order_by("creditor__name", "name"),
            "form": form,
            "secret": secret,  # shown this once, never again
            "is_admin": role_of(request.user) == ADMIN,
        },
    )


@staff_only
def deliveries(request: AgentRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(_visible(request), pk=endpoint_id)
    rows = endpoint.deliveries.select_related("event").order_by("-updated_at", "-pk")
    status = request.GET.get("estado", "")
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 100).get_page(request.GET.get("pagina"))
    return render(
        request,
        "integrations/deliveries.html",
        {
            "endpoint": endpoint,
            "page": page,
            "status": status,
            "statuses": Delivery.Status.choices,
            "replay_form": ReplayForm(),
            "is_admin": role_of(request.user) == ADMIN,
        },
    )


def _endpoint_for_admin(request: AgentRequest, endpoint_id: int) -> Endpoint:
    endpoint = get_object_or_404(_visible(request), pk=endpoint_id)
    _admin_only(request)
    return endpoint


@staff_only
@require_POST
def enable(request: AgentRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_for_admin(request, endpoint_id)
    actions.enable(endpoint.pk)
    messages.success(request, _("Destino activado: lo pendiente se envía."))
    return redirect("integrations:deliveries", endpoint.pk)


@staff_only
@require_POST
def disable(request: AgentRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_for_admin(request, endpoint_id)
    actions.disable(endpoint.pk, reason=f"staff:{request.user.get_username()}")
    messages.success(request, _("Destino desactivado."))
    return redirect("integrations:deliveries", endpoint.pk)


@staff_only
@require_POST
def replay(request: AgentRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_for_admin(request, endpoint_id)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indique desde qué fecha reenviar."))
    else:
        since = datetime.combine(form.cleaned_data["since"], time(0), tzinfo=UTC)
        count = actions.replay(endpoint.pk, since=since)
        messages.success(
            request, _("%(count)s eventos se reenviarán, en orden por deudor.") % {"count": count}
        )
    return redirect("integrations:deliveries", endpoint.pk)

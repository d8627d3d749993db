"""The staff application: the home per role, the debtor 360, debtors and approvals.

Thin views over ``home.py``, ``story.py``, ``contact_today.py`` and
``actions.py``. Every page is scoped to the user's creditors (another
creditor's debtor or request is a 404) and every POST is refused (403) to a
role that only reads (``conversations.views.staff_only``); deciding a request
is a supervisor's or an admin's.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.conversations.models import Thread
from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped, visible_debtors
from recaudo.conversations.views import staff_only
from recaudo.languages import staff_money
from recaudo.learning.explain import score_view
from recaudo.payments import debit
from recaudo.payments.models import DebtorRequest
from recaudo.payments.terms import debtor_today, plan_quote
from recaudo.portfolio.contact_points import state_of
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor
from recaudo.roles import may_approve, may_write, role_label
from recaudo.staff import actions
from recaudo.staff.contact_today import explain
from recaudo.staff.home import figures, pending_requests, todays_work
from recaudo.staff.story import story


class PauseForm(forms.Form):
    until = forms.DateField(
        label=gettext_lazy("En pausa hasta el"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("Motivo"), max_length=2000)


class PromiseForm(forms.Form):
    promised_on = forms.DateField(
        label=gettext_lazy("Fecha prometida"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Monto prometido"), min_value=Decimal("0.01"), decimal_places=2
    )


class ContactPointForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Tipo"), choices=ContactPoint.Kind.choices)
    value = forms.CharField(label=gettext_lazy("Teléfono o correo"), max_length=254)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motivo"), max_length=2000)


def _problems(form: forms.Form) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
    )


# --- Home ----------------------------------------------------------------------------


@staff_only
def home(request: AgentRequest) -> HttpResponse:
    return render(
        request,
        "staff/home.html",
        {
            "work": todays_work(request.user),
            "figures": figures(request.user),
            "role": role_label(request.user),
            "may_approve": may_approve(request.user),
        },
    )


# --- Debtors ---------------------------------------------------------------------------


@staff_only
def debtors(request: AgentRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = visible_debtors(request.user).filter(erased_at__isnull=True)
    if query:
        found = _search(found, query)
    return render(
        request,
        "staff/debtors.html",
        {"debtors": found.order_by("full_name", "pk")[:50], "query": query},
    )


def _search(debtors: QuerySet[Debtor], query: str) -> QuerySet[Debtor]:
    """An id or a document exactly; a phone (+57...) or an e-mail exactly as stored;
    else a part of the name. Exact matches keep the search fast on large portfolios
    (a part of a phone or an address would read every contact point)."""
    exact = Q(external_id=query) | Q(national_id_number=query)
    compact = query.replace(" ", "")
    if "@" in query or compact.lstrip("+").isdigit():
        points = ContactPoint.objects.filter(value__in={compact, compact.lower()})
        return debtors.filter(exact | Q(pk__in=points.values("debtor_id")))
    return debtors.filter(exact | Q(full_name__icontains=query))


def _debtor(request: AgentRequest, debtor_id: int) -> Debtor:
    return get_object_or_404(visible_debtors(request.user), pk=debtor_id)


def _agents_for(debtor: Debtor) -> list[User]:
    staff = User.objects.filter(is_active=True, is_staff=True).order_by("username")
    return [
        user
        for user in staff
        if may_write(user)
        and ((scope := creditor_scope(user)) is None or debtor.creditor_id in scope)
    ]


@staff_only
def debtor(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    debts = list(Debt.objects.filter(debtor=found).order_by("due_on", "pk"))
    context: dict[str, Any] = {
        "debtor": found,
        "debts": [
            (debt, staff_money(debt.balance, debt.currency, found.country)) for debt in debts
        ],
        "collectible": [debt for debt in debts if debt.status in Debt.COLLECTIBLE],
        "contact": explain(found),
        "events": story(found),
        "score": score_view(found.pk),
        "thread": Thread.objects.filter(debtor=found).first(),
        "may_write": may_write(request.user),
        "agents": _agents_for(found) if may_write(request.user) else [],
        "pause_form": PauseForm(initial={"until": debtor_today(found) + timedelta(days=7)}),
        "promise_form": PromiseForm(
            initial={"promised_on": debtor_today(found) + timedelta(days=7)}
        ),
        "contact_point_form": ContactPointForm(),
        "points": _points(found),
        "plans": _plans(found) if may_write(request.user) else [],
        "debtor_timezone": found.timezone,
        "debit": _debit(found),
        "may_cancel_debit": may_approve(request.user),
    }
    return render(request, "staff/debtor.html", context)


def _debit(debtor: Debtor) -> dict[str, Any] | None:
    """The debtor's active direct debit: the mandate and its next charge (date, amount)."""
    mandate = debit.active_mandate(debtor.pk)
    if mandate is None:
        return None
    shown = debit.debit_view(mandate.plan, mandate.provider)
    return {
        "mandate": mandate,
        "next_on": shown.next_due_on,
        "next_amount": (
            staff_money(Decimal(shown.next_amount), mandate.plan.currency, debtor.country)
            if shown.next_amount
            else ""
        ),
    }


def _points(debtor: Debtor) -> list[dict[str, Any]]:
    """Each contact point with its state and, per channel of its kind, the consent."""
    points = list(ContactPoint.objects.filter(debtor=debtor).order_by("kind", "pk"))
    consents: dict[tuple[int, str], ChannelConsent] = {
        (consent.contact_point_id, consent.channel): consent
        for consent in ChannelConsent.objects.filter(contact_point__in=points)
    }
    labels = dict(ContactPoint.Channel.choices)
    rows = []
    for point in points:
        kinds = (
            ContactPoint.PHONE_CHANNELS if point.kind == "phone" else ContactPoint.EMAIL_CHANNELS
        )
        rows.append(
            {
                "point": point,
                "state": state_of(point),
                "consents": [
                    (channel, labels.get(channel, channel), consents.get((point.pk, channel)))
                    for channel in kinds
                ],
            }
        )
    return rows


def _plans(debtor: Debtor) -> list[tuple[int, str]]:
    """The plans the debtor's segment offers now, as "count: down payment + count x amount"."""
    quote = plan_quote(debtor)
    rows = []
    for choice in quote.choices:
        down = sum((item.amount for item in choice.schedule if item.number == 0), Decimal(0))
        monthly = next((item.amount for item in choice.schedule if item.number == 1), Decimal(0))
        rows.append(
            (
                choice.count,
                _("%(down)s hoy y %(count)s cuotas de %(amount)s")
                % {
                    "down": staff_money(down, quote.currency, debtor.country),
                    "count": choice.count,
                    "amount": staff_money(monthly, quote.currency, debtor.country),
                },
            )
        )
    return rows


def _back(debtor_id: int) -> HttpResponse:
    return redirect(reverse("staff:debtor", args=[debtor_id]))


@staff_only
@require_POST
def pause(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Revise la pausa: %(problems)s") % {"problems": _problems(form)})
        return _back(debtor_id)
    try:
        actions.pause(
            found,
            request.user,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Recordatorios en pausa."))
    return _back(debtor_id)


@staff_only
@require_POST
def dispute(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    try:
        debt_ids = [int(value) for value in request.POST.getlist("debts")]
    except ValueError:
        debt_ids = []
    try:
        actions.mark_dispute(
            found, request.user, debt_ids=debt_ids, reason=request.POST.get("reason", "")
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Disputa registrada: queda para revisión."))
    return _back(debtor_id)


@staff_only
@require_POST
def send_link(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    try:
        actions.send_link(found, request.user)
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Enlace de pago en cola para enviar."))
    return _back(debtor_id)


@staff_only
@require_POST
def hand_over(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    agent = User.objects.filter(pk=request.POST.get("agent") or 0).first()
    try:
        if agent is None:
            raise actions.StaffError(_("Elija un agente que trabaje para este acreedor."))
        actions.hand_to_agent(
            found, request.user, agent=agent, reason=request.POST.get("reason", "")
        )
    except (actions.StaffError, ValueError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Conversación asignada."))
    return _back(debtor_id)


@staff_only
@require_POST
def add_point(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    form = ContactPointForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.StaffError(
                _("Revise el dato de contacto: %(problems)s") % {"problems": _problems(form)}
            )
        actions.add_contact_point(
            found, request.user, kind=form.cleaned_data["kind"], value=form.cleaned_data["value"]
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Dato de contacto agregado."))
    return _back(debtor_id)


def _number(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@staff_only
@require_POST
def point_state(request: AgentRequest, debtor_id: int, point_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    try:
        changed = actions.set_contact_point_state(
            found,
            request.user,
            point_id=point_id,
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", ""),
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Dato de contacto actualizado.") if changed else _("No había nada que cambiar."),
        )
    return _back(debtor_id)


@staff_only
@require_POST
def consent(request: AgentRequest, debtor_id: int, point_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    try:
        actions.set_consent(
            found,
            request.user,
            point_id=point_id,
            channel=request.POST.get("channel", ""),
            granted=request.POST.get("granted") == "1",
            source=request.POST.get("source", ""),
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Consentimiento guardado."))
    return _back(debtor_id)


@staff_only
@require_POST
def promise(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    form = PromiseForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.StaffError(
                _("Revise la promesa: %(problems)s") % {"problems": _problems(form)}
            )
        actions.create_promise(
            found,
            request.user,
            promised_on=form.cleaned_data["promised_on"],
            amount=form.cleaned_data["amount"],
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Promesa de pago registrada."))
    return _back(debtor_id)


@staff_only
@require_POST
def plan(request: AgentRequest, debtor_id: int) -> HttpResponse:
    found = _debtor(request, debtor_id)
    try:
        actions.create_plan(found, request.user, count=_number(request.POST.get("count")))
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Plan de cuotas acordado: se le envía al deudor."))
    return _back(debtor_id)


@staff_only
@require_http_methods(["GET", "POST"])
def debit_cancel(request: AgentRequest, debtor_id: int) -> HttpResponse:
    """GET: what will be cancelled, and the button; POST: cancel (supervisors and admins)."""
    found = _debtor(request, debtor_id)
    if not may_approve(request.user):
        raise PermissionDenied(
            _("Solo un supervisor o un administrador cancela una domiciliación.")
        )
    if request.method == "GET":
        shown = _debit(found)
        if shown is None:
            messages.error(request, _("El deudor no tiene una domiciliación activa."))
            return _back(debtor_id)
        return render(request, "staff/debit_cancel.html", {"debtor": found, "debit": shown})
    try:
        actions.cancel_debit(found, request.user)
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Domiciliación cancelada: no habrá más cobros automáticos; se le avisa al deudor."),
        )
    return _back(debtor_id)


# --- Approvals ---------------------------------------------------------------------------


@staff_only
def approvals(request: AgentRequest) -> HttpResponse:
    waiting = (
        pending_requests(creditor_scope(request.user))
        .select_related("debtor", "creditor")
        .order_by("created_at", "pk")[:200]
    )
    rows = [
        (
            item,
            staff_money(item.amount, item.currency, item.debtor.country) if item.amount else "",
            staff_money(item.owed, item.currency, item.debtor.country) if item.owed else "",
        )
        for item in waiting
    ]
    return render(
        request,
        "staff/approvals.html",
        {"rows": rows, "may_approve": may_approve(request.user)},
    )


@staff_only
@require_POST
def decide(request: AgentRequest, request_id: int) -> HttpResponse:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor aprueba o rechaza pedidos."))
    asked = get_object_or_404(
        scoped(DebtorRequest.objects.all(), creditor_scope(request.user)), pk=request_id
    )
    approve = request.POST.get("decision") == "approve"
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.StaffError(_("Escriba el motivo."))
        done = actions.decide_request(
            asked, request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        if not done:
            messages.error(request, _("Ese pedido ya estaba decidido."))
        elif approve:
            messages.success(request, _("Pedido aprobado: se le avisa al deudor."))
        else:
            messages.success(request, _("Pedido rechazado: se le avisa al deudor."))
    return redirect(reverse("staff:approvals"))

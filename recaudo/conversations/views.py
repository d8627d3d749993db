"""The agent inbox: the queue, one conversation, and what an agent can do in it.

Thin views over ``actions.py``; staff only; plain forms (works without JS).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from recaudo.conversations import actions
from recaudo.conversations.calls import OUTCOMES, balance, check_call, worklist
from recaudo.conversations.models import Thread
from recaudo.conversations.scope import visible_call_tasks, visible_threads
from recaudo.conversations.timeline import as_csv, debtor_timeline, timeline

CANNED_ANSWERS = (
    _("Hola, le habla una persona del equipo de cobranza. ¿En qué le puedo ayudar?"),
    _("Recibimos su comprobante; lo revisamos y le confirmamos hoy mismo."),
    _("Podemos ofrecerle un plan de cuotas. ¿Cuánto podría pagar al mes?"),
)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Respuesta"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Nota interna"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class OutcomeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motivo de no pago"),
        choices=[("", "—"), *Thread.NonPayment.choices],
        required=False,
    )
    outcome = forms.CharField(label=_("Resultado"), max_length=200, required=False)


class TemplateForm(forms.Form):
    template = forms.CharField(max_length=60)


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Resultado de la llamada"), choices=OUTCOMES.items())
    promise_date = forms.DateField(
        label=_("Fecha prometida"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    promise_amount = forms.DecimalField(
        label=_("Monto prometido"), required=False, min_value=Decimal("0.01"), decimal_places=2
    )
    note = forms.CharField(label=_("Nota"), max_length=500, required=False)


def _threads_for(request: HttpRequest) -> QuerySet[Thread]:
    return visible_threads(request.user)


@staff_member_required
def queue(request: HttpRequest) -> HttpResponse:
    threads = (
        _threads_for(request)
        .filter(state__in=Thread.QUEUE_STATES)
        .filter(
            Q(assigned_to__isnull=True) | Q(assigned_to=request.user) | Q(state="waiting_agent")
        )
        .order_by("state", "urgency", "-balance_at_handoff", "handed_off_at", "pk")
    )
    return render(request, "conversations/queue.html", {"threads": threads})


@staff_member_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    found = get_object_or_404(_threads_for(request), pk=thread_id)
    window_closed = found.last_channel == "whatsapp" and (
        found.whatsapp_window_until is None or found.whatsapp_window_until <= timezone.now()
    )
    context = {
        "thread": found,
        "window_closed": window_closed,
        "templates": actions.whatsapp_templates(found) if window_closed else [],
        "entries": timeline(found),
        "answer_form": AnswerForm(),
        "note_form": NoteForm(),
        "outcome_form": OutcomeForm(
            initial={"reason": found.non_payment_reason, "outcome": found.outcome}
        ),
        "canned_answers": CANNED_ANSWERS,
    }
    return render(request, "conversations/thread.html", context)


def _back(thread_id: int) -> HttpResponse:
    return redirect(reverse("inbox:thread", args=[thread_id]))


@staff_member_required
@require_POST
def take(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    try:
        actions.take(thread_id, request.user)  # type: ignore[arg-type]
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _back(thread_id)


@staff_member_required
@require_POST
def answer(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Escriba una respuesta."))
        return _back(thread_id)
    try:
        actions.answer(thread_id, request.user, form.cleaned_data["text"])  # type: ignore[arg-type]
        messages.success(request, _("Respuesta en cola para enviar."))
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _back(thread_id)


@staff_member_required
@require_POST
def send_template(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    form = TemplateForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.InboxError(_("Elija una plantilla de WhatsApp de la lista."))
        actions.send_template(thread_id, request.user, form.cleaned_data["template"])  # type: ignore[arg-type]
        messages.success(request, _("Plantilla en cola para enviar."))
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _back(thread_id)


@staff_member_required
@require_POST
def note(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(thread_id, request.user, form.cleaned_data["text"])  # type: ignore[arg-type]
    return _back(thread_id)


@staff_member_required
@require_POST
def outcome(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        actions.record_outcome(
            thread_id,
            request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
            outcome=form.cleaned_data["outcome"],
        )
    return _back(thread_id)


@staff_member_required
@require_POST
def hand_back(request: HttpRequest, thread_id: int) -> HttpResponse:
    get_object_or_404(_threads_for(request), pk=thread_id)
    actions.hand_back(thread_id, request.user, close=request.POST.get("close") == "1")  # type: ignore[arg-type]
    return redirect(reverse("inbox:queue"))


@staff_member_required
def export_csv(request: HttpRequest, thread_id: int) -> HttpResponse:
    found = get_object_or_404(_threads_for(request), pk=thread_id)
    response = HttpResponse(as_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="conversacion-{found.debtor.external_id}.csv"'
    )
    return response


@staff_member_required
def calls(request: HttpRequest) -> HttpResponse:
    tasks = list(worklist(request.user))  # type: ignore[arg-type]
    rows = [(task, check_call(task)) for task in tasks]
    return render(request, "conversations/calls.html", {"rows": rows})


@staff_member_required
def call(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(
        visible_call_tasks(request.user).select_related("debtor", "call_assignment__agent"),
        pk=task_id,
    )
    assignment = getattr(task, "call_assignment", None)
    context = {
        "task": task,
        "assignment": assignment,
        "check": check_call(task),
        "balance": balance(task.debtor),
        "entries": debtor_timeline(task.debtor_id),
        "form": CallOutcomeForm(),
        "thread": Thread.objects.filter(debtor_id=task.debtor_id).first(),
    }
    return render(request, "conversations/call.html", context)


def _back_to_call(task_id: int) -> HttpResponse:
    return redirect(reverse("inbox:call", args=[task_id]))


@staff_member_required
@require_POST
def take_call(request: HttpRequest, task_id: int) -> HttpResponse:
    get_object_or_404(visible_call_tasks(request.user), pk=task_id)
    try:
        actions.take_call(task_id, request.user)  # type: ignore[arg-type]
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _back_to_call(task_id)


@staff_member_required
@require_POST
def record_call(request: HttpRequest, task_id: int) -> HttpResponse:
    get_object_or_404(visible_call_tasks(request.user), pk=task_id)
    form = CallOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Revise el resultado de la llamada."))
        return _back_to_call(task_id)
    try:
        actions.record_call(
            task_id,
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["outcome"],
            promise_date=form.cleaned_data["promise_date"],
            promise_amount=form.cleaned_data["promise_amount"],
            note=form.cleaned_data["note"],
        )
    except actions.InboxError as error:
        messages.error(request, str(error))
        return _back_to_call(task_id)
    messages.success(request, _("Llamada registrada."))
    return redirect(reverse("inbox:calls"))

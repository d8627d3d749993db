"""The agent inbox: the queue, one conversation, and what an agent can do in it.

Thin views over ``actions.py``; staff only; plain forms (works without JS).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from recaudo.conversations import actions
from recaudo.conversations.models import Thread
from recaudo.conversations.timeline import as_csv, timeline

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


def _threads_for(request: HttpRequest):  # type: ignore[no-untyped-def]
    # Staff see every creditor's threads: users are not yet tied to creditors.
    return Thread.objects.select_related("debtor", "creditor", "assigned_to")


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
    context = {
        "thread": found,
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

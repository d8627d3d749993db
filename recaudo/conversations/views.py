"""The agent inbox: the queue, one conversation, and what an agent can do in it.

Thin views over ``actions.py``; staff only. Every action is a plain form
(POST, then a redirect: works without JavaScript); when htmx sends it
(``request.htmx``) the answer is the changed part of the page instead: the
form itself (reset, or with what was typed when it failed) plus the
timeline, the state panel and the messages swapped out of band
(docs/decisions/0008-htmx.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from recaudo.conversations import actions
from recaudo.conversations.calls import (
    OUTCOMES,
    call_back_info,
    check_call,
    follow_up_of,
    worklist,
)
from recaudo.conversations.canned import CANNED_ANSWERS, canned_text, owed_text
from recaudo.conversations.desk import staff_zone
from recaudo.conversations.models import Thread
from recaudo.conversations.panel import panel as debtor_panel
from recaudo.conversations.scope import (
    AgentRequest,
    HtmxRequest,
    remember_scope,
    visible_call_tasks,
    visible_threads,
)
from recaudo.conversations.timeline import as_csv, debtor_timeline, timeline
from recaudo.outreach.models import Outreach
from recaudo.roles import may_write


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Respuesta"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reply_%s")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Nota interna"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class OutcomeForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Motivo de no pago"),
        choices=[("", "—"), *Thread.NonPayment.choices],
        required=False,
    )
    outcome = forms.CharField(label=gettext_lazy("Resultado"), max_length=200, required=False)


class TemplateForm(forms.Form):
    template = forms.CharField(max_length=60)


class WallClockField(forms.DateTimeField):
    """A date and time without a zone (``<input type="datetime-local">``).

    It is the debtor's local time; the action attaches their zone.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(ZoneInfo("UTC")):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Resultado de la llamada"), choices=OUTCOMES.items()
    )
    promise_date = forms.DateField(
        label=gettext_lazy("Fecha prometida"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    promise_amount = forms.DecimalField(
        label=gettext_lazy("Monto prometido"),
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
    )
    call_back_at = WallClockField(
        label=gettext_lazy("Volver a llamar el (hora del deudor)"), required=False
    )
    note = forms.CharField(label=gettext_lazy("Nota"), max_length=500, required=False)


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``staff_member_required``; an htmx request whose session ended reloads the login page
    instead of swapping it into a fragment. A POST (every change) is refused with 403 for
    a role that only reads (creditor viewers, auditors: ``recaudo/roles.py``)."""
    protected = staff_member_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if request.htmx and not (user.is_active and user.is_staff):
            back = request.htmx.current_url_abs_path or reverse("inbox:queue")
            return HttpResponseClientRedirect(
                f"{reverse('admin:login')}?{urlencode({'next': back})}"
            )
        if request.method == "POST" and user.is_staff and not may_write(user):
            raise PermissionDenied(_("Su rol solo permite consultar."))
        if not (user.is_active and user.is_staff):
            return protected(request, *args, **kwargs)
        remember_scope(user)
        # Times on staff pages are the user's (their team's zone); the debtor's are
        # said as such in their own blocks of the templates.
        with timezone.override(ZoneInfo(staff_zone(user))):
            return protected(request, *args, **kwargs)

    return wrapper


def _fragments(
    request: AgentRequest, main: str, out_of_band: Iterable[str], context: dict[str, Any]
) -> HttpResponse:
    """``main`` swapped where the request aimed, the others by their id; messages last."""
    parts = [render_to_string(main, {**context, "oob": False}, request)]
    for name in (*out_of_band, "conversations/_flash.html"):
        parts.append(render_to_string(name, {**context, "oob": True}, request))
    return HttpResponse("".join(parts))


# --- One conversation -------------------------------------------------------------


def _thread(request: AgentRequest, thread_id: int) -> Thread:
    return get_object_or_404(visible_threads(request.user), pk=thread_id)


visible_thread = _thread  # the queue's views (desk_views.py) look threads up the same way


def _thread_context(request: AgentRequest, found: Thread, **forms_: Any) -> dict[str, Any]:
    window_closed = actions.window_closed(found, timezone.now())
    zone = found.debtor.timezone
    return {
        "thread": found,
        "debtor_timezone": zone,
        "debtor_now": timezone.localtime(timezone.now(), ZoneInfo(zone)),
        "window_closed": window_closed,
        "templates": actions.whatsapp_templates(found) if window_closed else [],
        "entries": timeline(found),
        "answer_form": forms_.get("answer_form") or AnswerForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "outcome_form": forms_.get("outcome_form")
        or OutcomeForm(initial={"reason": found.non_payment_reason, "outcome": found.outcome}),
        "canned_answers": CANNED_ANSWERS,
        "panel": debtor_panel(found.debtor),
    }


@staff_only
def thread(request: AgentRequest, thread_id: int) -> HttpResponse:
    found = _thread(request, thread_id)
    return render(request, "conversations/thread.html", _thread_context(request, found))


@staff_only
def canned(request: AgentRequest, thread_id: int, index: int) -> HttpResponse:
    """A canned answer in the reply box, ready to edit: the box alone for htmx, else
    the whole page."""
    found = _thread(request, thread_id)
    try:
        text = canned_text(index, found.debtor)
    except IndexError:
        raise Http404("no such canned answer") from None
    form = AnswerForm(initial={"text": text})
    if request.htmx:
        response = render(request, "conversations/_reply_field.html", {"answer_form": form})
    else:
        context = _thread_context(request, found, answer_form=form)
        response = render(request, "conversations/thread.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _after_thread_action(
    request: AgentRequest, thread_id: int, main: str, *parts: str, **forms_: Any
) -> HttpResponse:
    if not request.htmx:
        return redirect(reverse("inbox:thread", args=[thread_id]))
    found = _thread(request, thread_id)
    context = _thread_context(request, found, **forms_)
    names = [f"conversations/{part}" for part in parts]
    return _fragments(request, f"conversations/{main}", names, context)


STATE = "_thread_state.html"
TIMELINE = "_timeline.html"


@staff_only
@require_POST
def take(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    try:
        actions.take(thread_id, request.user)
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _after_thread_action(request, thread_id, STATE, TIMELINE)


@staff_only
@require_POST
def answer(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    form = AnswerForm(request.POST)
    kept = AnswerForm(initial={"text": request.POST.get("text", "")})
    if not form.is_valid():
        messages.error(request, _("Escriba una respuesta de hasta 1000 caracteres."))
        return _after_thread_action(request, thread_id, "_answer.html", answer_form=kept)
    try:
        actions.answer(thread_id, request.user, form.cleaned_data["text"])
    except actions.InboxError as error:
        messages.error(request, str(error))
        return _after_thread_action(request, thread_id, "_answer.html", answer_form=kept)
    messages.success(request, _("Respuesta en cola para enviar."))
    return _after_thread_action(request, thread_id, "_answer.html", STATE, TIMELINE)


@staff_only
@require_POST
def send_template(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    form = TemplateForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.InboxError(_("Elija una plantilla de WhatsApp de la lista."))
        actions.send_template(thread_id, request.user, form.cleaned_data["template"])
        messages.success(request, _("Plantilla en cola para enviar."))
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _after_thread_action(request, thread_id, "_answer.html", STATE, TIMELINE)


@staff_only
@require_POST
def note(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    form = NoteForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["text"].strip():
        messages.error(request, _("Escriba la nota (hasta 2000 caracteres)."))
        kept = NoteForm(initial={"text": request.POST.get("text", "")})
        return _after_thread_action(request, thread_id, "_note_form.html", note_form=kept)
    actions.add_note(thread_id, request.user, form.cleaned_data["text"])
    messages.success(request, _("Nota guardada."))
    return _after_thread_action(request, thread_id, "_note_form.html", TIMELINE)


@staff_only
@require_POST
def outcome(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Elija un motivo de la lista."))
        return _after_thread_action(request, thread_id, "_outcome_form.html", outcome_form=form)
    actions.record_outcome(
        thread_id,
        request.user,
        reason=form.cleaned_data["reason"],
        outcome=form.cleaned_data["outcome"],
    )
    messages.success(request, _("Resultado guardado."))
    return _after_thread_action(request, thread_id, "_outcome_form.html", STATE, TIMELINE)


@staff_only
@require_POST
def hand_back(request: AgentRequest, thread_id: int) -> HttpResponse:
    _thread(request, thread_id)
    close = request.POST.get("close") == "1"
    actions.hand_back(thread_id, request.user, close=close)
    messages.success(
        request, _("Conversación cerrada.") if close else _("Conversación devuelta al bot.")
    )
    if not request.htmx:
        return redirect(reverse("inbox:queue"))
    return _after_thread_action(request, thread_id, "_hand_back.html", STATE, TIMELINE)


@staff_only
def export_csv(request: AgentRequest, thread_id: int) -> HttpResponse:
    found = _thread(request, thread_id)
    response = HttpResponse(as_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="conversacion-{found.debtor.external_id}.csv"'
    )
    return response


# --- Call tasks -------------------------------------------------------------------


def _call_rows(request: AgentRequest) -> list[tuple[Outreach, Any]]:
    return [(task, check_call(task)) for task in worklist(request.user)]


@staff_only
def calls(request: AgentRequest) -> HttpResponse:
    return render(request, "conversations/calls.html", {"rows": _call_rows(request)})


@staff_only
def calls_list(request: AgentRequest) -> HttpResponse:
    """The worklist's table alone, reloaded every few seconds by the worklist page."""
    if not request.htmx:
        return redirect(reverse("inbox:calls"))
    response = render(request, "conversations/_calls_list.html", {"rows": _call_rows(request)})
    patch_vary_headers(response, ("HX-Request",))
    return response


def _call_task(request: AgentRequest, task_id: int) -> Outreach:
    return get_object_or_404(
        visible_call_tasks(request.user).select_related("debtor", "call_assignment__agent"),
        pk=task_id,
    )


def _call_context(
    request: AgentRequest, task: Outreach, form: CallOutcomeForm | None = None
) -> dict[str, Any]:
    local_now = timezone.localtime(timezone.now(), ZoneInfo(task.debtor.timezone))
    form = form or CallOutcomeForm()
    # The browser offers no moment before the debtor's now; the action checks it again.
    form.fields["call_back_at"].widget.attrs["min"] = local_now.strftime("%Y-%m-%dT%H:%M")
    return {
        "task": task,
        "assignment": getattr(task, "call_assignment", None),
        "check": check_call(task),
        "balance": owed_text(task.debtor, get_language() or "es"),
        "debtor_timezone": task.debtor.timezone,
        "entries": debtor_timeline(task.debtor_id),
        "form": form,
        "thread": Thread.objects.filter(debtor_id=task.debtor_id).first(),
        "debtor_now": local_now,
        "outcome_label": OUTCOMES.get(task.status_reason, task.status_reason),
        "call_back": call_back_info(task),
        "follow_up": follow_up_of(task) if task.status != Outreach.Status.PLANNED else None,
    }


@staff_only
def call(request: AgentRequest, task_id: int) -> HttpResponse:
    task = _call_task(request, task_id)
    return render(request, "conversations/call.html", _call_context(request, task))


def _after_call_action(
    request: AgentRequest, task_id: int, *parts: str, form: CallOutcomeForm | None = None
) -> HttpResponse:
    if not request.htmx:
        return redirect(reverse("inbox:call", args=[task_id]))
    task = _call_task(request, task_id)
    context = _call_context(request, task, form)
    names = [f"conversations/{part}" for part in parts]
    return _fragments(request, "conversations/_call_panel.html", names, context)


@staff_only
@require_POST
def take_call(request: AgentRequest, task_id: int) -> HttpResponse:
    _call_task(request, task_id)
    try:
        actions.take_call(task_id, request.user)
    except actions.InboxError as error:
        messages.error(request, str(error))
    return _after_call_action(request, task_id)


@staff_only
@require_POST
def record_call(request: AgentRequest, task_id: int) -> HttpResponse:
    _call_task(request, task_id)
    form = CallOutcomeForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else ''}: "
            f"{' '.join(map(str, errors))}"
            for name, errors in form.errors.items()
        )
        messages.error(
            request, _("Revise el resultado de la llamada: %(problems)s") % {"problems": problems}
        )
        return _after_call_action(request, task_id, form=form)
    try:
        task = actions.record_call(
            task_id,
            request.user,
            form.cleaned_data["outcome"],
            promise_date=form.cleaned_data["promise_date"],
            promise_amount=form.cleaned_data["promise_amount"],
            note=form.cleaned_data["note"],
            call_back_at=form.cleaned_data["call_back_at"],
        )
    except actions.InboxError as error:
        messages.error(request, str(error))
        return _after_call_action(request, task_id, form=form)
    messages.success(request, _recorded_text(task))
    if not request.htmx:
        return redirect(reverse("inbox:calls"))
    return _after_call_action(request, task_id, TIMELINE)


def _recorded_text(task: Outreach) -> str:
    follow_up = follow_up_of(task)
    info = call_back_info(follow_up) if follow_up is not None else None
    if follow_up is None or info is None:
        return _("Llamada registrada.")
    when = actions.local_text(follow_up.window_start, task.debtor.timezone)
    if info.moved:
        return _(
            "Llamada registrada. La hora pedida (%(asked)s) no está permitida: %(reasons)s. "
            "La nueva llamada quedó para el %(when)s (hora del deudor)."
        ) % {
            "asked": actions.local_text(info.asked_at, task.debtor.timezone),
            "reasons": ", ".join(info.reason_labels),
            "when": when,
        }
    return _("Llamada registrada. Nueva llamada el %(when)s (hora del deudor).") % {"when": when}

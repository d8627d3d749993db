"""The strategy editor and the template editor (`/equipo/estrategia/`, `/equipo/plantillas/`).

Thin views over ``strategy.py``, ``template_editor.py`` and
``strategy_actions.py``. Everyone on the staff reads the rows of their
creditors and the shared defaults (another creditor's row is a 404);
editing is a supervisor's or an admin's (others get a 403), the shared
defaults a superuser's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.conversations.scope import AgentRequest
from recaudo.conversations.views import staff_only
from recaudo.policies.models import Policy, Segment, StrategyChange, Template
from recaudo.portfolio.models import Creditor
from recaudo.roles import may_approve
from recaudo.staff import strategy_actions as actions
from recaudo.staff.actions import StaffError
from recaudo.staff.strategy import (
    CHANNEL_MARKS,
    chosen_creditor,
    effective_segments,
    may_edit,
    segment_previews,
    step_summary,
    timeline,
    visible_creditors,
    visible_policies,
    visible_segments,
    visible_templates,
)
from recaudo.staff.strategy_forms import (
    LinesField,
    PolicyForm,
    SegmentForm,
    StepFormSet,
    TemplateForm,
    TestSendForm,
)
from recaudo.staff.template_editor import (
    TestSendRefused,
    creditor_countries,
    placeholders,
    preview,
    whatsapp_status,
)

# Templates listed at once; the key and channel filters narrow the rest.
LISTED = 150


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Solo un supervisor edita la estrategia de sus acreedores."))


def _asked_creditor(request: AgentRequest, value: str | None) -> Creditor:
    """The creditor a request names, if the user sees it; else a 404."""
    creditor = chosen_creditor(request.user, value)
    if creditor is None or str(creditor.pk) != value:
        raise Http404
    return creditor


def _joined(errors: Any) -> str:
    return " ".join(str(error) for error in errors)


def _history(kind: str, object_id: int) -> list[StrategyChange]:
    return list(StrategyChange.objects.filter(kind=kind, object_id=object_id)[:10])


# --- The strategy page ------------------------------------------------------------------


@staff_only
def strategy(request: AgentRequest) -> HttpResponse:
    creditor = chosen_creditor(request.user, request.GET.get("acreedor"))
    segments, inherited = effective_segments(creditor) if creditor else ([], False)
    policy_ids = {segment.policy_id for segment in segments}
    policies = (
        visible_policies(request.user)
        .filter(Q(pk__in=policy_ids) | Q(creditor=creditor))
        .order_by("creditor_id", "code")
        if creditor
        else Policy.objects.none()
    )
    return render(
        request,
        "staff/strategy.html",
        {
            "creditor": creditor,
            "creditors": visible_creditors(request.user)[:200],
            "segments": segments,
            "inherited": inherited,
            "policies": [
                (policy, timeline(list(policy.steps.all())))
                for policy in policies.prefetch_related("steps")
            ],
            "may_approve": may_approve(request.user),
            "marks": CHANNEL_MARKS,
        },
    )


@staff_only
def segment_preview(request: AgentRequest) -> HttpResponse:
    creditor = _asked_creditor(request, request.GET.get("acreedor"))
    segments, _inherited = effective_segments(creditor)
    found = segment_previews(creditor, timezone.now().date())
    rows = [(segment, found.get(segment.pk)) for segment in segments]
    return render(request, "staff/_segment_preview.html", {"rows": rows, "creditor": creditor})


@staff_only
@require_POST
def copy_strategy(request: AgentRequest) -> HttpResponse:
    creditor = _asked_creditor(request, request.POST.get("acreedor"))
    _refuse_unless(may_approve(request.user))
    try:
        made = actions.copy_default_strategy(request.user, creditor)
    except StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s segmentos propios creados.") % {"count": len(made)})
    return redirect(f"{reverse('staff:strategy')}?acreedor={creditor.pk}")


# --- A policy ---------------------------------------------------------------------------


def _template_keys(policy: Policy) -> frozenset[str]:
    rows = Template.objects.filter(Q(creditor__isnull=True) | Q(creditor_id=policy.creditor_id))
    return frozenset(rows.values_list("key", flat=True).distinct())


@staff_only
def policy(request: AgentRequest, policy_id: int) -> HttpResponse:
    found = get_object_or_404(visible_policies(request.user), pk=policy_id)
    editable = may_edit(request.user, found)
    keys = _template_keys(found)
    form, steps = PolicyForm(instance=found), StepFormSet(instance=found, template_keys=keys)
    problems: list[str] = []
    if request.method == "POST":
        _refuse_unless(editable)
        form = PolicyForm(request.POST, instance=found)
        steps = StepFormSet(request.POST, instance=found, template_keys=keys)
        if form.is_valid() and steps.is_valid():
            try:
                actions.save_policy(request.user, form, steps)
            except StaffError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Política guardada: rige desde la próxima planificación.")
                )
                return redirect(reverse("staff:policy", args=[found.pk]))
        problems = [
            f"{form.fields[name].label if name in form.fields else ''}: {_joined(errors)}"
            for name, errors in form.errors.items()
        ] + steps.problems()
    drawn = timeline(list(found.steps.all()))
    context: dict[str, Any] = {
        "policy": found,
        "timeline": drawn,
        "summaries": [step_summary(row.step) for row in drawn.steps],
        "editable": editable,
        "form": form,
        "steps": steps,
        "problems": problems,
        "template_keys": sorted(keys),
        "segments": visible_segments(request.user).filter(policy=found),
        "history": _history(StrategyChange.Kind.POLICY, found.pk),
    }
    return render(request, "staff/policy.html", context, status=400 if problems else 200)


# --- A segment --------------------------------------------------------------------------


@staff_only
def segment(request: AgentRequest, segment_id: int | None = None) -> HttpResponse:
    if segment_id is None:
        creditor = _asked_creditor(request, request.GET.get("acreedor"))
        if not Segment.objects.filter(creditor=creditor).exists():
            # A creditor's first segment would replace every shared default at once.
            messages.error(
                request, _("Primero cree los segmentos propios a partir de los por defecto.")
            )
            return redirect(f"{reverse('staff:strategy')}?acreedor={creditor.pk}")
        found = Segment(creditor=creditor)
    else:
        found = get_object_or_404(visible_segments(request.user), pk=segment_id)
    editable = may_edit(request.user, found)
    form = SegmentForm(instance=found, creditor_id=found.creditor_id)
    if request.method == "POST":
        _refuse_unless(editable)
        form = SegmentForm(request.POST, instance=found, creditor_id=found.creditor_id)
        if form.is_valid():
            saved = actions.save_segment(request.user, form)
            messages.success(request, _("Segmento guardado: rige desde la próxima planificación."))
            return redirect(f"{reverse('staff:strategy')}?acreedor={saved.creditor_id or ''}")
    return render(
        request,
        "staff/segment.html",
        {
            "segment": found,
            "form": form,
            "editable": editable,
            "history": _history(StrategyChange.Kind.SEGMENT, found.pk) if found.pk else [],
        },
        status=400 if form.errors else 200,
    )


# --- Templates --------------------------------------------------------------------------


@staff_only
def templates(request: AgentRequest) -> HttpResponse:
    rows = visible_templates(request.user)
    creditor = chosen_creditor(request.user, request.GET.get("acreedor"))
    if creditor is not None:
        rows = rows.filter(Q(creditor__isnull=True) | Q(creditor=creditor))
    key, channel = request.GET.get("clave", "").strip(), request.GET.get("canal", "")
    if key:
        rows = rows.filter(key__icontains=key)
    if channel:
        rows = rows.filter(channel=channel)
    return render(
        request,
        "staff/templates.html",
        {
            "rows": rows.order_by("key", "channel", "language", "register", "creditor_id")[:LISTED],
            "creditor": creditor,
            "creditors": visible_creditors(request.user)[:200],
            "key": key,
            "channel": channel,
            "channels": ("whatsapp", "sms", "rcs", "email"),
        },
    )


def _template(request: AgentRequest, template_id: int) -> Template:
    return get_object_or_404(visible_templates(request.user), pk=template_id)


def _previews(template: Template, data: dict[str, Any]) -> list[Any]:
    creditor = template.creditor
    return [
        preview(
            creditor=creditor,
            country=country,
            language=str(data.get("language") or template.language),
            channel=template.channel,
            subject=str(data.get("subject") or ""),
            body=str(data.get("body") or ""),
            whatsapp_parameters=list(data.get("whatsapp_parameters") or []),
            attach_statement=bool(data.get("attach_statement")),
            quick_replies=list(data.get("whatsapp_quick_replies") or []),
            whatsapp_template_name=str(data.get("whatsapp_template_name") or ""),
        )
        for country in creditor_countries(creditor)[:4]
    ]


def _form_values(form: TemplateForm, template: Template) -> dict[str, Any]:
    """What the preview renders: the form's input (unsaved), else the template."""
    if form.is_bound:
        field = form.fields["whatsapp_parameters"]
        try:
            parameters = field.clean(
                field.widget.value_from_datadict(
                    form.data, {}, form.add_prefix("whatsapp_parameters")
                )
            )
        except forms.ValidationError:  # the form shows the error; preview what it can
            parameters = []
        replies = LinesField(required=False).to_python(
            form.data.get(form.add_prefix("whatsapp_quick_replies"), "")
        )
        return {
            "language": form.data.get("language", template.language),
            "subject": form.data.get("subject", ""),
            "body": form.data.get("body", ""),
            "whatsapp_parameters": parameters,
            "whatsapp_template_name": form.data.get("whatsapp_template_name", ""),
            "whatsapp_quick_replies": replies,
            "attach_statement": forms.CheckboxInput().value_from_datadict(
                form.data, MultiValueDict(), form.add_prefix("attach_statement")
            ),
        }
    return {
        "language": template.language,
        "subject": template.subject,
        "body": template.body,
        "whatsapp_parameters": list(template.whatsapp_parameters or []),
        "whatsapp_template_name": template.whatsapp_template_name,
        "whatsapp_quick_replies": list(template.whatsapp_quick_replies or []),
        "attach_statement": template.attach_statement,
    }


@staff_only
def template(request: AgentRequest, template_id: int) -> HttpResponse:
    found = _template(request, template_id)
    editable = may_edit(request.user, found)
    form = TemplateForm(instance=found)
    if request.method == "POST":
        _refuse_unless(editable)
        form = TemplateForm(request.POST, instance=found)
        if form.is_valid():
            actions.save_template(request.user, form)
            messages.success(
                request, _("Plantilla guardada (versión %(version)s).") % {"version": found.version}
            )
            return redirect(reverse("staff:template", args=[found.pk]))
    siblings = (
        visible_templates(request.user)
        .filter(key=found.key, channel=found.channel)
        .filter(Q(creditor__isnull=True) | Q(creditor_id=found.creditor_id))
    )
    return render(
        request,
        "staff/template.html",
        {
            "template": found,
            "form": form,
            "editable": editable,
            "previews": _previews(found, _form_values(form, found)),
            "placeholders": placeholders(),
            "whatsapp_status": whatsapp_status(found),
            "siblings": siblings.order_by("language", "register", "creditor_id"),
            "creditors": visible_creditors(request.user)[:200] if may_approve(request.user) else [],
            "test_form": TestSendForm(initial={"country": creditor_countries(found.creditor)[0]}),
            "history": _history(StrategyChange.Kind.TEMPLATE, found.pk),
            "may_approve": may_approve(request.user),
        },
        status=400 if form.errors else 200,
    )


@staff_only
@require_POST
def template_preview(request: AgentRequest, template_id: int) -> HttpResponse:
    """The live preview (htmx, on every input): rendered, nothing saved."""
    found = _template(request, template_id)
    form = TemplateForm(request.POST, instance=found)
    return render(
        request,
        "staff/_template_preview.html",
        {"template": found, "previews": _previews(found, _form_values(form, found))},
    )


@staff_only
@require_POST
def template_copy(request: AgentRequest, template_id: int) -> HttpResponse:
    """The creditor's own copy of a template, in a language and register, to edit."""
    found = _template(request, template_id)
    creditor = _asked_creditor(request, request.POST.get("acreedor"))
    _refuse_unless(may_approve(request.user))
    language = request.POST.get("language") or found.language
    register = request.POST.get("register", found.register)
    if language not in ("es", "pt", "en") or register not in ("", "tu", "usted"):
        messages.error(request, _("Idioma o trato desconocido."))
        return redirect(reverse("staff:template", args=[found.pk]))
    copy = actions.copy_template(
        request.user, found, creditor, language=language, register=register
    )
    return redirect(reverse("staff:template", args=[copy.pk]))


@staff_only
@require_POST
def template_test(request: AgentRequest, template_id: int) -> HttpResponse:
    found = _template(request, template_id)
    _refuse_unless(may_approve(request.user))
    form = TestSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Escriba el número o correo del sandbox y el país."))
        return redirect(reverse("staff:template", args=[found.pk]))
    shown = preview(
        creditor=found.creditor,
        country=form.cleaned_data["country"].upper(),
        language=found.language,
        channel=found.channel,
        subject=found.subject,
        body=found.body,
        whatsapp_parameters=list(found.whatsapp_parameters or []),
    )
    try:
        result = actions.test_send(
            request.user, found, shown, form.cleaned_data["to"], found.creditor
        )
    except (TestSendRefused, StaffError) as error:
        messages.error(request, str(error))
    else:
        if result.outcome == "accepted":
            messages.success(
                request,
                _("Prueba enviada al sandbox (%(id)s).") % {"id": result.provider_message_id},
            )
        else:
            messages.error(
                request,
                _("El sandbox rechazó la prueba: %(code)s %(detail)s")
                % {"code": result.error_code, "detail": result.error_message},
            )
    return redirect(reverse("staff:template", args=[found.pk]))

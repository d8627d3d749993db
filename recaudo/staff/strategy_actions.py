"""The strategy editor's writes: one transaction each, with a ``StrategyChange`` saying who
changed what, when, and the row before and after.

Each checks that the user may edit the row (``strategy.may_edit``); the forms
have run the models' own validation. A policy's changes are read by the next
planner run (``recaudo plan`` loads the steps each time); a template's by the
next message built from it (its ``version`` goes up on every save).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from recaudo.outreach.contract import ProviderResult
from recaudo.policies.models import Policy, Segment, Step, StrategyChange, Template
from recaudo.portfolio.models import Creditor
from recaudo.roles import may_approve
from recaudo.staff.actions import StaffError, actor
from recaudo.staff.strategy import may_edit
from recaudo.staff.strategy_forms import BaseStepFormSet, PolicyForm, SegmentForm, TemplateForm
from recaudo.staff.template_editor import Preview, send_test


def _plain(row: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    data = model_to_dict(row, exclude=exclude)
    plain = (int, str, bool, list, type(None))
    return {key: value if isinstance(value, plain) else str(value) for key, value in data.items()}


def policy_snapshot(policy: Policy) -> dict[str, Any]:
    steps = Step.objects.filter(policy=policy).order_by("offset_days", "action", "pk")
    return {**_plain(policy), "steps": [_plain(step, ("policy",)) for step in steps]}


def _record(kind: str, row: Any, user: User, before: dict[str, Any], after: dict[str, Any]) -> None:
    StrategyChange.objects.create(
        kind=kind,
        object_id=row.pk,
        creditor_id=row.creditor_id,
        actor=actor(user),
        before=before,
        after=after,
    )


def _editor(user: User, row: Policy | Segment | Template) -> None:
    if not may_edit(user, row):
        raise StaffError(_("Solo un supervisor edita la estrategia de sus acreedores."))


def save_policy(user: User, form: PolicyForm, steps: BaseStepFormSet) -> Policy:
    policy = form.instance
    _editor(user, policy)
    with transaction.atomic():
        before = policy_snapshot(policy) if policy.pk else {}
        saved = form.save()
        steps.instance = saved
        steps.save()
        _record(StrategyChange.Kind.POLICY, saved, user, before, policy_snapshot(saved))
    return saved


def save_segment(user: User, form: SegmentForm) -> Segment:
    segment = form.instance
    _editor(user, segment)
    with transaction.atomic():
        before = _plain(Segment.objects.get(pk=segment.pk)) if segment.pk else {}
        saved = form.save()
        _record(StrategyChange.Kind.SEGMENT, saved, user, before, _plain(saved))
    return saved


def save_template(user: User, form: TemplateForm) -> Template:
    template = form.instance
    _editor(user, template)
    with transaction.atomic():
        before = _plain(Template.objects.get(pk=template.pk)) if template.pk else {}
        saved = form.save()
        _record(StrategyChange.Kind.TEMPLATE, saved, user, before, _plain(saved))
    return saved


def copy_template(
    user: User, template: Template, creditor: Creditor, *, language: str, register: str
) -> Template:
    """The creditor's own template for this key and channel in ``language`` and ``register``,
    made from ``template`` (the shared default, or the creditor's in another language);
    the existing one when the creditor already has it."""
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor edita la estrategia de sus acreedores."))
    existing = Template.objects.filter(
        creditor=creditor,
        key=template.key,
        channel=template.channel,
        language=language,
        register=register,
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        copy = Template(
            creditor=creditor,
            key=template.key,
            channel=template.channel,
            language=language,
            register=register,
            tone=template.tone,
            subject=template.subject,
            body=template.body,
            whatsapp_template_name=template.whatsapp_template_name,
            whatsapp_template_language=template.whatsapp_template_language
            if language == template.language
            else "",
            whatsapp_parameters=list(template.whatsapp_parameters or []),
        )
        copy.save()
        _record(StrategyChange.Kind.TEMPLATE, copy, user, {}, _plain(copy))
    return copy


def copy_default_strategy(user: User, creditor: Creditor) -> list[Segment]:
    """The shared default segments and their policies (with steps) as the creditor's own,
    so that its supervisors can edit them. Refused when it already has segments."""
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor edita la estrategia de sus acreedores."))
    with transaction.atomic():
        if Segment.objects.select_for_update().filter(creditor=creditor).exists():
            raise StaffError(_("Este acreedor ya tiene segmentos propios."))
        policies: dict[int, Policy] = {}
        made = []
        for segment in Segment.objects.filter(creditor__isnull=True).select_related("policy"):
            shared = segment.policy
            if shared.pk not in policies:
                own = Policy.objects.filter(creditor=creditor, code=shared.code).first()
                if own is None:
                    steps = list(Step.objects.filter(policy=shared))
                    own = Policy.objects.get(pk=shared.pk)
                    own.pk, own.creditor = None, creditor
                    own.save()
                    for step in steps:
                        step.pk, step.policy = None, own
                    Step.objects.bulk_create(steps)
                    _record(StrategyChange.Kind.POLICY, own, user, {}, policy_snapshot(own))
                policies[shared.pk] = own
            copy = Segment.objects.get(pk=segment.pk)
            copy.pk, copy.creditor, copy.policy = None, creditor, policies[shared.pk]
            copy.save()
            _record(StrategyChange.Kind.SEGMENT, copy, user, {}, _plain(copy))
            made.append(copy)
    return made


def test_send(
    user: User, template: Template, shown: Preview, to: str, creditor: Creditor | None
) -> ProviderResult:
    """The previewed template to a sandbox address, recorded."""
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor edita la estrategia de sus acreedores."))
    reference = f"template-test-{template.pk}-v{template.version}"
    result = send_test(template, shown, to, reference)
    StrategyChange.objects.create(
        kind=StrategyChange.Kind.TEST_SEND,
        object_id=template.pk,
        creditor=creditor,
        actor=actor(user),
        after={
            "to": to,
            "country": shown.country,
            "outcome": result.outcome,
            "provider_message_id": result.provider_message_id,
            "error_code": result.error_code,
        },
    )
    return result

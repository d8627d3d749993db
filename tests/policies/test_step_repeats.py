"""Steps that repeat and escalate: validation, the shipped late stage, ``policies show``."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from recaudo.policies.models import Policy, Step


def step(**values) -> Step:
    defaults = {
        "offset_days": 30,
        "action": "message",
        "channels": ["sms"],
        "template_key": "overdue_late",
        "tone": "late",
    }
    return Step(**(defaults | values))


def errors_of(candidate: Step) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        candidate.clean()
    return raised.value.message_dict


def test_a_call_cycle_every_14_days_until_day_114_is_valid():
    step(
        action="call_task", channels=["call"], template_key="", repeat_every_days=14,
        repeat_until_days=114,
    ).clean()  # fmt: skip


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"repeat_until_days": 60}, "repeat_until_days", "indique «repetir cada»"),
        ({"repeat_from": "last_contact"}, "repeat_from", "indique «repetir cada»"),
        (
            {"repeat_every_days": 7, "repeat_until_days": 33},
            "repeat_until_days",
            "al menos el día del paso más una repetición (37)",
        ),
        (
            {"repeat_every_days": 21, "repeat_from": "last_contact"},
            "repeat_every_days",
            "como mucho cada 14 días",
        ),
        (
            {"action": "agency", "channels": [], "template_key": "", "repeat_every_days": 7},
            "repeat_every_days",
            "una sola vez",
        ),
        ({"action": "write_off", "template_key": ""}, "channels", "deje los canales vacíos"),
        (
            {"action": "bureau_notice", "channels": ["call", "sms"]},
            "channels",
            "debe ser escrito",
        ),
        ({"action": "bureau_notice", "template_key": ""}, "template_key", "necesita una plantilla"),
    ],
)
def test_a_step_that_cannot_work_is_refused_naming_the_field(values, field, message):
    found = errors_of(step(**values))

    assert message in " ".join(found[field])


@pytest.mark.django_db
def test_the_shipped_b2c_policy_escalates_to_a_bureau_notice_a_report_and_an_agency():
    steps = Policy.objects.get(creditor=None, code="b2c").steps.order_by("offset_days", "action")
    late = [
        (s.offset_days, s.action, s.stage, s.repeat_every_days, s.repeat_until_days)
        for s in steps
        if s.offset_days >= 21
    ]

    assert late == [
        (21, "message", "firm", None, None),
        (28, "message", "", None, None),
        (30, "call_task", "", 14, 58),
        (35, "message", "", 7, 56),
        (60, "bureau_notice", "pre_legal", None, None),
        (67, "message", "", 14, 109),
        (72, "call_task", "", 14, 114),
        (85, "bureau_report", "", 7, 113),
        (120, "agency", "agency", None, None),
    ]
    for each in steps:
        each.clean()  # every shipped step passes its own validation


@pytest.mark.django_db
def test_policies_show_prints_repetitions_stages_and_the_bureau_steps():
    out = io.StringIO()
    call_command("policies", "show", stdout=out)
    text = out.getvalue()

    assert (
        "día +30: crear una tarea de llamada por call (mora tardía; cada 14 días desde el día "
        "del paso, hasta el día 58)"
    ) in text
    assert (
        "día +60: avisar antes del reporte a centrales de riesgo por email → whatsapp → sms "
        "[credit_bureau_notice] (mora tardía; nivel: aviso prejurídico)"
    ) in text
    assert "día +85: reportar a centrales de riesgo (mora tardía; cada 7 días" in text
    assert "día +120: entregar a una agencia de cobranza (mora tardía; nivel: entregada" in text

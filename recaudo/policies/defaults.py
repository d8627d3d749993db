"""The policies, segments and templates Recaudo ships with.

Taken from practice (see docs/policies.md): B2C debtors get a statement two
weeks before the due date, reminders before and on it, a nudge the day after,
then weekly messages with a flexible-payment offer, an agent's call at 30
days, then the late stage: repeated messages and call cycles, the notice
before a credit-bureau report, the report, and placement with an agency.
B2B debtors get formal email only and the same calls. A policy's
``register`` (tú or usted) says how its messages address the debtor; the
bot reads it too (``segments.register_for``).

``install_defaults`` is idempotent. It runs after every ``migrate`` (creating
only what is missing, so edits made in the admin stay) and from
``recaudo policies install-defaults [--reset]`` (``--reset`` puts the shipped
texts and steps back). It only touches rows with no creditor: a creditor's
own policies and templates are never changed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from recaudo.policies.default_templates import DEFAULT_TEMPLATES
from recaudo.policies.models import Policy, Segment, Step, Template

PHONE_FIRST = ["whatsapp", "rcs", "sms", "email"]
EMAIL_FIRST = ["email", "whatsapp", "sms"]

# A step: (offset, action, channels, template key, tone, extras); extras are the
# stage it records on the debts and its repetition (every N days, until day U).
POLICIES: list[dict[str, Any]] = [
    {
        "code": "b2c",
        "name": "Personas (B2C)",
        "register": "tu",
        "description": (
            "Estado de cuenta 15 días antes, recordatorios 7 días antes y el día del "
            "vencimiento, aviso al día siguiente, luego semanal (7, 14, 21 y 28 días) con "
            "una oferta de pago flexible a los 14 días. Desde el día 30, llamadas de un "
            "agente cada 14 días y un mensaje firme cada 7; a los 60, el aviso previo al "
            "reporte a centrales de riesgo, luego mensajes prejurídicos cada 14 días; el "
            "reporte no antes de que pase el plazo legal del aviso, y a los 120 días la "
            "entrega a una agencia de cobranza."
        ),
        "steps": [
            (-15, "message", EMAIL_FIRST, "statement", "preventive", {}),
            (-7, "message", PHONE_FIRST, "reminder_before", "preventive", {}),
            (0, "message", PHONE_FIRST, "due_today", "preventive", {}),
            (1, "message", PHONE_FIRST, "overdue_early", "early", {"stage": "friendly"}),
            (7, "message", PHONE_FIRST, "overdue_early", "early", {}),
            (14, "offer", PHONE_FIRST, "payment_offer", "early", {}),
            (21, "message", PHONE_FIRST, "overdue_late", "late", {"stage": "firm"}),
            (28, "message", PHONE_FIRST, "overdue_late", "late", {}),
            (30, "call_task", ["call"], "", "late", {"every": 14, "until": 58}),
            (35, "message", PHONE_FIRST, "overdue_late", "late", {"every": 7, "until": 56}),
            (60, "bureau_notice", EMAIL_FIRST, "credit_bureau_notice", "late",
             {"stage": "pre_legal"}),
            (67, "message", PHONE_FIRST, "overdue_late", "late", {"every": 14, "until": 109}),
            (72, "call_task", ["call"], "", "late", {"every": 14, "until": 114}),
            (85, "bureau_report", [], "", "late", {"every": 7, "until": 113}),
            (120, "agency", [], "", "late", {"stage": "agency"}),
        ],
    },
    {
        "code": "b2b",
        "name": "Empresas (B2B)",
        "register": "usted",
        "description": (
            "Solo correo, tono formal: estado de cuenta 15 días antes, recordatorios 7 días "
            "antes y al vencimiento, seguimiento a 1, 7 y 14 días, y llamadas a los 30 días y "
            "luego cada 14; seguimiento por correo cada 14 días desde el día 37, aviso previo "
            "al reporte a centrales a los 60, el reporte no antes del plazo legal y la entrega "
            "a una agencia a los 120. Nunca WhatsApp por defecto."
        ),
        "steps": [
            (-15, "message", ["email"], "b2b_statement", "preventive", {}),
            (-7, "message", ["email"], "b2b_reminder_before", "preventive", {}),
            (0, "message", ["email"], "b2b_due_today", "preventive", {}),
            (1, "message", ["email"], "b2b_overdue", "early", {"stage": "friendly"}),
            (7, "message", ["email"], "b2b_overdue", "early", {}),
            (14, "message", ["email"], "b2b_overdue", "early", {}),
            (30, "call_task", ["call"], "", "late", {"stage": "firm", "every": 14, "until": 114}),
            (37, "message", ["email"], "b2b_overdue", "late", {"every": 14, "until": 51}),
            (60, "bureau_notice", ["email"], "b2b_credit_bureau_notice", "late",
             {"stage": "pre_legal"}),
            (67, "message", ["email"], "b2b_overdue", "late", {"every": 14, "until": 109}),
            (85, "bureau_report", [], "", "late", {"every": 7, "until": 113}),
            (120, "agency", [], "", "late", {"stage": "agency"}),
        ],
    },
]

SEGMENTS: list[dict[str, Any]] = [
    {"name": "Empresas", "position": 10, "debtor_kind": "company", "policy": "b2b"},
    {"name": "Personas", "position": 20, "debtor_kind": "person", "policy": "b2c"},
    {"name": "Resto", "position": 1000, "is_default": True, "debtor_kind": "", "policy": "b2c"},
]


def install_defaults(*, reset: bool = False, using: str = "default") -> dict[str, int]:
    """Create the shipped policies, segments and templates that are missing.

    With ``reset``, existing default rows are put back as shipped too.
    Returns how many rows were created (or reset) per kind.
    """
    def put(model: Any, defaults: dict[str, Any], **key: Any) -> tuple[Any, bool]:
        manager = model.objects.using(using)
        if reset:
            return manager.update_or_create(defaults=defaults, **key)[0], True
        return manager.get_or_create(defaults=defaults, **key)

    created = {"policies": 0, "steps": 0, "segments": 0, "templates": 0}
    with transaction.atomic(using=using):
        by_code = {}
        for spec in POLICIES:
            policy, new = put(
                Policy,
                creditor=None,
                code=spec["code"],
                defaults={
                    "name": spec["name"],
                    "description": spec["description"],
                    "register": spec["register"],
                },
            )
            created["policies"] += new
            by_code[spec["code"]] = policy
            for offset, action, channels, template_key, tone, extras in spec["steps"]:
                _, new = put(
                    Step,
                    policy=policy,
                    offset_days=offset,
                    action=action,
                    defaults={
                        "channels": channels,
                        "template_key": template_key,
                        "tone": tone,
                        "stage": extras.get("stage", ""),
                        "repeat_every_days": extras.get("every"),
                        "repeat_until_days": extras.get("until"),
                    },
                )
                created["steps"] += new
        for spec in SEGMENTS:
            _, new = put(
                Segment,
                creditor=None,
                name=spec["name"],
                defaults={
                    "position": spec["position"],
                    "is_default": spec.get("is_default", False),
                    "debtor_kind": spec["debtor_kind"],
                    "policy": by_code[spec["policy"]],
                },
            )
            created["segments"] += new
        for spec in DEFAULT_TEMPLATES:
            values = dict(spec)
            key = values.pop("key")
            channel = values.pop("channel")
            language = values.pop("language")
            register = values.pop("register", "")
            _, new = put(
                Template,
                creditor=None,
                key=key,
                channel=channel,
                language=language,
                register=register,
                defaults=values,
            )
            created["templates"] += new
    return created

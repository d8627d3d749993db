"""The shipped templates: complete, valid, rendered well in every language."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from recaudo.policies.default_templates import DEFAULT_TEMPLATES
from recaudo.policies.models import Template
from recaudo.policies.rendering import (
    PLACEHOLDERS,
    build_context,
    render,
    whatsapp_parameter_values,
)
from recaudo.policies.template_checks import template_errors

STEP_KEYS = {
    "statement": "preventive",
    "reminder_before": "preventive",
    "due_today": "preventive",
    "overdue_early": "early",
    "payment_offer": "early",
    "overdue_late": "late",
    "credit_bureau_notice": "late",
}
EVENT_KEYS = {
    "payment_thanks",
    "promise_reminder",
    "payment_failed",
    "promise_broken",
    "plan_broken",
    "paid_in_full",
    "extension_approved",
    "discount_approved",
    "request_refused",
    "request_closed",
    "report_rejected",
    "plan_agreed",
    "debit_upcoming",
    "debit_failed",
    "debit_failed_final",
    "debit_action_required",
    "debit_cancelled",
    "payment_reversed",
    "payment_reversed_debit",
}
# Notices that carry no debts: their emails say everything in the opening.
SELF_CONTAINED = {
    "payment_thanks",
    "paid_in_full",
    "extension_approved",
    "discount_approved",
    "request_refused",
    "plan_agreed",
    "debit_upcoming",
    "debit_failed",
    "debit_failed_final",
    "debit_action_required",
    "debit_cancelled",
    "payment_reversed",
    "payment_reversed_debit",
}
# Every notice has its "usted" text (the debtor's policy register governs notices too).
USTED_EVENT_KEYS = EVENT_KEYS
B2B_KEYS = {
    "b2b_statement",
    "b2b_reminder_before",
    "b2b_due_today",
    "b2b_overdue",
    "b2b_credit_bureau_notice",
}
LANGUAGES = ("es", "en", "pt")
# GSM 03.38: the basic alphabet, and the extension table (two septets each).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
# Typical values: a GSM-only name and brand, a short payment link.
PEOPLE = {
    "es": ("Movilnet", "Valentina", "Valentina Rojas", "CO", "COP", "189900"),
    "en": ("Brightline Energy", "Jessica", "Jessica Miller", "US", "USD", "84.99"),
    "pt": ("Vivacel", "Juliana", "Juliana Souza", "BR", "BRL", "189.90"),
}
TODAY = date(2026, 12, 1)


def template_id(spec: dict) -> str:
    register = f"-{spec['register']}" if spec["register"] else ""
    return f"{spec['key']}-{spec['channel']}-{spec['language']}{register}"


def context_for(language: str, *, debts: int = 2) -> dict:
    brand, first_name, full_name, country, currency, amount = PEOPLE[language]
    creditor = SimpleNamespace(
        name=brand,
        brand_name=brand,
        support_email="ayuda@example.com",
        support_phone="+57 601 555 0100",
        default_currency=currency,
    )
    debtor = SimpleNamespace(
        full_name=full_name, first_name=first_name, language=language, country=country
    )
    items = [
        SimpleNamespace(
            currency=currency,
            amount=Decimal(amount) * (number + 1),
            amount_paid=Decimal(0),
            due_on=date(2026, 12, 15),
            invoice_number=f"FV-{1000 + number}",
            description=f"Plan hogar {number + 1}",
        )
        for number in range(debts)
    ]
    # The statement of account lists the same debts (portfolio/statement.py).
    statement = [
        SimpleNamespace(
            invoice=item.invoice_number,
            due_on=item.due_on,
            age_days=(TODAY - item.due_on).days,
            balance=item.amount,
            currency=currency,
        )
        for item in items
    ]
    return build_context(
        creditor=creditor,
        debtor=debtor,
        debts=items,
        statement=statement,
        payment_link="https://pagos.recaudo.co/p/7Hk2Qm9x",
        today=TODAY,
        promise_date=date(2026, 12, 10),
        promise_amount=Decimal(amount),
        paid_amount=Decimal(amount),
        paid_on=date(2026, 11, 30),
        payment_reference="PAY-000123",
        remaining_balance=Decimal(amount),
        certificate_link="https://pagos.recaudo.co/p/7Hk2Qm9x/paz-y-salvo",
        new_due_on=date(2026, 12, 22),
        agreed_amount=Decimal(amount),
        instalments=[
            (0, date(2026, 12, 1), Decimal(amount)),
            (1, date(2027, 1, 1), Decimal(amount) * 2),
            (2, date(2027, 2, 1), Decimal(amount) * 2),
        ],
        charge_date=date(2027, 1, 1),
        charge_amount=Decimal(amount) * 2,
        card_brand="mastercard",
        card_last4="4444",
        instalment_number=12,
        instalment_count=12,
        retry_date=date(2027, 1, 4),
    )


def sms_segments(text: str) -> int:
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        septets = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    return 1 if len(text) <= 70 else math.ceil(len(text) / 67)


def rendered(spec: dict, context: dict):
    return render(
        subject=spec["subject"], body=spec["body"], channel=spec["channel"], context=context
    )


def test_every_key_exists_in_every_channel_and_language():
    found = {
        (t["key"], t["channel"], t["language"]) for t in DEFAULT_TEMPLATES if not t["register"]
    }

    b2c = {
        (key, channel, language)
        for key in [*STEP_KEYS, *EVENT_KEYS]
        for channel in ("whatsapp", "sms", "rcs", "email")
        for language in LANGUAGES
    }
    b2b = {(key, "email", language) for key in B2B_KEYS for language in LANGUAGES}
    # The short text of a message about several debts: the channels that cannot list them.
    several = {
        ("several_debts", channel, language)
        for channel in ("whatsapp", "sms", "rcs")
        for language in LANGUAGES
    }
    # Its WhatsApp text again with the statement as the document header.
    several |= {("several_debts_statement", "whatsapp", language) for language in LANGUAGES}
    assert found == b2c | b2b | several
    usted = {(t["key"], t["channel"], t["language"]) for t in DEFAULT_TEMPLATES if t["register"]}
    # Every step key and every notice in "usted" too (default_templates_usted.py).
    usted_keys = {*STEP_KEYS, *USTED_EVENT_KEYS}
    assert usted == {
        (key, channel, "es")
        for key in usted_keys
        for channel in ("whatsapp", "sms", "rcs", "email")
    } | {("several_debts", channel, "es") for channel in ("whatsapp", "sms", "rcs")} | {
        ("several_debts_statement", "whatsapp", "es")
    }
    assert len(DEFAULT_TEMPLATES) == len(found) + len(usted)


def test_every_template_has_the_fields_of_the_model():
    fields = {
        "key",
        "channel",
        "language",
        "register",
        "tone",
        "subject",
        "body",
        "whatsapp_template_name",
        "whatsapp_template_language",
        "whatsapp_parameters",
        "whatsapp_quick_replies",
        "attach_statement",
    }

    assert all(set(spec) == fields for spec in DEFAULT_TEMPLATES)


def test_the_statement_messages_carry_the_pdf_and_the_whatsapp_one_its_quick_replies():
    from recaudo.conversations.choices import understood

    carrying = {
        (spec["key"], spec["channel"], spec["language"], spec["register"])
        for spec in DEFAULT_TEMPLATES
        if spec["attach_statement"]
    }
    keys = {(key, channel) for key, channel, _language, _register in carrying}
    assert keys == {
        ("statement", "email"),
        ("statement", "whatsapp"),
        ("b2b_statement", "email"),
        ("b2b_overdue", "email"),
        ("several_debts_statement", "whatsapp"),
    }
    whatsapp = [
        s for s in DEFAULT_TEMPLATES if s["key"] == "statement" and s["channel"] == "whatsapp"
    ]
    several = [s for s in DEFAULT_TEMPLATES if s["key"] == "several_debts_statement"]
    assert sorted(s["whatsapp_template_name"] for s in several) == [
        *["recaudo_several_debts_statement_document"] * 3,
        "recaudo_several_debts_statement_document_usted",
    ]
    assert all(s["whatsapp_quick_replies"] == ["pay", "agent", "paid"] for s in several)
    assert sorted(s["whatsapp_template_name"] for s in whatsapp) == [
        "recaudo_statement_document",
        "recaudo_statement_document",
        "recaudo_statement_document",
        "recaudo_statement_document_usted",
    ]
    assert all(s["whatsapp_quick_replies"] == ["pay", "agent", "paid"] for s in whatsapp)
    # The bot understands each payload as it is.
    assert [understood(p)[0] for p in ["pay", "agent", "paid"]] == [
        "payment_link",
        "human",
        "already_paid",
    ]
    others = [s for s in DEFAULT_TEMPLATES if s not in whatsapp and s not in several]
    assert all(s["whatsapp_quick_replies"] == [] for s in others)


def test_the_step_templates_carry_the_tone_of_their_step():
    for spec in DEFAULT_TEMPLATES:
        if spec["key"] in STEP_KEYS:
            assert spec["tone"] == STEP_KEYS[spec["key"]], template_id(spec)
        elif spec["key"] in EVENT_KEYS:
            assert spec["tone"] == "", template_id(spec)


@pytest.mark.parametrize("spec", DEFAULT_TEMPLATES, ids=template_id)
def test_every_default_template_is_valid(spec):
    assert (
        template_errors(
            subject=spec["subject"],
            body=spec["body"],
            channel=spec["channel"],
            whatsapp_parameters=spec["whatsapp_parameters"],
        )
        == {}
    )


@pytest.mark.parametrize("spec", DEFAULT_TEMPLATES, ids=template_id)
def test_every_default_template_renders_with_a_realistic_context(spec):
    context = context_for(spec["language"])

    message = rendered(spec, context)

    assert "{{" not in message.text and "{%" not in message.text
    assert context["marca"] in message.text or context["marca"] in message.subject
    if spec["key"] not in ("payment_thanks", "paid_in_full") or spec["channel"] == "email":
        assert context["enlace_pago"] in message.text
    if spec["channel"] == "email":
        assert message.subject and "\n" not in message.subject
        assert f'<a href="{context["enlace_pago"]}">' in message.html
        if spec["key"] not in SELF_CONTAINED:
            for debt in context["deudas"]:
                assert debt.monto in message.text
    else:
        assert message.subject == "" and message.html is None


@pytest.mark.parametrize(
    "spec", [t for t in DEFAULT_TEMPLATES if t["channel"] == "sms"], ids=template_id
)
def test_text_messages_fit_in_two_sms_segments(spec):
    text = rendered(spec, context_for(spec["language"])).text

    assert len(text) <= 306
    assert sms_segments(text) <= 2, text


def test_the_rcs_texts_are_the_whatsapp_texts_with_the_english_opt_out_line():
    bodies = {
        (t["key"], t["language"], t["register"], t["channel"]): t["body"] for t in DEFAULT_TEMPLATES
    }
    rcs = [(k, lang, reg) for (k, lang, reg, channel) in bodies if channel == "rcs"]

    assert len(rcs) >= 108  # every B2C key and several_debts, in es (tú, usted), en, pt
    for key, language, register in rcs:
        body = bodies[(key, language, register, "rcs")]
        whatsapp = bodies[(key, language, register, "whatsapp")]
        if language == "en" and key not in ("payment_thanks", "paid_in_full"):
            assert body.endswith("\nReply STOP to opt out."), key
            body = body.removesuffix("\nReply STOP to opt out.")
        if key == "plan_agreed":  # a long plan names its first instalment only
            assert "{% if cuotas_total > 24 %}- {{ primera_cuota }}" in body
            body = re.sub(r"{% if cuotas_total > 24 %}.*?{% else %}({{ cuotas }}){% endif \+%}",
                          r"\1", body, flags=re.S)  # fmt: skip
        assert body == whatsapp, (key, language, register)


def test_spanish_and_portuguese_rcs_texts_keep_their_accents():
    rcs = {(t["key"], t["language"], t["register"]): t["body"] for t in DEFAULT_TEMPLATES
           if t["channel"] == "rcs"}  # fmt: skip

    assert "¡gracias!" in rcs[("reminder_before", "es", "")]
    assert "podrá reportarse a las centrales de riesgo, no antes de 20 días" in rcs[
        ("credit_bureau_notice", "es", "")
    ]
    assert "sua conta está quitada. Baixe seu termo de quitação" in rcs[("paid_in_full", "pt", "")]
    assert "Si ya pagó, ¡gracias!" in rcs[("several_debts", "es", "usted")]


@pytest.mark.parametrize(
    "spec", [t for t in DEFAULT_TEMPLATES if t["channel"] == "whatsapp"], ids=template_id
)
def test_whatsapp_texts_can_be_submitted_to_meta_as_they_are(spec):
    body = spec["body"]
    in_order = list(dict.fromkeys(re.findall(r"{{\s*(\w+)\s*}}", body)))

    suffix = f"_{spec['register']}" if spec["register"] else ""
    # With a document header and buttons, the statement is another approved template.
    document = "_document" if spec["attach_statement"] else ""
    assert spec["whatsapp_template_name"] == f"recaudo_{spec['key']}{document}{suffix}"
    assert (
        spec["whatsapp_template_language"]
        == {"es": "es", "en": "en", "pt": "pt_BR"}[spec["language"]]
    )
    assert spec["whatsapp_parameters"] == in_order
    assert "{%" not in body
    assert not body.startswith("{{") and not body.rstrip().endswith("}}")
    assert len(body) <= 1024
    values = whatsapp_parameter_values(spec["whatsapp_parameters"], context_for(spec["language"]))
    assert len(values) == len(in_order) and all(values)


def test_the_other_channels_have_no_whatsapp_template():
    for spec in DEFAULT_TEMPLATES:
        if spec["channel"] != "whatsapp":
            assert spec["whatsapp_template_name"] == "", template_id(spec)
            assert spec["whatsapp_parameters"] == [], template_id(spec)


def test_business_debtors_get_formal_email_only():
    b2b = [t for t in DEFAULT_TEMPLATES if t["key"] in B2B_KEYS]

    assert {t["channel"] for t in b2b} == {"email"}
    for spec in b2b:
        if spec["language"] == "es":
            words = re.findall(r"\w+", spec["subject"] + " " + spec["body"])
            assert not {"tú", "te", "tu", "tus", "puedes"} & set(words), template_id(spec)
            assert "Le " in spec["body"] or " le " in spec["body"]


def test_the_payment_offer_mentions_instalments_and_choosing_a_date():
    words = {"es": ("cuotas", "fecha"), "en": ("instalments", "date"), "pt": ("parcel", "data")}

    for spec in DEFAULT_TEMPLATES:
        if spec["key"] == "payment_offer":
            text = rendered(spec, context_for(spec["language"])).text.lower()
            for word in words[spec["language"]]:
                assert word in text, template_id(spec)


def test_event_templates_use_their_own_placeholders():
    uses = {
        "payment_thanks": "referencia_pago",
        "paid_in_full": "enlace_paz_y_salvo",
        "extension_approved": "nueva_fecha",
        "discount_approved": "monto_acordado",
        "request_refused": "saldo_pendiente",
        "promise_reminder": "fecha_promesa",
        "promise_broken": "fecha_promesa",
        "debit_upcoming": "fecha_cargo",
        "debit_failed": "fecha_reintento",
        "debit_failed_final": "tarjeta_ultimos",
        "debit_action_required": "tarjeta_ultimos",
        "debit_cancelled": "tarjeta_ultimos",
        "payment_reversed": "saldo_pendiente",
        "payment_reversed_debit": "cuota_numero",
    }

    for spec in DEFAULT_TEMPLATES:
        if spec["key"] in uses:
            assert uses[spec["key"]] in spec["body"], template_id(spec)


THREATS = (
    "embargo",
    "demanda",
    "abogado",
    "jurídic",
    "judicial",
    "centrales de riesgo",
    "urgente",
    "último aviso",
    "inmediato",
    "lawsuit",
    "attorney",
    "legal action",
    "urgent",
    "final notice",
    "immediately",
    "processo",
    "advogado",
    "imediat",
)


# The notice the law requires before a credit-bureau report must name the bureaus
# (Ley 1266 art. 12, CDC art. 43 §2): saying so is the law's point, not a threat.
BUREAU_NOTICE_KEYS = {"credit_bureau_notice", "b2b_credit_bureau_notice"}


def test_no_default_template_threatens_or_rushes():
    for spec in DEFAULT_TEMPLATES:
        text = (spec["subject"] + " " + spec["body"]).lower()
        allowed = {"centrales de riesgo"} if spec["key"] in BUREAU_NOTICE_KEYS else set()
        assert not [w for w in THREATS if w in text and w not in allowed], template_id(spec)


def test_the_notice_before_a_bureau_report_names_the_bureaus_and_the_20_days_in_every_language():
    notices = [spec for spec in DEFAULT_TEMPLATES if spec["key"] in BUREAU_NOTICE_KEYS]

    assert len(notices) == 4 * 3 + 4 + 3  # B2C: 4 channels x 3 languages + usted; B2B: email
    for spec in notices:
        text = (spec["subject"] + " " + spec["body"]).lower()
        bureaus = {"es": "centrales de riesgo", "en": "credit bureau", "pt": "inadimplentes"}
        assert bureaus[spec["language"]] in text, template_id(spec)
        assert "20" in text, template_id(spec)


def test_the_email_of_thanks_is_a_receipt_with_amount_date_reference_and_balance():
    spec = next(
        t
        for t in DEFAULT_TEMPLATES
        if (t["key"], t["channel"], t["language"], t["register"])
        == ("payment_thanks", "email", "es", "")
    )

    text = rendered(spec, context_for("es", debts=0)).text

    assert (
        "Monto: $189.900,00\nFecha: 30 de noviembre\nReferencia: PAY-000123\n"
        "Saldo pendiente: $189.900,00"
    ) in text


def test_a_rendered_email_reads_as_expected():
    spec = next(
        t
        for t in DEFAULT_TEMPLATES
        if (t["key"], t["channel"], t["language"], t["register"])
        == ("reminder_before", "email", "es", "")
    )

    message = rendered(spec, context_for("es"))

    assert message.subject == "Recordatorio: tu pago a Movilnet vence el 15 de diciembre"
    assert message.text == (
        "Hola Valentina:\n\n"
        "Te recordamos que tu pago vence el 15 de diciembre. Este es el detalle:\n\n"
        "Tienes 2 facturas pendientes por $569.700,00:\n"
        "- Plan hogar 1: $189.900,00 (vencimiento: 15 de diciembre)\n"
        "- Plan hogar 2: $379.800,00 (vencimiento: 15 de diciembre)\n\n"
        "Total: $569.700,00\n\n"
        "Para pagar o ver tus opciones: https://pagos.recaudo.co/p/7Hk2Qm9x\n\n"
        "Si ya pagaste, gracias y no tengas en cuenta este mensaje.\n\n"
        "¿Tienes preguntas? Contáctanos: ayuda@example.com o +57 601 555 0100, o responde a "
        "este correo.\n\n"
        "Un saludo,\nEquipo Movilnet"
    )


def test_only_known_placeholders_are_used():
    for spec in DEFAULT_TEMPLATES:
        names = set(re.findall(r"{{\s*(\w+)", spec["subject"] + spec["body"]))
        assert names <= set(PLACEHOLDERS) | {"d"}, template_id(spec)


@pytest.mark.django_db
def test_every_default_template_can_be_saved_as_a_default():
    for spec in DEFAULT_TEMPLATES:
        values = dict(spec)
        Template.objects.update_or_create(
            creditor=None,
            key=values.pop("key"),
            channel=values.pop("channel"),
            language=values.pop("language"),
            register=values.pop("register"),
            defaults=values,
        )

    assert Template.objects.filter(creditor=None).count() >= len(DEFAULT_TEMPLATES)


def test_a_rendered_usted_email_reads_as_expected():
    spec = next(
        t
        for t in DEFAULT_TEMPLATES
        if (t["key"], t["channel"], t["language"], t["register"])
        == ("reminder_before", "email", "es", "usted")
    )

    message = rendered(spec, context_for("es"))

    assert message.subject == "Recordatorio: su pago a Movilnet vence el 15 de diciembre"
    assert message.text == (
        "Hola Valentina:\n\n"
        "Le recordamos que su pago vence el 15 de diciembre. Este es el detalle:\n\n"
        "Tiene 2 facturas pendientes por $569.700,00:\n"
        "- Plan hogar 1: $189.900,00 (vencimiento: 15 de diciembre)\n"
        "- Plan hogar 2: $379.800,00 (vencimiento: 15 de diciembre)\n\n"
        "Total: $569.700,00\n\n"
        "Para pagar o ver sus opciones: https://pagos.recaudo.co/p/7Hk2Qm9x\n\n"
        "Si ya pagó, gracias y no tenga en cuenta este mensaje.\n\n"
        "¿Tiene preguntas? Contáctenos: ayuda@example.com o +57 601 555 0100, o responda a "
        "este correo.\n\n"
        "Un saludo,\nEquipo Movilnet"
    )

"""Policies 0010: RCS templates still as shipped (SMS wording) get RCS texts; edited ones stay."""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps

from recaudo.policies.models import Template

pytestmark = pytest.mark.django_db
migration = import_module("recaudo.policies.migrations.0010_rcs_texts_of_their_own")
FROZEN = json.loads(
    (Path(migration.__file__).with_name("0010_rcs_texts.json")).read_text(encoding="utf-8")
)
EDITED = "{{ marca }}: {{ nombre }}, nuestro texto propio: {{ enlace_pago }}"


def default_rcs(key: str, language: str, register: str = "") -> Template:
    return Template.objects.get(
        creditor__isnull=True, key=key, channel="rcs", language=language, register=register
    )


def test_the_frozen_texts_go_from_the_sms_wording_to_the_whatsapp_wording():
    # Not compared with today's texts: those may move on; the migration's may not.
    assert len(FROZEN) == 108
    for name, texts in FROZEN.items():
        key, language, _register = name.split("|")
        assert texts["before"].startswith("{{ marca }}:"), name  # the SMS texts open so
        assert not texts["after"].startswith("{{"), name  # WhatsApp's never do
        assert "{{ nombre }}" in texts["before"] and "{{ nombre }}" in texts["after"], name
        if language == "en" and key not in ("payment_thanks", "paid_in_full"):
            assert texts["before"].endswith(" Reply STOP to opt out."), name
            assert texts["after"].endswith("\nReply STOP to opt out."), name


def test_rcs_templates_still_as_shipped_get_the_new_text_and_edited_ones_stay(creditor):
    shipped = default_rcs("due_today", "es")
    shipped_usted = default_rcs("due_today", "es", "usted")
    edited = default_rcs("due_today", "pt")
    old_es = FROZEN["due_today|es|"]["before"]
    Template.objects.filter(pk=shipped.pk).update(body=old_es, version=3)
    Template.objects.filter(pk=shipped_usted.pk).update(body=FROZEN["due_today|es|usted"]["before"])
    Template.objects.filter(pk=edited.pk).update(body=EDITED)
    copied = Template.objects.create(creditor=creditor, key="due_today", channel="rcs",
                                     language="es", body=old_es)  # fmt: skip
    own = Template.objects.create(creditor=creditor, key="due_today", channel="rcs",
                                  language="en", body=EDITED)  # fmt: skip
    sms = Template.objects.get(
        creditor__isnull=True, key="due_today", channel="sms", language="es", register=""
    )

    migration.forwards(apps, None)

    for row in (shipped, shipped_usted, edited, copied, own, sms):
        row.refresh_from_db()
    assert shipped.body == (
        "Hola {{ nombre }}, te escribimos de {{ marca }}: hoy vence tu pago de {{ total }}.\n"
        "Puedes pagar en un par de minutos aquí: {{ enlace_pago }}\nSi ya pagaste, ¡gracias!"
    )
    assert shipped.version == 4
    assert shipped_usted.body == FROZEN["due_today|es|usted"]["after"]
    assert "Si ya pagó, ¡gracias!" in shipped_usted.body
    assert copied.body == shipped.body
    assert edited.body == EDITED and own.body == EDITED
    assert sms.body == old_es  # SMS keeps its GSM-7 text

    migration.backwards(apps, None)

    shipped.refresh_from_db()
    edited.refresh_from_db()
    assert shipped.body == old_es
    assert edited.body == EDITED

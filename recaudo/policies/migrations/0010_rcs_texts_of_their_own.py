"""RCS gets its own texts, with accents, instead of the GSM-7 SMS wording (docs/templates.md).

``install_defaults`` only creates what is missing, so an existing database
keeps the RCS templates it installed, whose texts were the SMS ones. This
gives every RCS template whose text is still exactly the shipped SMS-derived
one (the shared default, or a creditor's copy never edited) the new text, and
bumps its version as a save would (each message records the version it used).
A text someone edited is left as it is.

The texts are frozen beside this file (``0010_rcs_texts.json``: per
"key|language|register", ``before`` and ``after``), not read from
``default_templates``, whose texts will move on.
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Now

TEXTS = Path(__file__).with_name("0010_rcs_texts.json")


def _texts() -> dict[tuple[str, str, str], dict[str, str]]:
    loaded = json.loads(TEXTS.read_text(encoding="utf-8"))
    return {tuple(name.split("|")): texts for name, texts in loaded.items()}


def _swap(apps, before: str, after: str) -> None:
    Template = apps.get_model("policies", "Template")
    for (key, language, register), texts in _texts().items():
        Template.objects.filter(
            channel="rcs", key=key, language=language, register=register, body=texts[before]
        ).update(body=texts[after], version=F("version") + 1, updated_at=Now())


def forwards(apps, schema_editor):
    _swap(apps, "before", "after")


def backwards(apps, schema_editor):
    _swap(apps, "after", "before")


class Migration(migrations.Migration):
    dependencies = [("policies", "0009_default_steps_try_rcs_before_sms")]

    operations = [migrations.RunPython(forwards, backwards)]

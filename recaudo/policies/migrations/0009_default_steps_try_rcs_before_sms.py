"""The shipped phone-first steps try RCS before SMS (docs/policies.md).

``install_defaults`` only creates what is missing, so steps installed before
keep their channels; this puts RCS in those still exactly as shipped
(WhatsApp, SMS, email). A step someone edited is left as it is.
"""

from django.db import migrations

OLD = ["whatsapp", "sms", "email"]
NEW = ["whatsapp", "rcs", "sms", "email"]


def _swap(apps, before, after):
    Step = apps.get_model("policies", "Step")
    changed = []
    for step in Step.objects.filter(policy__creditor__isnull=True).only("id", "channels"):
        if step.channels == before:
            step.channels = after
            changed.append(step)
    Step.objects.bulk_update(changed, ["channels"])


def forwards(apps, schema_editor):
    _swap(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _swap(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("policies", "0008_template_statement_and_quick_replies")]

    operations = [migrations.RunPython(forwards, backwards)]

from django.db import migrations


def make(apps, schema_editor):
    # The reversals fold's watermark (recaudo/insights/actions.py fold_reversals), made here so
    # that the fold never inserts its row inside its own transaction.
    apps.get_model("insights", "Watermark").objects.get_or_create(name="reversals")


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_agent_days")]

    operations = [migrations.RunPython(make, migrations.RunPython.noop)]

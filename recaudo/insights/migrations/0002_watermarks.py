from django.db import migrations

# The folds' watermark rows (recaudo/insights/folds.py WATERMARKS), made once here so that a
# fold never inserts its row inside its own transaction.
NAMES = ("debts", "payments", "allocations", "openings", "opt_outs", "recount", "balances")


def make(apps, schema_editor):
    Watermark = apps.get_model("insights", "Watermark")
    for name in NAMES:
        Watermark.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]

    operations = [migrations.RunPython(make, migrations.RunPython.noop)]

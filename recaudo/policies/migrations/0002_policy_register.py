from django.db import migrations, models


def shipped_b2b_is_formal(apps, schema_editor):
    # The shipped B2B policy's templates say "usted"; rows made before this field knew nothing.
    Policy = apps.get_model("policies", "Policy")
    Policy.objects.filter(creditor__isnull=True, code="b2b").update(register="usted")


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="policy",
            name="register",
            field=models.CharField(
                choices=[("tu", "tú (personas)"), ("usted", "usted (empresas, formal)")],
                default="tu",
                help_text=(
                    "Cómo tratan al deudor las plantillas de esta política; el asistente del "
                    "chat le habla igual."
                ),
                max_length=5,
                verbose_name="trato",
            ),
        ),
        migrations.RunPython(shipped_b2b_is_formal, migrations.RunPython.noop),
    ]

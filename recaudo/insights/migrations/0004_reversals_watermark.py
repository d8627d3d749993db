from django.db import migrations
from django.db.models import Max


def make(apps, schema_editor):
    # The reversals fold's watermark (recaudo/insights/actions.py fold_reversals), made here so
    # that the fold never inserts its row inside its own transaction. It starts after the
    # audit events already there: the figures made before this fold existed counted a payment
    # reversed before its fold never, and one reversed after it until a rebuild; taking every
    # old reversal off again would subtract what was never added. `recaudo insights rebuild`
    # once after upgrading takes the old reversals off (docs/insights.md).
    last = apps.get_model("portfolio", "AuditEvent").objects.aggregate(last=Max("id"))["last"]
    mark, _ = apps.get_model("insights", "Watermark").objects.get_or_create(name="reversals")
    mark.position = last or 0
    mark.save(update_fields=["position"])


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_agent_days"), ("portfolio", "0001_initial")]

    operations = [migrations.RunPython(make, migrations.RunPython.noop)]

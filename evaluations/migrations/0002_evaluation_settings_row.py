"""The single row of annual-evaluation settings, with the default weights and thresholds."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("evaluations", "EvaluationSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

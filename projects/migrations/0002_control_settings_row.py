"""The single row of project-control settings, with the DOMAIN.md defaults."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("projects", "ControlSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

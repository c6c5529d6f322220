"""The single row of petition-statistics settings, with the DOMAIN.md defaults."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("petitions", "PetitionSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0002_open1999_categories")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

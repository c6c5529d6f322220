# The cases overdue and still open come from the rollups too (fell due − closed, on the due
# day), so no dashboard reads the case table. Rollups are derived data: rebuild them after this
# migration (`seed_demo` does when they are empty; the nightly task does anyway).
from django.db import migrations, models


def empty_rollups(apps, schema_editor):
    for name in ("DailyRollup", "MonthlyRollup"):
        apps.get_model("petitions", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_per_dimension_rollups"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyrollup",
            name="fell_due_closed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthlyrollup",
            name="fell_due_closed",
            field=models.PositiveIntegerField(default=0),
        ),
        # Rows written before this column existed would report every case as overdue.
        migrations.RunPython(empty_rollups, migrations.RunPython.noop),
    ]

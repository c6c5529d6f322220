# Satisfaction is reported as the number answered, the mean and the share satisfied (rated 4 or
# 5), so the rollups count the satisfied ratings too. Rollups are derived data: rows written
# before this column existed would show every agency 0% satisfied, so they are dropped and
# rebuilt from the cases (`seed_demo` does when they are empty; the nightly task does anyway).
from django.db import migrations, models


def empty_rollups(apps, schema_editor):
    for name in ("DailyRollup", "MonthlyRollup"):
        apps.get_model("petitions", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0011_case_published"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyrollup",
            name="satisfaction_satisfied",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthlyrollup",
            name="satisfaction_satisfied",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(empty_rollups, migrations.RunPython.noop),
    ]

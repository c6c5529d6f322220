# Calls and problems side by side: each group's first call, and the rollups' repeat calls
# (a group's cases other than its first call). Groups made before this name their first call
# here; the rollups count repeat calls from their next rebuild (nightly, or the regrouping).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def name_first_calls(apps, schema_editor):
    Case = apps.get_model("petitions", "Case")
    ProblemGroup = apps.get_model("petitions", "ProblemGroup")
    ProblemGroup.objects.update(
        first_case=Subquery(
            Case.objects.filter(problem_group=OuterRef("pk"))
            .order_by("received_at", "pk")
            .values("pk")[:1]
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0014_problem_groups'),
    ]

    operations = [
        migrations.AddField(
            model_name='dailyrollup',
            name='repeat_calls',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlyrollup',
            name='repeat_calls',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='problemgroup',
            name='first_case',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='petitions.case', verbose_name='首件案件'),
        ),
        migrations.RunPython(name_first_calls, migrations.RunPython.noop),
    ]

# The rollups move from one row per (day, agency, category, channel, district) — about two rows
# per case — to rows per (period, dimension, agency, value) at two grains, day and month. The
# rows are derived data: they are rebuilt from the cases (nightly task, `seed_demo`, or
# `petitions.rollups.rebuild_rollups()`), so the old table is dropped, not converted.
from decimal import Decimal

from django.db import migrations, models

DIMENSIONS = [
    ("total", "合計"),
    ("category", "案件類別"),
    ("channel", "受理管道"),
    ("district", "行政區"),
]


def rollup_fields():
    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("agency_key", models.PositiveIntegerField(verbose_name="機關")),
        ("dimension", models.CharField(choices=DIMENSIONS, max_length=10)),
        ("value", models.CharField(blank=True, default="", max_length=20)),
        ("received", models.PositiveIntegerField(default=0)),
        ("closed", models.PositiveIntegerField(default=0)),
        ("closed_on_time", models.PositiveIntegerField(default=0)),
        ("fell_due", models.PositiveIntegerField(default=0)),
        ("fell_due_closed_on_time", models.PositiveIntegerField(default=0)),
        ("processing_days_sum", models.DecimalField(decimal_places=1, default=Decimal("0"), max_digits=12)),
        ("satisfaction_sum", models.PositiveIntegerField(default=0)),
        ("satisfaction_count", models.PositiveIntegerField(default=0)),
        ("histogram", models.JSONField(default=dict)),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0004_digest_schedule"),
    ]

    operations = [
        migrations.DeleteModel(name="DailyRollup"),
        migrations.CreateModel(
            name="DailyRollup",
            fields=[*rollup_fields(), ("day", models.DateField(verbose_name="日期"))],
            options={
                "verbose_name": "每日統計",
                "verbose_name_plural": "每日統計",
                "indexes": [models.Index(fields=["dimension", "day"], name="daily_rollup_dimension_day")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("dimension", "agency_key", "value", "day"),
                        name="one_daily_rollup_per_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthlyRollup",
            fields=[*rollup_fields(), ("month", models.DateField(verbose_name="月份"))],
            options={
                "verbose_name": "每月統計",
                "verbose_name_plural": "每月統計",
                "indexes": [
                    models.Index(fields=["dimension", "month"], name="monthly_rollup_dimension_month")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("dimension", "agency_key", "value", "month"),
                        name="one_monthly_rollup_per_key",
                    )
                ],
            },
        ),
    ]

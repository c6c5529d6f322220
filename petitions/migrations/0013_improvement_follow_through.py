import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0012_rollup_satisfied"),
    ]

    operations = [
        migrations.AddField(
            model_name="petitionsettings",
            name="improvement_plan_days",
            field=models.PositiveSmallIntegerField(
                default=30,
                help_text="逾期率高於門檻的機關，自列管日起於此日數內提出改善計畫。",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(120),
                ],
                verbose_name="改善計畫提出期限（日）",
            ),
        ),
        migrations.AddField(
            model_name="petitionsettings",
            name="improvement_recovery_months",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="機關回報改善成效後，逾期率連續此月數不高於門檻，改善事項即解除列管。",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(12),
                ],
                verbose_name="解除列管所需連續達標月數",
            ),
        ),
    ]

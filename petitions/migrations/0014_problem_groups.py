# One problem, many callers (重複陳情歸併): problem groups, each case's group, and the rules' settings.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0013_improvement_follow_through'),
        ('tainan_rdec', '0010_clean_import_jobs_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='group_kept',
            field=models.BooleanField(db_default=False, default=False, verbose_name='人工歸併'),
        ),
        migrations.AddField(
            model_name='petitionsettings',
            name='grouping_distance_m',
            field=models.PositiveSmallIntegerField(default=50, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='歸併距離（公尺）'),
        ),
        migrations.AddField(
            model_name='petitionsettings',
            name='grouping_working_days',
            field=models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(30)], verbose_name='歸併期間（工作天）'),
        ),
        migrations.CreateModel(
            name='ProblemGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_received_at', models.DateTimeField(verbose_name='首次受理時間')),
                ('last_received_at', models.DateTimeField(verbose_name='最近受理時間')),
                ('case_count', models.PositiveIntegerField(verbose_name='案件數')),
                ('latitude', models.DecimalField(decimal_places=6, max_digits=9, null=True, verbose_name='緯度')),
                ('longitude', models.DecimalField(decimal_places=6, max_digits=9, null=True, verbose_name='經度')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('kept', models.BooleanField(default=False, verbose_name='人工調整')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='建立時間')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.category', verbose_name='案件類別')),
                ('handling_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tainan_rdec.agency', verbose_name='承辦機關')),
            ],
            options={
                'verbose_name': '問題群組',
                'verbose_name_plural': '問題群組',
                'ordering': ['-last_received_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='case',
            name='problem_group',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cases', to='petitions.problemgroup', verbose_name='問題群組'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('problem_group__isnull', False)), fields=['problem_group'], name='cases_by_problem_group'),
        ),
        migrations.AddIndex(
            model_name='problemgroup',
            index=models.Index(fields=['category', 'first_received_at'], name='petitions_p_categor_bc5e64_idx'),
        ),
    ]

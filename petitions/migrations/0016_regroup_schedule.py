"""The nightly full regrouping (重複陳情歸併) for the database beat scheduler, before the nightly
rollup rebuild (02:00) so the rebuild counts the night's groups. Idempotent: a task already
there (by name) keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

REGROUP = "陳情案件每日重新歸併"
# (minute, hour), Taipei time.
REGROUP_AT = ("30", "1")


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    minute, hour = REGROUP_AT
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Taipei",
    )
    PeriodicTask.objects.get_or_create(
        name=REGROUP,
        defaults={
            "task": "petitions.tasks.group_cases_task",
            "crontab": crontab,
            "description": "每日01:30：全部案件重新歸併為問題群組（保留審查人員的拆分與合併）。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=REGROUP).delete()
    minute, hour = REGROUP_AT
    CrontabSchedule.objects.filter(
        minute=minute,
        hour=hour,
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Taipei",
        periodictask__isnull=True,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0015_grouping_as_cases_arrive"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]

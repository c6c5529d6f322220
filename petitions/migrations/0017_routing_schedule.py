"""The monthly retraining of the routing model (派工建議, petitions/routing.py) for the database
beat scheduler: the 1st of each month at 03:30, after the night's regrouping and rollups, so a
new month's closed cases are learned from and the month before is the one it is measured on.
Idempotent: a task already there (by name) keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

RETRAIN = "派工建議模型每月重新訓練"
# (minute, hour, day of month), Taipei time.
RETRAIN_AT = ("30", "3", "1")


def _crontab_fields():
    minute, hour, day = RETRAIN_AT
    return {
        "minute": minute,
        "hour": hour,
        "day_of_month": day,
        "month_of_year": "*",
        "day_of_week": "*",
        "timezone": "Asia/Taipei",
    }


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(**_crontab_fields())
    PeriodicTask.objects.get_or_create(
        name=RETRAIN,
        defaults={
            "task": "petitions.tasks.train_routing_model",
            "crontab": crontab,
            "description": "每月1日03:30：以最新已結案件重新訓練派工建議模型（保留最近幾版）。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=RETRAIN).delete()
    CrontabSchedule.objects.filter(**_crontab_fields(), periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0016_regroup_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]

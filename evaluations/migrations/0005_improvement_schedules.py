"""The improvement items' schedules for the database beat scheduler (django-celery-beat), so
admins see them under 週期性任務 and can change the time or switch one off. Idempotent: a task
already there (by name) keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

FOLLOW_UP = "陳情案件處理時效改善追蹤"
URGE = "改善事項逾期稽催"
# (minute, hour, day of month) of each crontab, Taipei time. The follow-through runs after the
# night's rollup rebuild (02:00) on the 1st, for the month just over.
FOLLOW_UP_AT = ("0", "6", "1")
URGE_AT = ("45", "7", "*")


def _crontab(CrontabSchedule, minute: str, hour: str, day: str):
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day,
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Taipei",
    )
    return crontab


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    PeriodicTask.objects.get_or_create(
        name=FOLLOW_UP,
        defaults={
            "task": "evaluations.tasks.follow_up_petition_timeliness",
            "crontab": _crontab(CrontabSchedule, *FOLLOW_UP_AT),
            "description": "每月1日06:00：上月逾期率高於門檻的機關列管改善事項，達標機關解除列管。",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=URGE,
        defaults={
            "task": "evaluations.tasks.send_improvement_reminders",
            "crontab": _crontab(CrontabSchedule, *URGE_AT),
            "description": "每日07:45（工作日）：改善事項逾期未辦理者，稽催被列管機關。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[FOLLOW_UP, URGE]).delete()
    # Only the schedules no other task uses.
    for minute, hour, day in (FOLLOW_UP_AT, URGE_AT):
        CrontabSchedule.objects.filter(
            minute=minute,
            hour=hour,
            day_of_month=day,
            month_of_year="*",
            day_of_week="*",
            timezone="Asia/Taipei",
            periodictask__isnull=True,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0004_improvement_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]

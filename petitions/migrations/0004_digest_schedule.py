"""The petitions schedules for the database beat scheduler (django-celery-beat), so admins see
them under 週期性任務 and can change the time or switch one off. Idempotent: a task already there
(by name) keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

DIGEST = "陳情案件逾期每日摘要"
ROLLUPS = "陳情案件每日統計重算"
# (minute, hour) of each crontab, Taipei time.
DIGEST_AT = ("30", "7")
ROLLUPS_AT = ("0", "2")


def _crontab(CrontabSchedule, minute: str, hour: str):
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month="*",
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
        name=DIGEST,
        defaults={
            "task": "petitions.tasks.send_overdue_digests",
            "crontab": _crontab(CrontabSchedule, *DIGEST_AT),
            "description": "每日07:30（工作日）：寄送各機關逾期及即將到期陳情案件摘要。",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=ROLLUPS,
        defaults={
            "task": "petitions.tasks.rebuild_rollups_task",
            "crontab": _crontab(CrontabSchedule, *ROLLUPS_AT),
            "description": "每日02:00：由案件資料重算陳情案件每日統計。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[DIGEST, ROLLUPS]).delete()
    # Only the schedules no other task uses.
    for minute, hour in (DIGEST_AT, ROLLUPS_AT):
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
        ("petitions", "0003_petition_settings_row"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]

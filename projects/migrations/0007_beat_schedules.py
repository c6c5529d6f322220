"""The reminder schedules for the database beat scheduler (django-celery-beat), so admins see
them under 週期性任務 and can change the time or switch one off. Idempotent: a task already there
(by name) keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

DAILY_REMINDERS = "每日填報及管制事項提醒"
SWEEP = "補寄未送出的提醒通知"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Taipei",
    )
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=DAILY_REMINDERS,
        defaults={
            "task": "projects.tasks.daily_project_reminders",
            "crontab": morning,
            "description": "每日08:00：填報期限前提醒、逾期稽催、陳報首長及研考會、管制事項提醒。",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "tainan_rdec.tasks.sweep_reminders",
            "interval": every_five_minutes,
            "description": "每5分鐘：重新派送遺失或中斷的提醒通知寄送。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[DAILY_REMINDERS, SWEEP]).delete()
    # Only the schedules no other task uses.
    CrontabSchedule.objects.filter(
        minute="0", hour="8", day_of_month="*", month_of_year="*", day_of_week="*",
        periodictask__isnull=True,
    ).delete()
    IntervalSchedule.objects.filter(
        every=5, period="minutes", periodictask__isnull=True
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0006_reminder_settings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]

"""The hourly clean-up of import uploads (tainan_rdec.importing.jobs.clean_up) for the database
beat scheduler, so admins see it under 週期性任務. Idempotent: a task already there (by name)
keeps the schedule an admin gave it."""

from django.db import migrations
from django.utils import timezone

CLEAN_UP = "清除過期的匯入檔案"
TASK = "tainan_rdec.importing.tasks.clean_import_jobs"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=CLEAN_UP,
        defaults={
            "task": TASK,
            "interval": every_hour,
            "description": "每小時：刪除超過保存時數（IMPORT_RETENTION_HOURS）未再變動的匯入工作"
            "，包括試算後未確認的上傳檔、已完成或已取消者的檔案與問題報表；執行中者不受影響。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=CLEAN_UP).delete()
    IntervalSchedule.objects.filter(every=1, period="hours", periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tainan_rdec", "0009_reminder_portal_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]

"""The schedule of the sweep that sends again the background work whose dispatch was lost (Redis
down) or whose worker died (tainan_rdec.dispatch), for the database beat scheduler, so admins
see it under 週期性任務. Idempotent: a task already there (by name) keeps the schedule an admin
gave it."""

from django.db import migrations
from django.utils import timezone

SWEEP = "重新派送遺失或中斷的背景工作"
TASK = "tainan_rdec.tasks.sweep_lost_work"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": TASK,
            "interval": every_five_minutes,
            "description": "每5分鐘：重新派送排隊過久的工作（如會議資料製作），"
            "包括 Redis 中斷期間未能派送及工作程序中斷者；已完成者不會重做。",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=SWEEP).delete()
    IntervalSchedule.objects.filter(every=5, period="minutes", periodictask__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("tainan_rdec", "0007_user_history"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]

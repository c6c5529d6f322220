"""The admin offers the two schedule types the portal's beat schedules use (crontab and interval,
projects/migrations/0007_beat_schedules.py) and not django-celery-beat's solar and clocked
schedules, which nobody here sets up."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_index_lists_crontab_and_interval_schedules_only(client_as):
    html = client_as("admin").get("/admin/").content.decode()
    assert "/admin/django_celery_beat/periodictask/" in html
    assert "/admin/django_celery_beat/crontabschedule/" in html
    assert "/admin/django_celery_beat/intervalschedule/" in html
    assert "solarschedule" not in html
    assert "clockedschedule" not in html


@pytest.mark.parametrize("model", ["solarschedule", "clockedschedule"])
def test_the_solar_and_clocked_schedule_pages_are_gone(client_as, model):
    response = client_as("admin").get(f"/admin/django_celery_beat/{model}/")
    assert response.status_code == 404


def test_a_periodic_task_can_still_be_opened_and_saved_in_the_admin(client_as):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(crontab__isnull=False).first()
    assert task is not None, "the beat schedules' migration made the reminder tasks"
    response = client_as("admin").get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200

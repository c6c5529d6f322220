"""Import uploads do not pile up: the hourly beat task removes every job whose status has not
changed for IMPORT_RETENTION_HOURS (checked but never confirmed, finished, abandoned); recent
and running jobs stay."""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_celery_beat.models import PeriodicTask

from tainan_rdec.celery import app
from tainan_rdec.importing import jobs
from tainan_rdec.importing.tasks import clean_import_jobs

pytestmark = pytest.mark.django_db

HOUR = 3600


def make_job(*, state, hours_ago, dry_run=True, ok=True) -> jobs.Job:
    """A job as the admin's pages leave it, its status last written ``hours_ago``."""
    job = jobs.Job.create(
        SimpleUploadedFile("projects.csv", "列管編號\nP113-0001\n".encode()),
        user=None,
        register="projects",
    )
    job.update(state=state, dry_run=dry_run, ok=ok)
    moment = time.time() - hours_ago * HOUR
    for path in (job.source, job.directory / "status.json"):
        os.utime(path, (moment, moment))
    return job


def test_unconfirmed_and_finished_uploads_are_removed_after_the_retention(settings):
    settings.IMPORT_RETENTION_HOURS = 24
    checked_never_confirmed = make_job(state=jobs.DONE, hours_ago=25)
    imported = make_job(state=jobs.DONE, hours_ago=30, dry_run=False)
    imported.write_report([])
    failed = make_job(state=jobs.FAILED, hours_ago=48, ok=False)
    cancelled = make_job(state=jobs.CANCELLED, hours_ago=26)

    assert clean_import_jobs() == 4

    for job in (checked_never_confirmed, imported, failed, cancelled):
        assert not job.directory.exists()


def test_recent_and_running_jobs_stay(settings):
    settings.IMPORT_RETENTION_HOURS = 24
    recent = make_job(state=jobs.DONE, hours_ago=2)
    queued = make_job(state=jobs.QUEUED, hours_ago=1)
    # Uploaded long ago, but its status is written as it goes: it is working.
    running = make_job(state=jobs.RUNNING, hours_ago=0)
    old = time.time() - 40 * HOUR
    os.utime(running.source, (old, old))

    assert clean_import_jobs() == 0

    for job in (recent, queued, running):
        assert job.read().state in (jobs.DONE, jobs.QUEUED, jobs.RUNNING)
        assert job.source.exists()


def test_a_job_a_dead_worker_left_running_is_removed(settings):
    settings.IMPORT_RETENTION_HOURS = 24
    abandoned = make_job(state=jobs.RUNNING, hours_ago=25)
    assert clean_import_jobs() == 1
    assert not abandoned.directory.exists()


def test_a_half_made_job_is_judged_by_its_folder_and_nothing_else_is_touched(settings):
    settings.IMPORT_RETENTION_HOURS = 1
    half = jobs.root() / ("a" * 32)
    (half / "source").mkdir(parents=True)
    stranger = jobs.root() / "README.txt"
    stranger.write_text("not a job")
    other_folder = jobs.root() / "keep-me"
    other_folder.mkdir()
    moment = time.time() - 2 * HOUR
    for path in (half, stranger, other_folder):
        os.utime(path, (moment, moment))

    assert clean_import_jobs() == 1

    assert not half.exists()
    assert stranger.exists() and other_folder.exists()


def test_the_retention_is_a_setting(settings):
    job = make_job(state=jobs.DONE, hours_ago=5)
    settings.IMPORT_RETENTION_HOURS = 6
    assert clean_import_jobs() == 0
    settings.IMPORT_RETENTION_HOURS = 4
    assert clean_import_jobs() == 1
    assert not job.directory.exists()


def test_no_imports_folder_yet_is_nothing_to_do():
    assert not jobs.root().exists()
    assert clean_import_jobs() == 0


def test_beat_runs_the_clean_up_every_hour():
    # The schedule comes from migration tainan_rdec 0010, as the other schedules do; run again
    # (it is idempotent) for a database a transactional test has emptied.
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tainan_rdec.migrations.0010_clean_import_jobs_schedule")
    migration.create_schedule(apps, None)
    task = PeriodicTask.objects.get(task="tainan_rdec.importing.tasks.clean_import_jobs")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (1, "hours")
    assert task.task in app.tasks

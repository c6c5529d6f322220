"""The tasks that start processes of their own go to the heavy queue (settings.HEAVY_TASK_QUEUE,
served by docker-compose's worker-heavy with the threads pool); every other task to the default
queue."""

import re
from pathlib import Path

from projects.tasks import build_packet, daily_project_reminders
from tainan_rdec.celery import HEAVY_TASKS, app
from tainan_rdec.importing.tasks import run_import_job
from tainan_rdec.tasks import send_reminder


def _queue(task) -> str:
    return app.amqp.router.route({}, task.name)["queue"].name


def test_the_heavy_tasks_go_to_the_heavy_queue(settings):
    # The names are the registered tasks' (a renamed task would silently leave the queue).
    assert HEAVY_TASKS == {run_import_job.name, build_packet.name}
    assert settings.HEAVY_TASK_QUEUE == "heavy"
    assert _queue(run_import_job) == _queue(build_packet) == "heavy"


def test_other_tasks_go_to_the_default_queue():
    for task in (daily_project_reminders, send_reminder):
        assert _queue(task) == app.conf.task_default_queue == "celery"


def test_the_heavy_queue_is_read_when_a_task_is_sent(settings):
    settings.HEAVY_TASK_QUEUE = "heavy-elsewhere"
    assert _queue(build_packet) == "heavy-elsewhere"


def test_both_queues_have_a_worker():
    """docker-compose runs the heavy queue on the threads pool, where its tasks can start their
    processes (tests/imports/test_import_worker.py runs one so); ``make worker`` serves both."""
    root = Path(__file__).resolve().parents[2]
    compose = (root / "docker-compose.yml").read_text()
    assert re.search(r"- -Q\n\s+- heavy\n\s+- --pool=threads\n", compose)
    assert '"worker", "-Q", "celery"' in compose
    assert "worker -Q celery,heavy" in (root / "Makefile").read_text()

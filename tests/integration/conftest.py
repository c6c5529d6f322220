"""A real Celery worker on the real Redis broker, sharing the test database.

Needs PostgreSQL (a SQLite test database lives in the test process's memory) and Redis.
The worker listens on a queue of its own, so no other worker on the machine takes its tasks.
"""

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tainan_rdec.celery import app as celery_app
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def _database_url():
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue, mail_dir, log_path, *, smtp_failures=0):
    env = subprocess_env(
        DATABASE_URL=_database_url(),
        # The portal's settings, with the worker's own dispatches routed to this queue.
        DJANGO_SETTINGS_MODULE="tests.integration.worker_settings",
        TEST_CELERY_QUEUE=queue,
        # A file backend that refuses the first ``smtp_failures`` sends like an SMTP server.
        EMAIL_BACKEND="tests.mail_backends.FlakyFileBackend",
        TEST_SMTP_FAILURES=str(smtp_failures),
        EMAIL_FILE_PATH=str(mail_dir),
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    with log_path.open("a") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tainan_rdec",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """``start(workers=1, smtp_failures=0)`` starts that many ``celery worker`` subprocesses
    on one queue of their own (two solo workers run two tasks at the same time) and returns
    (queue, mail folder, log path). Tasks this process dispatches go to that queue too. The
    workers are stopped by PID."""
    queue = f"itest-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    processes = []

    def start(workers=1, smtp_failures=0):
        for _ in range(workers):
            processes.append(_start_worker(queue, mail_dir, log_path, smtp_failures=smtp_failures))
        return queue, mail_dir, log_path

    eager = celery_app.conf.task_always_eager
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.task_default_queue = default_queue
        for process in processes:
            _stop(process)


@pytest.fixture
def celery_worker_process(celery_workers):
    """One worker: yield (queue, mail folder, log path)."""
    return celery_workers()

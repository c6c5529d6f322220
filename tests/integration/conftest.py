"""A real Celery worker on the real Redis broker, sharing the test database.

Needs PostgreSQL (a SQLite test database lives in the test process's memory) and Redis.
The worker listens on a queue of its own, so no other worker on the machine takes its tasks.
"""

import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
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


def _start_worker(queue, mail_dir, log_path, *, smtp_failures=0, pool="solo", **extra_env):
    env = subprocess_env(
        **{
            "DATABASE_URL": _database_url(),
            # The portal's settings, with the worker's own dispatches routed to this queue.
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "TEST_CELERY_QUEUE": queue,
            # A file backend that refuses the first ``smtp_failures`` sends like an SMTP server.
            "EMAIL_BACKEND": "tests.mail_backends.FlakyFileBackend",
            "TEST_SMTP_FAILURES": str(smtp_failures),
            "EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Packet sections rendered in the worker process itself (no render processes).
            "PACKET_RENDER_WORKERS": "1",
            **extra_env,
        }
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
                f"--pool={pool}",
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


def kill(process):
    """SIGKILL a worker, as the kernel's OOM killer or a pulled plug would: no shutdown, no
    acknowledgement, its database session cut."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)


@pytest.fixture
def celery_workers(transactional_db, tmp_path, settings):
    """``start(workers=1, smtp_failures=0, pool="solo", **env)`` starts that many ``celery
    worker`` subprocesses on one queue of their own (two solo workers run two tasks at the same
    time) and returns (queue, mail folder, log path); ``env`` is added to the workers'
    environment. Tasks this process dispatches go to that queue too, the heavy ones included.
    ``start.processes`` lists the workers started (for ``kill``). The workers are stopped by
    PID."""
    queue = f"itest-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    processes = []

    def start(workers=1, smtp_failures=0, pool="solo", **env):
        for _ in range(workers):
            processes.append(
                _start_worker(
                    queue, mail_dir, log_path, smtp_failures=smtp_failures, pool=pool, **env
                )
            )
        return queue, mail_dir, log_path

    start.processes = processes

    eager = celery_app.conf.task_always_eager
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    settings.HEAVY_TASK_QUEUE = queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.task_default_queue = default_queue
        for process in processes:
            if process.poll() is None:
                _stop(process)


@pytest.fixture
def celery_worker_process(celery_workers):
    """One worker: yield (queue, mail folder, log path)."""
    return celery_workers()


# -- a Redis of the test's own, to stop and start --------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` on a free loopback port that a test may stop and start again (the
    shared Redis of the machine must not be stopped: other workers use it). No persistence:
    stopping it loses every queued message, as a crashed broker would."""

    def __init__(self, log_path: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process = None

    def start(self):
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    shutil.which("redis-server"),
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@contextmanager
def celery_pointed_at(url: str, result_backend: str | None = None):
    """Point this process's Celery app at broker ``url`` (and result store ``result_backend``,
    by default the same), not eager, dropping the pooled connections to the old ones; restored
    afterwards."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.result_backend, conf.task_always_eager

    def point(broker, backend, eager):
        conf.broker_url, conf.result_backend, conf.task_always_eager = broker, backend, eager
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app._backend_cache = None
        celery_app._local.__dict__.pop("backend", None)

    point(url, result_backend or url, False)
    try:
        yield
    finally:
        point(*saved)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A ``PrivateRedis``, started, with this process's Celery app and Django cache on it (so
    stopping it stops everything the web process would reach in Redis). Workers started with
    ``REDIS_URL=private_redis.url`` use it too."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to stop and start a broker (Debian: redis-server)")
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "rdec",
        }
    }
    try:
        with celery_pointed_at(server.url):
            yield server
    finally:
        server.stop()

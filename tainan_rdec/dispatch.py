"""Queueing background work so that a broker outage never breaks a request or loses the work.

Work the portal must not lose is recorded in the database first — a ``Packet`` row QUEUED, a
``Reminder`` row PENDING — and the Celery message is only the nudge that gets a worker to it:

* ``send(task, *args)`` queues the task and returns True; when the broker (Redis) is down or
  unreachable it logs a warning and returns False instead of raising, and the row stays queued.
* ``send_on_commit(task, *args)`` does the same once the current transaction commits (a
  rolled-back request queues nothing, and a request whose data is committed never fails for the
  broker's sake).
* Each app registers a sweeper (``register_sweeper``) that finds its rows left queued too long
  and sends their task again; the beat task ``tainan_rdec.tasks.sweep_lost_work`` runs them every
  few minutes (the reminders have their own, ``sweep_reminders``). So work recorded while Redis
  was down runs when it is back.
* Sending twice is harmless: each task claims its row with a conditional UPDATE (QUEUED →
  BUILDING, PENDING → SENDING) and does nothing when the row is taken or done.

Code below the task layer (services, rules, views) names the task instead of importing it —
``send_on_commit("projects.tasks.build_packet", packet.pk)`` — because imports run
one way: a ``tasks`` module imports the services it calls, never the reverse (``task_named``).

``worker_lock`` tells a task whether another *live* process is working on a row (a PostgreSQL
advisory lock ends with the session of the process holding it), so a task can take over a row
that a killed worker left half done without waiting for a timeout.

With no broker (tasks run eagerly in-process, the embedded setup) ``send`` runs the task at once
and lets its errors through.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime

from celery import Task
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from tainan_rdec.celery import app

log = logging.getLogger(__name__)


# What a publish raises when the broker cannot take the message: kombu wraps the transport's
# connection errors after its own retries (task_publish_retry_policy); the others are the same
# failures seen from the result backend or a socket before kombu wraps them.
BROKER_ERRORS = (BrokerOperationalError, RedisError, OSError)


def task_named(name: str) -> Task:
    """The registered Celery task called ``name`` (its module path and function name).

    A process that has not imported the app's ``tasks`` module yet (a web process) has Celery
    run its autodiscovery of every installed app's ``tasks`` module first; an unknown name is a
    programming error and raises ``KeyError``."""
    try:
        return app.tasks[name]
    except KeyError:
        app.loader.import_default_modules()
        return app.tasks[name]


def send(task: Task | str, *args, **kwargs) -> bool:
    """Queue ``task(*args, **kwargs)``; False when the broker could not take it (logged).
    ``task`` is a task or the name of one (``task_named``).

    Nobody waits for the result of work sent this way (the row records the outcome), so none is
    kept: that also keeps the publish away from the result store, whose client, with Redis down,
    retries for many seconds and then refuses to work until the process restarts.

    Under eager execution (no broker) the task runs here and its errors propagate."""
    if isinstance(task, str):
        task = task_named(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, ignore_result=True)
    except BROKER_ERRORS as exc:
        if task.app.conf.task_always_eager:
            raise  # the task's own error: there is no broker
        log.warning(
            "broker unavailable: %s%r not queued (%s: %s); its row stays queued for the sweep",
            task.name,
            args,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def send_on_commit(task: Task | str, *args, **kwargs) -> None:
    """``send`` after the current transaction commits (at once in autocommit). Robust: what the
    callback raises is logged, not raised, because the caller's data is committed by then."""
    transaction.on_commit(lambda: send(task, *args, **kwargs), robust=True)


# -- sweepers ----------------------------------------------------------------------------------

Sweeper = Callable[[datetime], Iterable]
_sweepers: dict[str, Sweeper] = {}


def register_sweeper(name: str, sweeper: Sweeper) -> Sweeper:
    """Register ``sweeper(now) -> ids re-sent`` under ``name`` (the app's ``tasks`` module does
    this at import, which every worker does at start)."""
    _sweepers[name] = sweeper
    return sweeper


def sweep_all(now: datetime | None = None) -> dict[str, int]:
    """Run every registered sweeper; returns how many items each sent again. One failing
    sweeper does not stop the others (it is logged)."""
    now = now or timezone.now()
    counts = {}
    for name, sweeper in sorted(_sweepers.items()):
        try:
            counts[name] = len(list(sweeper(now)))
        except Exception:
            log.exception("sweeper %s failed", name)
            counts[name] = -1
    return counts


# -- knowing whether another live process holds a row ----------------------------------------


def _lock_key(name: str, key: int) -> int:
    """A signed 64-bit advisory-lock key for (name, key)."""
    digest = hashlib.blake2b(f"{name}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def worker_lock(name: str, key: int):
    """Hold an exclusive lock on (``name``, ``key``) for the block, if no other process has it.

    Yields True when this process holds it, False when another live process does, None when the
    database cannot tell (not PostgreSQL; callers then fall back on their timeouts). On
    PostgreSQL it is a session advisory lock: it ends when the holder's database session ends,
    so a worker killed mid-task stops holding it at once."""
    if connection.vendor != "postgresql":
        yield None
        return
    lock_id = _lock_key(name, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
            except DatabaseError:
                # The session is gone, and the lock with it.
                log.warning("worker_lock %s:%s: session lost before unlock", name, key)

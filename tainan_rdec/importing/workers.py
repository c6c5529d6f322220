"""Worker processes for a register's fast path: rows are read and checked in other processes
while this one reads the file and writes to the database.

A fast path (``petitions.bulk``) spends most of its time in the register's own per-row reading
and validation, which is Python and so runs on one core. With ``Pool`` it hands chunks of rows
to ``settings.IMPORT_WORKERS`` processes and gets back, in the order it sent them, the checked
records and the problems of each chunk; its own process keeps what must see the whole file or
the import's transaction (the header, duplicates inside the file, numbers already registered,
the writing).

A worker is forked from a fork server that has loaded only this module (as the packet's render
processes are, ``projects.packets``): a plain fork would share this process's PostgreSQL socket,
and a child closing its copy ends the parent's session. It sets Django up, opens its own
connection to the same database and builds the register's row checker from a dotted path.
It reads only reference tables (categories, agencies, the working-day calendar), which an
import does not change, so its own connection sees what the importing transaction sees. It
cannot see rows the caller has not committed yet, which is why ``can_run_workers`` refuses
when the import is called inside a transaction (a test case's, or a caller's own).

Where processes cannot be started (a Celery prefork child is a daemonic process, which may have
no children) ``Pool`` raises ``WorkersUnavailable`` at once and the import checks its rows
itself.

A worker ends when the importing process ends, however that ends (killed, out of memory): each
follows a lifeline to the importer (``tainan_rdec.lifeline``), or it would wait for tasks
forever, keeping the fork server, the resource tracker and its PostgreSQL session alive.

This module imports nothing of Django at its top: a worker loads the functions it runs before
Django is set up. As with any fork server or spawned process, a worker imports the program's
main script again, so a script that imports cases must keep its work under
``if __name__ == "__main__":`` (``manage.py``, Celery, gunicorn and pytest do).
"""

from __future__ import annotations

import collections
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from tainan_rdec.lifeline import Lifeline, follow

_checker: Callable | None = None
# Every worker waits at it for the others in ``_ready`` and ``_finish``: a task that waits there
# runs once in each worker (a worker waiting cannot take a second one).
_barrier = None
# Seconds a worker waits there for the others before the pool is taken as broken.
BARRIER_SECONDS = 120


class WorkersUnavailable(Exception):
    """Worker processes cannot be started here."""


def can_run_workers(size: int) -> bool:
    """Whether an import of a file of ``size`` bytes should check its rows in workers."""
    from django.conf import settings
    from django.db import connection

    return (
        settings.IMPORT_WORKERS >= 2
        and size >= settings.IMPORT_WORKERS_FROM_BYTES
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _start(
    settings_module: str,
    database: str,
    language: str,
    factory: str,
    args: tuple,
    lifeline,
    barrier,
):
    global _checker, _barrier
    _barrier = barrier
    follow(lifeline)  # first: a worker still setting Django up must end too
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.db import connections
    from django.utils import translation
    from django.utils.module_loading import import_string

    connections["default"].settings_dict["NAME"] = database
    translation.activate(language)
    _checker = import_string(factory)(*args)


def _check(chunk):
    return _checker(chunk)


def _ready() -> bool:
    _barrier.wait(BARRIER_SECONDS)
    return _checker is not None


def _finish():
    _barrier.wait(BARRIER_SECONDS)
    return _checker.finish()


class Pool:
    """``workers`` processes each running ``factory(*args)`` (a dotted path to a function that
    returns the chunk checker: called with each chunk; its ``finish()`` gives what it held back,
    see ``finish``) over the chunks given to ``submit``. At most two chunks per worker wait at
    a time, so memory stays flat whatever the file's size."""

    def __init__(self, workers: int, factory: str, args: tuple = ()):
        from django.conf import settings
        from django.db import connection
        from django.utils import translation

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._lifeline = Lifeline(context)
        barrier = context.Barrier(workers)
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start,
            initargs=(
                # (the settings fixture of a test hides SETTINGS_MODULE; the variable is set)
                os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
                connection.settings_dict["NAME"],
                translation.get_language() or settings.LANGUAGE_CODE,
                factory,
                args,
                self._lifeline.end,
                barrier,
            ),
        )
        self.workers = workers
        self.waiting: collections.deque[Future] = collections.deque()
        self.ahead = 2 * workers
        try:
            # Start every process now (each waits for the others: the executor starts another
            # for each task no process is free for), so that a place where they cannot start
            # says so before the import has begun.
            for ready in [self.executor.submit(_ready) for _ in range(workers)]:
                ready.result()
        except AssertionError as error:  # "daemonic processes are not allowed to have children"
            self.executor.shutdown(wait=False, cancel_futures=True)
            self._lifeline.cut()
            raise WorkersUnavailable(str(error)) from None

    def submit(self, chunk) -> Iterator:
        """Hand ``chunk`` over; yields the results of earlier chunks, in order, once more than
        ``ahead`` are waiting."""
        self.waiting.append(self.executor.submit(_check, chunk))
        while len(self.waiting) > self.ahead:
            yield self.waiting.popleft().result()

    def drain(self) -> Iterator:
        """The results of every chunk still waiting, in order."""
        while self.waiting:
            yield self.waiting.popleft().result()

    def finish(self) -> Iterator:
        """Once every chunk's result is taken: each worker's last result, what its checker's
        ``finish()`` gives (what it held back over its chunks)."""
        for last in [self.executor.submit(_finish) for _ in range(self.workers)]:
            yield last.result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self._lifeline.cut()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

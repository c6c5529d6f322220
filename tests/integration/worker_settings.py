"""Settings of the integration tests' Celery worker: the portal's, with the tasks the worker
dispatches itself (a reminder's send task) routed to the test's own queue, and the test hooks
(``tests.integration.hooks``) that do nothing unless the worker's environment asks for them."""

import os

from tainan_rdec.settings import *  # noqa: F403
from tainan_rdec.settings import CELERY_BROKER_TRANSPORT_OPTIONS, STORAGES

CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
# The heavy tasks too: a test's workers serve its one queue.
HEAVY_TASK_QUEUE = CELERY_TASK_DEFAULT_QUEUE

# Packet files through a storage that can pause before it stores (to kill the worker there).
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "tests.integration.hooks.PausingFileSystemStorage"},
}

# An SMTP failure retried after a second rather than production's 30 (a test waits for it).
REMINDER_RETRY_BACKOFF = int(os.environ.get("TEST_RETRY_BACKOFF", "30"))

# A worker started after another was killed: take back the dead worker's unacknowledged task
# after a few seconds instead of the hour production waits (the visibility timeout), checking
# every second. Only with a Redis of the test's own: a short timeout would also take back the
# tasks other workers on a shared Redis are still running.
if os.environ.get("TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

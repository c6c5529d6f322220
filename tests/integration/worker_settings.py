"""Settings of the integration tests' Celery worker: the portal's, with the tasks the worker
dispatches itself (a reminder's send task) routed to the test's own queue."""

import os

from tainan_rdec.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]

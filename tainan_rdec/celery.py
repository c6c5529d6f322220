"""The portal's Celery app: tasks live in each app's ``tasks.py``.

With no ``REDIS_URL`` the settings make every task run eagerly in-process, so the embedded
setup needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")

app = Celery("tainan_rdec")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The tasks that start processes of their own: an import's row checkers, a packet's render
# processes. See settings.HEAVY_TASK_QUEUE for why they have a queue of their own.
HEAVY_TASKS = frozenset(
    {"tainan_rdec.importing.tasks.run_import_job", "projects.tasks.build_packet"}
)


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery's router (``task_routes``): the heavy tasks to ``settings.HEAVY_TASK_QUEUE``, read
    when each is sent; every other task to the default queue."""
    if name in HEAVY_TASKS:
        from django.conf import settings

        return {"queue": settings.HEAVY_TASK_QUEUE}
    return None

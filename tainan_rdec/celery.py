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

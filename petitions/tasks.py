"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from petitions.rollups import rebuild_rollups


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=300,
    max_retries=3,
)
def rebuild_rollups_task(start: str | None = None, end: str | None = None) -> int:
    """Recompute the daily rollups for [start, end] (ISO dates; None: unbounded) from the case
    table. Idempotent: the rows of the range are replaced in one transaction, so a retried or
    duplicated run writes the same rows. Returns the number of rows written."""
    return rebuild_rollups(
        date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None
    )

"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from evaluations import reminders, timeliness
from tainan_rdec.months import add_months, month_start


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=300,
    max_retries=3,
)
def follow_up_petition_timeliness(month: str | None = None) -> dict:
    """Beat, early each month: the petitions-timeliness follow-through for last month (or for
    ``month``, an ISO date in it, to run a past month). Idempotent: a second run raises and
    closes nothing more. Returns the primary keys of the items raised and closed."""
    today = timezone.localdate()
    chosen = date.fromisoformat(month) if month else add_months(month_start(today), -1)
    result = timeliness.follow_up(chosen, today=today)
    return {
        "month": result.month.isoformat(),
        "raised": [item.pk for item in result.raised],
        "closed": [item.pk for item in result.closed],
    }


@shared_task
def send_improvement_reminders(day: str | None = None) -> int:
    """Beat, every morning: urge the agencies whose improvement items fell due (for today, or
    for ``day``, an ISO date, to make up a day the beat missed). Idempotent: the reminder keys
    make a second run send nothing new. Returns how many reminders were queued."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(reminders.urge_overdue(today))

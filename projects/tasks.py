"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from projects import reminders


@shared_task
def daily_project_reminders(day: str | None = None) -> int:
    """Beat, every morning: run every daily reminder rule for today (or for ``day``, an ISO
    date, to make up a day the beat missed). Idempotent: the reminder keys make a second run,
    or two at once, send nothing new. Returns how many reminders were queued."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(reminders.run_daily_rules(today))


@shared_task
def send_returned_report_notice(report_pk: int) -> int:
    """Dispatched when a reviewer returns a report (after the commit): tell the filer."""
    return len(reminders.notify_returned_report(report_pk))

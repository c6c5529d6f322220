"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from projects import reminders
from projects.models import Packet
from projects.reports import BUILDERS

log = logging.getLogger(__name__)


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


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=300,
    max_retries=3,
)
def build_packet(self, packet_pk: int) -> str | None:
    """Build packet ``packet_pk``; returns its state.

    Idempotent: the builder claims the row with a conditional UPDATE, so a redelivered or
    duplicated task finds it no longer queued and leaves it. A build that fails on the data or
    the files is marked FAILED with its error (retrying would fail the same way); only a lost
    database connection is retried, the row going back to QUEUED in between.
    """
    kind = Packet.objects.filter(pk=packet_pk).values_list("kind", flat=True).first()
    if kind is None:
        log.info("build_packet: packet %s no longer exists", packet_pk)
        return None
    packet = BUILDERS[kind](packet_pk)
    return packet.state if packet else None

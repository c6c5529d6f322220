"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from projects import reminders
from projects.choices import PacketState
from projects.models import Packet
from projects.packets import BUILDERS
from tainan_rdec import dispatch

log = logging.getLogger(__name__)

PACKET_LOCK = "projects.packet"
# A packet still QUEUED this long after it was requested lost its dispatch.
PACKET_UNDISPATCHED_AFTER = timedelta(minutes=5)
# A packet BUILDING this long is checked: the task takes it over if its worker is gone.
PACKET_CHECK_BUILDING_AFTER = timedelta(minutes=10)
PACKET_SWEEP_BATCH = 100


@shared_task
def daily_project_reminders(day: str | None = None) -> int:
    """Beat, every morning: run every daily reminder rule for today (or for ``day``, an ISO
    date, to make up a day the beat missed). Idempotent: the reminder keys make a second run,
    or two at once, send nothing new. Returns how many reminders were queued."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(reminders.run_daily_rules(today))


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

    The build holds ``dispatch.worker_lock`` on the packet. A task that finds the lock taken
    leaves the packet to the live worker building it; one that gets the lock while the row says
    BUILDING knows the worker that started it died (killed, out of memory): it puts the row back
    in the queue and builds it. Without PostgreSQL the builder's own rule applies (a BUILDING
    row is taken over only after the task time limit).
    """
    kind = Packet.objects.filter(pk=packet_pk).values_list("kind", flat=True).first()
    if kind is None:
        log.info("build_packet: packet %s no longer exists", packet_pk)
        return None
    with dispatch.worker_lock(PACKET_LOCK, packet_pk) as held:
        if held is False:
            log.info("build_packet: packet %s is being built by another worker", packet_pk)
            return Packet.objects.filter(pk=packet_pk).values_list("state", flat=True).first()
        if held and Packet.objects.filter(pk=packet_pk, state=PacketState.BUILDING).update(
            state=PacketState.QUEUED, started_at=None
        ):
            log.warning("build_packet: packet %s was left building by a dead worker", packet_pk)
        packet = BUILDERS[kind](packet_pk)
    return packet.state if packet else None


def redispatch_lost_packets(now: datetime) -> list[int]:
    """The packet sweeper (run by ``tainan_rdec.tasks.sweep_lost_work``): send the build task
    again for packets QUEUED longer than ``PACKET_UNDISPATCHED_AFTER`` (the dispatch was lost,
    e.g. Redis was down) and BUILDING longer than ``PACKET_CHECK_BUILDING_AFTER`` (its worker
    may have died; ``build_packet`` leaves it alone if a live worker still holds it). Returns
    the ids sent; stops at the first the broker refuses."""
    lost = Packet.objects.filter(
        Q(state=PacketState.QUEUED, created_at__lt=now - PACKET_UNDISPATCHED_AFTER)
        | Q(state=PacketState.BUILDING, started_at__lt=now - PACKET_CHECK_BUILDING_AFTER)
    ).order_by("created_at", "pk")
    sent = []
    for packet_pk in lost.values_list("pk", flat=True)[:PACKET_SWEEP_BATCH]:
        if not dispatch.send(build_packet, packet_pk):
            break
        sent.append(packet_pk)
    return sent


dispatch.register_sweeper("projects.packets", redispatch_lost_packets)

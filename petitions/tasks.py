"""Celery tasks of this app (autodiscovered)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from petitions.grouping import group_all
from petitions.reminders import daily_overdue_digest
from petitions.rollups import add_repeat_changes, fold_past_months, rebuild_rollups


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=300,
    max_retries=3,
)
def rebuild_rollups_task(start: str | None = None, end: str | None = None) -> int:
    """Recompute the rollups for [start, end] (ISO dates; None: unbounded) from the case
    table, once the months that are over are kept by month only (``fold_past_months``: on
    the first night of a month, last month's daily rows go). Beat, every night at 02:00
    (petitions/migrations/0004). Idempotent: the rows of the range are replaced in one
    transaction, so a retried or duplicated run writes the same rows. Returns the number of
    rows written."""
    with transaction.atomic():
        fold_past_months()
        return rebuild_rollups(
            date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None,
        )


@shared_task
def send_overdue_digests(day: str | None = None) -> int:
    """Beat, every morning: queue the overdue digest of each agency for today (or for ``day``,
    an ISO date, to make up a day the beat missed). Idempotent: the reminder keys make a
    second run, or two at once, send nothing new. Returns how many reminders were queued."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(daily_overdue_digest(today))


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=300,
    max_retries=3,
)
def group_cases_task() -> dict:
    """Regroup every case into problems (重複陳情歸併, petitions/grouping.py), keeping what
    reviewers decided, and put the calls whose first-call mark changed into the rollups.
    Beat, every night (petitions/migrations/0016). Idempotent: the groups are replaced in one
    transaction, so a retried or duplicated run leaves the same groups. Returns the run's
    figures."""
    with transaction.atomic():
        outcome = group_all()
        add_repeat_changes(outcome.changes)
    return {
        "cases": outcome.cases,
        "groups": outcome.groups,
        "grouped_cases": outcome.grouped_cases,
        "seconds": round(outcome.seconds, 1),
    }


@shared_task(acks_late=True)
def train_routing_model() -> dict:
    """Train a new version of the routing model (派工建議, petitions/routing.py) on the newest
    closed cases and return its figures; with too few cases, say so and keep the current one.
    Sent by an admin from the 派工建議 page (or by beat, if one is scheduled in the admin).
    Idempotent in effect: a second run writes one more version with the same figures."""
    from dataclasses import asdict

    from petitions import routing

    try:
        return asdict(routing.train())
    except routing.NotEnoughCases as refused:
        return {"refused": str(refused)}

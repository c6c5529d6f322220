"""The petition cases of the five-year data set: exactly N cases, written by
``petitions.demo.generate_cases`` (the path ``seed_demo --petitions N`` takes) over the five
years before 115.3.31, with their rollups.

Reused when the table holds N cases and the rollups exist; otherwise the petitions' case tables
(cases, transfers, status changes, events, rollups) are emptied and the N cases generated."""

from __future__ import annotations

import io
import time
from datetime import date

from tests.perf.fiveyear import wipe

# The day the generator counts five years back from (as tests/perf/bench_petitions.py always
# did, so the figures in RESULTS.md stay comparable).
CASES_TODAY = date(2026, 3, 31)


def _case_models():
    from petitions.models import (
        Case,
        CaseStatusChange,
        CaseTransfer,
        DailyRollup,
        Event,
        MonthlyRollup,
        YearlyRollup,
    )

    history = [Case.history.model] if hasattr(Case, "history") else []
    return [
        Event,
        Case,
        CaseTransfer,
        CaseStatusChange,
        DailyRollup,
        MonthlyRollup,
        YearlyRollup,
        *history,
    ]


def ensure(n: int) -> float | None:
    """Make the case table hold ``n`` generated cases; the seconds it took when they had to be
    generated, None when they were reused."""
    from django.db import connection

    from petitions import demo
    from petitions.models import Case, MonthlyRollup

    have = Case.objects.count()
    if have == n and MonthlyRollup.objects.exists():
        print(f"  cases: reusing {have:,}")
        return None
    if have:
        print(f"  cases: {have:,} in the table, {n:,} wanted: emptying the case tables")
        wipe(_case_models())
    began = time.perf_counter()
    written = demo.generate_cases(n, stdout=io.StringIO(), today=CASES_TODAY)
    elapsed = time.perf_counter() - began
    events = Case.objects.filter(event__isnull=False).count()
    print(
        f"  cases: generated {written:,} ({events:,} in the event) into {connection.vendor} in "
        f"{elapsed:.1f} s with the rollups: {written / elapsed:,.0f} cases/s"
    )
    return elapsed

"""Benchmark: 1,000,000 add_working_days calls on a WorkingCalendar (no database).

    .venv/bin/python tests/perf/bench_workdays.py

A petition import computes a due date per row, so this bounds what the calendar adds to a
1.5M-row import. Not collected by pytest (no test_ prefix; tests/perf is ignored). ``main()``
returns the figures (``tests.perf.table.Figure``).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

CALLS = 1_000_000


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from tainan_rdec.workdays import WorkingCalendar

    started = time.perf_counter()
    calendar = WorkingCalendar.for_years(2020, 2030, exceptions={})
    built = time.perf_counter() - started

    rng = random.Random(1999)
    first = date(2020, 1, 1)
    starts = [first + timedelta(days=rng.randrange(3650)) for _ in range(CALLS)]
    limits = [rng.randrange(0, 31) for _ in range(CALLS)]

    add = calendar.add_working_days
    started = time.perf_counter()
    for start, n in zip(starts, limits, strict=True):
        add(start, n)
    elapsed = time.perf_counter() - started

    print(f"built 2020-2030 calendar in {built * 1000:.1f} ms")
    print(f"{CALLS:,} add_working_days calls in {elapsed:.2f} s: {CALLS / elapsed:,.0f} calls/s")
    from tests.perf.table import Figure

    return [
        Figure(
            "workdays", "build the 2020–2030 calendar", p50_ms=built * 1000, p95_ms=built * 1000
        ),
        Figure(
            "workdays",
            f"{CALLS:,} add_working_days calls",
            value=CALLS / elapsed,
            unit="calls/s",
            note=f"{elapsed:.2f} s",
        ),
    ]


if __name__ == "__main__":
    main()

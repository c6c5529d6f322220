"""Benchmark: the demo case generator and the timeliness statistics at the city's scale.

    .venv/bin/python -m tests.perf bench_petitions
    PETITIONS_BENCH_N=1500000 .venv/bin/python -m tests.perf bench_petitions

It creates a separate test database (``create_test_db``, destroyed afterwards: SQLite in memory
by default, ``test_<name>`` on PostgreSQL when DATABASE_URL points there), generates N cases
(``PETITIONS_BENCH_N``, default 200,000) with ``petitions.demo.generate_cases`` and reports the
generation rate, the time of the full ``rebuild_rollups`` it ends with, the 95th percentile of
20 runs of ``timeliness_by("agency", ...)`` over the five years, and the peak memory (maximum
resident set size of this process).
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

DEFAULT_N = 200_000
RUNS = 20
TODAY = date(2026, 3, 31)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _run(n: int) -> None:
    from django.db import connection

    from petitions import demo
    from petitions.models import Case, DailyRollup
    from petitions.rollups import rebuild_rollups
    from petitions.stats import timeliness_by

    rebuilds: list[tuple[int, float]] = []

    def timed_rebuild():
        began = time.perf_counter()
        rows = rebuild_rollups()
        rebuilds.append((rows, time.perf_counter() - began))
        return rows

    # Time the one rebuild generate_cases ends with, apart from writing the cases.
    with mock.patch.object(demo, "rebuild_rollups", timed_rebuild):
        began = time.perf_counter()
        written = demo.generate_cases(n, stdout=io.StringIO(), today=TODAY)
        total = time.perf_counter() - began
    [(rows, rebuild)] = rebuilds
    assert DailyRollup.objects.count() == rows
    events = Case.objects.filter(event__isnull=False).count()
    print(
        f"generated {written:,} cases ({events:,} in the event) into {connection.vendor} in "
        f"{total - rebuild:.1f} s: {written / (total - rebuild):,.0f} cases/s "
        f"({written / total:,.0f} cases/s with the rollup rebuild)"
    )
    print(f"rebuild_rollups: {rows:,} rows in {rebuild:.1f} s")

    start = TODAY.replace(year=TODAY.year - 5) + timedelta(days=1)
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        table = timeliness_by("agency", start=start, end=TODAY, today=TODAY)
        samples.append(time.perf_counter() - began)
    print(
        f"timeliness_by('agency', five years): {len(table)} agencies, "
        f"p95 {_p95(samples) * 1000:.0f} ms, median {statistics.median(samples) * 1000:.0f} ms "
        f"({RUNS} runs)"
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    n = int(os.environ.get("PETITIONS_BENCH_N", DEFAULT_N))
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        _run(n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"peak memory: {_max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

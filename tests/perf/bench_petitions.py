"""Benchmark: the petitions pages and statistics at the city's scale.

    .venv/bin/python -m tests.perf bench_petitions
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec PETITIONS_BENCH_N=1500000 \\
        .venv/bin/python -m tests.perf bench_petitions

It runs in the kept five-year database (``tests.perf.fiveyear``, ``test_rdec_fiveyear``), whose
cases part holds exactly N cases (``BENCH_CASES``, or its older name ``PETITIONS_BENCH_N``;
1,500,000 on PostgreSQL, 20,000 on SQLite), generated with ``petitions.demo.generate_cases`` (five
years before 115.3.31) when the database holds another number. Then it times a full
``rebuild_rollups``, ``timeliness_by("agency")`` over the five years, and the server time
(Django's whole request handling, in process) of each page a reviewer or a bureau opens: p50 and
p95 over RUNS requests, and the queries each page runs. Last, the peak memory (maximum resident
set size of this process). ``main()`` returns them as ``tests.perf.table.Figure``.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

FIVE_YEAR_DATA = True  # `make bench` builds the data set once before the benchmarks
PAGE_TARGET_MS = 150
TODAY = date(2026, 3, 31)


def _run(data) -> list:
    import time_machine
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from petitions.models import (
        Case,
        DailyRollup,
        MonthlyRollup,
        PetitionSettings,
        YearlyRollup,
    )
    from petitions.rollups import fold_past_months, rebuild_rollups
    from petitions.services import daily_rollups_from
    from petitions.stats import timeliness_by
    from tainan_rdec import serving
    from tainan_rdec.choices import Role
    from tainan_rdec.models import Agency, User
    from tests.perf.fiveyear.users import username
    from tests.perf.table import Figure, timed
    from tests.perf.timing import RUNS, counting_queries, measure, page

    figures = []
    # The portal as it runs on TODAY: the nightly task keeps the months that are over by month
    # only (``rollups.fold_past_months``). BENCH_EVERY_DAY=1 keeps every day by day, as
    # before 2026-12-07, for comparison (a later run folds again).
    if os.environ.get("BENCH_EVERY_DAY") == "1":
        PetitionSettings.objects.update(daily_rollups_from=None)
    else:
        fold_past_months(TODAY)
    print(f"daily rollup rows kept from: {daily_rollups_from() or 'every day'}")
    began = time.perf_counter()
    rows = rebuild_rollups()
    rebuild = time.perf_counter() - began
    print(
        f"rebuild_rollups (five years): {rows:,} rows in {rebuild:.1f} s "
        f"({DailyRollup.objects.count():,} daily, {MonthlyRollup.objects.count():,} monthly, "
        f"{YearlyRollup.objects.count():,} yearly)"
    )
    if connection.vendor == "postgresql":
        # What autovacuum does after the nightly rebuild, long before anyone reads a page;
        # done here, untimed, rather than during the pages' timing (as it did before).
        with connection.cursor() as cursor:
            for model in (DailyRollup, MonthlyRollup, YearlyRollup):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    figures.append(
        Figure(
            "petitions",
            "rebuild_rollups(), five years",
            value=rebuild,
            unit="s",
            note=f"{data.scale.cases:,} cases, {rows:,} rollup rows",
        )
    )

    busiest = (
        Case.objects.open()
        .values("handling_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["handling_agency"]
    )
    agency = Agency.objects.get(pk=busiest)
    staff = User.objects.get(username=username(agency.code, Role.BUREAU_STAFF))
    as_reviewer, as_staff = Client(), Client()
    as_reviewer.force_login(data.reviewer)
    as_staff.force_login(staff)

    start = TODAY.replace(year=TODAY.year - 5) + timedelta(days=1)
    calls = [
        (
            "timeliness_by('agency'), five years",
            lambda: timeliness_by("agency", start=start, end=TODAY, today=TODAY),
            None,
        ),
        (
            "reviewer dashboard, five years",
            page(as_reviewer, "/petitions/dashboard/"),
            PAGE_TARGET_MS,
        ),
        (
            "reviewer dashboard, sorted by overdue rate",
            page(as_reviewer, "/petitions/dashboard/?sort=overdue_rate"),
            PAGE_TARGET_MS,
        ),
        (
            "reviewer dashboard, one year",
            page(as_reviewer, "/petitions/dashboard/?start=114.1&end=114.12"),
            PAGE_TARGET_MS,
        ),
        ("agency view (bureau: open cases)", page(as_staff, "/petitions/mine/"), PAGE_TARGET_MS),
        (
            "agency view (reviewer, every agency)",
            page(as_reviewer, "/petitions/mine/"),
            PAGE_TARGET_MS,
        ),
        ("case list (bureau)", page(as_staff, "/petitions/"), PAGE_TARGET_MS),
        ("case list (reviewer, every case)", page(as_reviewer, "/petitions/"), PAGE_TARGET_MS),
        ("home page (bureau card)", page(as_staff, "/"), PAGE_TARGET_MS),
    ]
    serving.settle()  # as a web worker does at start (tainan_rdec/wsgi.py)
    with time_machine.travel(date(2026, 3, 20), tick=True), counting_queries():
        print(f"server time over {RUNS} requests (today 115.3.20; bureau: {agency.name}):")
        for label, call, target in calls:
            samples, queries = measure(call)
            figure = timed("petitions", label, samples, queries, target=target)
            figures.append(figure)
            print(
                f"  {label:<44} p50 {figure.p50_ms:6.0f} ms   p95 {figure.p95_ms:6.0f} ms   "
                f"{queries:3d} queries"
            )
    return figures


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from tests.perf import fiveyear
    from tests.perf.table import Figure, max_rss_mb

    with fiveyear.database():
        figures = _run(fiveyear.ensure_dataset())
    memory = max_rss_mb()
    print(f"peak memory: {memory:.0f} MB")
    figures.append(
        Figure(
            "petitions",
            "peak memory of the process",
            value=memory,
            unit="MB",
            note="under `make bench`: of every benchmark run before it too",
        )
    )
    return figures


if __name__ == "__main__":
    main()

"""Benchmark: the petitions pages and statistics at the city's scale.

    .venv/bin/python -m tests.perf bench_petitions
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec PETITIONS_BENCH_N=1500000 \\
        .venv/bin/python -m tests.perf bench_petitions

It uses a database of its own (``test_rdec_bench_petitions``, kept between runs on
PostgreSQL; SQLite in memory otherwise). When that database does not hold exactly N cases
(``PETITIONS_BENCH_N``, default 200,000) it generates them with
``petitions.demo.generate_cases`` (five years before 115.3.31) and reports the rate. Then it
times a full ``rebuild_rollups``, ``timeliness_by("agency")`` over the five years, and the
server time (Django's whole request handling, in process) of each page a reviewer or a bureau
opens: p50 and p95 over RUNS requests, and the queries each page runs. Last, the peak memory
(maximum resident set size of this process).
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

DEFAULT_N = 200_000
RUNS = 20
TODAY = date(2026, 3, 31)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _ensure_cases(n: int) -> None:
    from django.db import connection

    from petitions import demo
    from petitions.models import Case, CaseTransfer, DailyRollup, Event, MonthlyRollup

    have = Case.objects.count()
    if have == n:
        print(f"reusing {have:,} cases in {connection.settings_dict['NAME']}")
        return
    if have:
        with connection.cursor() as cursor:
            for model in (CaseTransfer, Case, Event, DailyRollup, MonthlyRollup):
                table = model._meta.db_table
                if connection.vendor == "postgresql":
                    cursor.execute(f"TRUNCATE {table} CASCADE")
                else:
                    cursor.execute(f"DELETE FROM {table}")
    began = time.perf_counter()
    written = demo.generate_cases(n, stdout=io.StringIO(), today=TODAY)
    elapsed = time.perf_counter() - began
    events = Case.objects.filter(event__isnull=False).count()
    print(
        f"generated {written:,} cases ({events:,} in the event) into {connection.vendor} in "
        f"{elapsed:.1f} s with the rollups: {written / elapsed:,.0f} cases/s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _time(label: str, func, runs: int = RUNS) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()  # warm up
    connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
    with CaptureQueriesContext(connection) as ctx:
        func()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        func()
        samples.append(time.perf_counter() - began)
    print(
        f"  {label:<44} p50 {statistics.median(samples) * 1000:6.0f} ms   "
        f"p95 {_p95(samples) * 1000:6.0f} ms   {len(ctx.captured_queries):3d} queries"
    )


def _run(n: int) -> None:
    import time_machine
    from django.core import signals
    from django.db import close_old_connections, reset_queries
    from django.db.models import Count
    from django.test import Client

    from petitions.models import Case, DailyRollup, MonthlyRollup
    from petitions.rollups import rebuild_rollups
    from petitions.stats import timeliness_by
    from tainan_rdec.choices import Role
    from tainan_rdec.models import Agency, User

    # Keep one connection and its query log for the whole run, so queries are counted.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.request_started.disconnect(reset_queries)
    _ensure_cases(n)
    began = time.perf_counter()
    rows = rebuild_rollups()
    rebuild = time.perf_counter() - began
    print(
        f"rebuild_rollups (five years): {rows:,} rows in {rebuild:.1f} s "
        f"({DailyRollup.objects.count():,} daily, {MonthlyRollup.objects.count():,} monthly)"
    )

    busiest = (
        Case.objects.open()
        .values("handling_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["handling_agency"]
    )
    agency = Agency.objects.get(pk=busiest)
    reviewer, _ = User.objects.get_or_create(
        username="bench_reviewer",
        defaults={"role": Role.REVIEWER, "agency": Agency.objects.get(code="B26")},
    )
    staff, _ = User.objects.get_or_create(
        username="bench_staff", defaults={"role": Role.BUREAU_STAFF, "agency": agency}
    )
    as_reviewer, as_staff = Client(), Client()
    as_reviewer.force_login(reviewer)
    as_staff.force_login(staff)

    def page(client, path):
        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return get

    start = TODAY.replace(year=TODAY.year - 5) + timedelta(days=1)
    with time_machine.travel(date(2026, 3, 20), tick=True):
        print(f"server time over {RUNS} requests (today 115.3.20; bureau: {agency.name}):")
        _time(
            "timeliness_by('agency'), five years",
            lambda: timeliness_by("agency", start=start, end=TODAY, today=TODAY),
        )
        _time("reviewer dashboard (five years)", page(as_reviewer, "/petitions/dashboard/"))
        _time(
            "reviewer dashboard, sorted by overdue rate",
            page(as_reviewer, "/petitions/dashboard/?sort=overdue_rate"),
        )
        _time(
            "reviewer dashboard, one year",
            page(as_reviewer, "/petitions/dashboard/?start=114.1&end=114.12"),
        )
        _time("agency view (bureau: open cases)", page(as_staff, "/petitions/mine/"))
        _time("agency view (reviewer, every agency)", page(as_reviewer, "/petitions/mine/"))
        _time("case list (bureau)", page(as_staff, "/petitions/"))
        _time("case list (reviewer, 1.5M-row table)", page(as_reviewer, "/petitions/"))
        _time("home page (bureau card)", page(as_staff, "/"))


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    n = int(os.environ.get("PETITIONS_BENCH_N", DEFAULT_N))
    keep = connection.vendor == "postgresql"
    # A database of its own, kept between runs: the suite's test_<name> comes and goes.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_rdec_bench_petitions"
    setup_test_environment()
    # The test environment records every template's context for assertions, which doubles the
    # render time of a big page; a server does not, so neither does the benchmark.
    from django.template import Template
    from django.test.utils import _TestState

    Template._render = _TestState.saved_data.template_render
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)
    try:
        _run(n)
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"peak memory: {_max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Benchmark: importing cases from CSV, the fast path against django-import-export's import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec \\
        CASE_IMPORT_N=1500000 .venv/bin/python -m tests.perf bench_case_import

It makes a database of its own (``test_rdec_case_import``, dropped afterwards; SQLite in memory
without DATABASE_URL), writes a CSV of N cases (``CASE_IMPORT_N``, default 200,000) in the
cases register's layout (Chinese headers, ROC date-times, natural keys) spread over five years,
and times:

1. ``petitions.bulk.import_cases_csv`` on the whole file: rows/s, the part spent rebuilding the
   rollups, and the peak memory of the process (maximum resident set size), which is flat in N;
2. the ordinary register import (``tainan_rdec.importing.runner.run_import``, which is
   django-import-export's ``import_data`` with the portal's rules) on the first
   ``BASELINE_N`` rows of the same file, into an empty case table: rows/s, and the ratio.

It checks the result: N cases in the table and the rollups' city total equal to N.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_N = 200_000
BASELINE_N = 5_000
CHANNELS = ["1999專線", "市長信箱", "網路", "電子郵件", "臨櫃", "書面", "APP"]
HEADERS = [
    "案件編號",
    "受理管道",
    "受理時間",
    "案件類別",
    "細項",
    "行政區",
    "地址",
    "案情描述",
    "承辦機關代碼",
    "處理狀態",
    "結案時間",
    "滿意度（1–5）",
]


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _roc(moment: datetime) -> str:
    return f"{moment.year - 1911}/{moment:%m/%d %H:%M}"


def write_csv(path: Path, n: int, seed: int = 1999) -> None:
    from petitions.models import Subcategory
    from tainan_rdec.models import Agency, District
    from tainan_rdec.workdays import TAIPEI

    rng = random.Random(seed)
    pairs = list(Subcategory.objects.values_list("category__name", "name"))
    agencies = list(Agency.objects.filter(code__regex=r"^(B|D)").values_list("code", flat=True))
    districts = list(District.objects.values_list("name", flat=True))
    start = datetime(2021, 4, 1, tzinfo=TAIPEI)
    span = 5 * 365 * 24 * 60
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(n):
            received = start + timedelta(minutes=rng.randrange(span))
            category, sub = rng.choice(pairs)
            closed = rng.random() < 0.97
            closed_at = received + timedelta(hours=rng.choice([1, 3, 20, 50, 120, 300, 700]))
            writer.writerow(
                [
                    f"UN{received:%Y%m%d}{i:07d}",
                    rng.choice(CHANNELS),
                    _roc(received),
                    category,
                    sub,
                    rng.choice(districts),
                    "臺南市中西區民生路二段100號",
                    "路面坑洞，機車行經危險，請派員處理",
                    rng.choice(agencies),
                    "已結案" if closed else "處理中",
                    _roc(closed_at) if closed else "",
                    rng.choice(["", "3", "4", "5"]) if closed else "",
                ]
            )


def _run(n: int, workdir: Path) -> None:
    from django.db import connection

    from petitions.bulk import import_cases_csv
    from petitions.models import Case, CaseTransfer, DailyRollup, MonthlyRollup
    from petitions.stats import total_received
    from tainan_rdec.importing.runner import run_import

    path = workdir / "cases.csv"
    began = time.perf_counter()
    write_csv(path, n)
    print(
        f"wrote {n:,} case rows ({path.stat().st_size / 1024 / 1024:,.0f} MB CSV) in "
        f"{time.perf_counter() - began:.1f} s"
    )
    before = _max_rss_mb()

    timings = {}
    from petitions import rollups

    original = rollups.rebuild_rollups

    def timed_rebuild(*args, **kwargs):
        started = time.perf_counter()
        rows = original(*args, **kwargs)
        timings["rebuild"] = time.perf_counter() - started
        return rows

    rollups.rebuild_rollups = timed_rebuild
    began = time.perf_counter()
    outcome = import_cases_csv(path)
    elapsed = time.perf_counter() - began
    rollups.rebuild_rollups = original
    assert outcome.ok, [str(p) for p in outcome.problems[:5]]
    assert Case.objects.count() == n
    city = total_received(datetime(2021, 1, 1).date(), datetime(2026, 12, 31).date())
    assert city == n, (city, n)
    rebuild = timings.get("rebuild", 0.0)
    fast_rate = n / elapsed
    print(
        f"fast path ({connection.vendor}): {n:,} rows in {elapsed:.1f} s = {fast_rate:,.0f} rows/s "
        f"(rows {elapsed - rebuild:.1f} s, rollup rebuild {rebuild:.1f} s, "
        f"{outcome.rollup_rows:,} rollup rows); peak memory {_max_rss_mb():,.0f} MB "
        f"(before the import {before:,.0f} MB)"
    )

    # The ordinary import on the first BASELINE_N rows of the same file, into an empty table.
    with connection.cursor() as cursor:
        for model in (CaseTransfer, Case, DailyRollup, MonthlyRollup):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    sample = workdir / "sample.csv"
    with path.open(encoding="utf-8-sig") as source, sample.open("w", encoding="utf-8-sig") as out:
        for i, line in enumerate(source):
            if i > BASELINE_N:
                break
            out.write(line)
    began = time.perf_counter()
    ordinary = run_import("cases", sample, fast=False)
    elapsed = time.perf_counter() - began
    assert ordinary.ok, [str(p) for p in ordinary.problems[:5]]
    rate = BASELINE_N / elapsed
    print(
        f"django-import-export import (the register's ordinary path), {BASELINE_N:,} rows: "
        f"{elapsed:.1f} s = {rate:,.0f} rows/s; the fast path is {fast_rate / rate:,.0f}x faster"
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    n = int(os.environ.get("CASE_IMPORT_N", DEFAULT_N))
    # A database of its own: the test suite's test_<name> may be in use by a test run.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_rdec_case_import"
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            _run(n, Path(workdir))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()

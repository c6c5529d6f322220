"""Benchmark: importing cases from CSV, the fast path against django-import-export's import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec \\
        .venv/bin/python -m tests.perf bench_case_import

It makes a database of its own (``test_rdec_case_import`` on PostgreSQL, dropped afterwards;
SQLite in memory without DATABASE_URL), writes a CSV of N cases (``CASE_IMPORT_N``: 1,500,000 on
PostgreSQL, 20,000 on SQLite) in the cases register's layout (Chinese headers, ROC date-times,
natural keys) spread over five years, and times:

1. ``petitions.bulk.import_cases_csv`` on the whole file (with its worker processes,
   ``IMPORT_WORKERS``, on PostgreSQL): rows/s, the part spent rebuilding the rollups, and the
   peak memory of the importing process (maximum resident set size), flat in N;
2. the ordinary register import (``tainan_rdec.importing.runner.run_import``, which is
   django-import-export's ``import_data`` with the portal's rules) on the first
   ``BASELINE_N`` rows of the same file, into an empty case table: rows/s, and the ratio.

It checks the result: N cases in the table and the rollups' city total equal to N. Targets
(the import issue): 1.5 million rows in under 2 minutes (12,500 rows/s), peak memory under
1 GB, at least 20 times the ordinary path.
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

DEFAULT_N = {"postgresql": 1_500_000, "sqlite": 20_000}
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


def _max_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


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


def _run(n: int, workdir: Path) -> list:
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from petitions.bulk import import_cases_csv
    from petitions.models import Case, CaseTransfer, DailyRollup, MonthlyRollup
    from petitions.stats import total_received
    from tainan_rdec.importing.runner import run_import
    from tests.perf.table import Figure, Target

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
    # Five years in one CSV (300 MB) is over the default upload limit (IMPORT_MAX_FILE_BYTES,
    # 200 MB): an admin loading it raises the limit, as the benchmark does.
    limit = max(settings.IMPORT_MAX_FILE_BYTES, path.stat().st_size + 1024 * 1024)
    began = time.perf_counter()
    with override_settings(IMPORT_MAX_FILE_BYTES=limit):
        outcome = import_cases_csv(path)
    elapsed = time.perf_counter() - began
    rollups.rebuild_rollups = original
    assert outcome.ok, [str(p) for p in outcome.problems[:5]]
    assert Case.objects.count() == n
    city = total_received(datetime(2021, 1, 1).date(), datetime(2026, 12, 31).date())
    assert city == n, (city, n)
    rebuild = timings.get("rebuild", 0.0)
    rows_rate = n / (elapsed - rebuild)
    fast_rate = n / elapsed
    # (The workers are the fork server's children, which getrusage does not reach.)
    peak = _max_rss_mb()
    print(
        f"fast path ({connection.vendor}): {n:,} rows in {elapsed:.1f} s = {fast_rate:,.0f} rows/s "
        f"(rows {elapsed - rebuild:.1f} s = {rows_rate:,.0f} rows/s, rollup rebuild "
        f"{rebuild:.1f} s, {outcome.rollup_rows:,} rollup rows); peak memory {peak:,.0f} MB "
        f"(before the import {before:,.0f} MB)"
    )

    # The ordinary import on the first BASELINE_N rows of the same file, into an empty table.
    with connection.cursor() as cursor:
        for model in (CaseTransfer, Case, DailyRollup, MonthlyRollup):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    baseline_n = min(n, BASELINE_N)
    sample = workdir / "sample.csv"
    with path.open(encoding="utf-8-sig") as source, sample.open("w", encoding="utf-8-sig") as out:
        for i, line in enumerate(source):
            if i > baseline_n:
                break
            out.write(line)
    began = time.perf_counter()
    ordinary = run_import("cases", sample, fast=False)
    baseline = time.perf_counter() - began
    assert ordinary.ok, [str(p) for p in ordinary.problems[:5]]
    rate = baseline_n / baseline
    print(
        f"django-import-export import (the register's ordinary path), {baseline_n:,} rows: "
        f"{baseline:.1f} s = {rate:,.0f} rows/s; the fast path is {fast_rate / rate:,.0f}x "
        f"faster ({rows_rate / rate:,.0f}x for the rows alone)"
    )
    area = "case import"
    return [
        Figure(area, f"fast path, {n:,} rows, rows only", value=rows_rate, unit="rows/s",
               target=Target(12_500, at_least=True), note=f"{elapsed - rebuild:.0f} s"),
        Figure(area, "fast path with the rollup rebuild", value=fast_rate, unit="rows/s",
               note=f"{elapsed:.0f} s; rebuild {rebuild:.0f} s"),
        Figure(area, "peak memory, importing process", value=peak, unit="MB",
               target=Target(1024), note=f"{settings.IMPORT_WORKERS} workers, not counted"),
        Figure(area, f"ordinary path (django-import-export), {baseline_n:,} rows", value=rate,
               unit="rows/s"),
        Figure(area, "fast path ÷ ordinary path (with rollups)", value=fast_rate / rate,
               unit="×", target=Target(20, at_least=True)),
    ]  # fmt: skip


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    n = int(os.environ.get("CASE_IMPORT_N", DEFAULT_N.get(connection.vendor, 20_000)))
    if connection.vendor == "postgresql":
        # A database of its own: the suite's test_<name> may be in use by a test run.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_rdec_case_import"
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            return _run(n, Path(workdir))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    from tests.perf.table import print_table

    print_table(main())

"""Benchmark: importing cases from CSV — the fast path beside raw PostgreSQL COPY of the same
rows (the limit) and beside django-import-export's import (issue 20).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec \\
        .venv/bin/python -m tests.perf bench_case_import
    CASE_IMPORT_N=300000 CASE_IMPORT_ROUNDS=3 DATABASE_URL=... \\
        .venv/bin/python -m tests.perf bench_case_import

It makes a database of its own (``test_rdec_case_import`` on PostgreSQL, dropped afterwards;
SQLite in memory without DATABASE_URL), writes a CSV of N cases (``CASE_IMPORT_N``: 1,500,000 on
PostgreSQL, 20,000 on SQLite) in the cases register's layout (Chinese headers, ROC date-times,
natural keys, addresses and descriptions varied as callers' are) spread over five years, and
``CASE_IMPORT_ROUNDS`` times (default 3 up to 300,000 rows, else 1), interleaved, into an empty
case table:

1. ``petitions.bulk.import_cases_csv`` on the whole file (with its worker processes,
   ``IMPORT_WORKERS``, on PostgreSQL): rows/s with everything it does, the parts spent on the
   statistics (adding the cases to the rollups as it goes) and on the grouping (重複陳情歸併), and
   the rows alone (the rest); the peak memory of the importing process, flat in N;
2. raw ``COPY`` of the same rows (as the fast path left them, keys resolved: exported with
   ``COPY … TO`` once) into the same table with the same indexes: the limit (PostgreSQL only);

then the ordinary register import (``tainan_rdec.importing.runner.run_import``, which is
django-import-export's ``import_data`` with the portal's rules) on the first ``BASELINE_N`` rows of
the same file. It checks the result: N cases in the table and the rollups' city total equal to
N. Targets: the import with its statistics within 2× of raw COPY and the rows alone within 1.5×
(issue 20); 1.5 million rows in under 2 minutes (12,500 rows/s); peak memory under 1 GB; at
least 20 times the ordinary path. Medians of the rounds.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

DEFAULT_N = {"postgresql": 1_500_000, "sqlite": 20_000}
BASELINE_N = 5_000
LAST_DAY = date(2026, 3, 30)  # of the file's five years of receipts (2021-04-01 on)
ROADS = "中華路一段 民族路二段 健康路三段 永華路二段 安平路 北門路一段 海佃路一段 開元路".split()
PROBLEMS = [
    "路面坑洞，機車行經危險",
    "路燈不亮，夜間行人很危險",
    "水溝堵塞發出臭味",
    "違規停車擋住出入口",
    "行道樹傾倒擋住車道",
    "噪音擾人，深夜施工",
    "垃圾未清運，氣味難聞",
    "號誌故障，路口車輛回堵",
    "人行道破損，長者容易跌倒",
    "公園遊具損壞請派員修理",
]
PLACES = "便利商店前 公車站牌旁 國小門口 市場出口 廟口 加油站對面 停車場入口 銀行前".split()
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
    span = 5 * 365 * 24 * 60  # to LAST_DAY
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
                    f"臺南市{rng.choice(ROADS)}{rng.randrange(1, 1200)}號",
                    f"{rng.choice(PLACES)}{rng.choice(PROBLEMS)}，請派員處理",
                    rng.choice(agencies),
                    "已結案" if closed else "處理中",
                    _roc(closed_at) if closed else "",
                    rng.choice(["", "3", "4", "5"]) if closed else "",
                ]
            )


def _empty_case_tables() -> None:
    from django.db import connection

    from petitions.models import (
        Case,
        CaseStatusChange,
        CaseTransfer,
        DailyRollup,
        MonthlyRollup,
        ProblemGroup,
        YearlyRollup,
    )

    tables = [
        m._meta.db_table
        for m in (
            CaseTransfer,
            CaseStatusChange,
            ProblemGroup,
            Case,
            DailyRollup,
            MonthlyRollup,
            YearlyRollup,
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            return
        # Cases and groups name each other: let go of the groups first.
        cursor.execute(f"UPDATE {tables[3]} SET problem_group_id = NULL")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


class _Timer:
    """Seconds spent in some functions while the import runs, by part: ``owners`` maps a part
    to the (class or module, attribute) of its functions, which are replaced there for the
    duration (their callers look them up there). A call inside another call of the same part
    (a merge inside a gathering) counts once."""

    def __init__(self, owners: dict[str, list[tuple[object, str]]]):
        self.owners, self.spent, self.saved = owners, dict.fromkeys(owners, 0.0), []
        self.active: set[str] = set()

    def __enter__(self):
        for part, functions in self.owners.items():
            for owner, attribute in functions:
                original = getattr(owner, attribute)
                self.saved.append((owner, attribute, original))

                def timed(*args, _original=original, _part=part, **kwargs):
                    if _part in self.active:
                        return _original(*args, **kwargs)
                    self.active.add(_part)
                    started = time.perf_counter()
                    try:
                        return _original(*args, **kwargs)
                    finally:
                        self.spent[_part] += time.perf_counter() - started
                        self.active.discard(_part)

                setattr(owner, attribute, timed)
        return self

    def __exit__(self, *exc):
        for owner, attribute, original in reversed(self.saved):
            setattr(owner, attribute, original)


def _fast_path(path: Path) -> dict:
    from django.conf import settings
    from django.test import override_settings

    from petitions import bulk, grouping, rollups
    from petitions.models import Case
    from petitions.stats import total_received

    _empty_case_tables()
    # Five years in one CSV (300 MB) is over the default upload limit (IMPORT_MAX_FILE_BYTES,
    # 200 MB): an admin loading it raises the limit, as the benchmark does.
    limit = max(settings.IMPORT_MAX_FILE_BYTES, path.stat().st_size + 1024 * 1024)
    parts = {
        "statistics": [
            (rollups.Additions, "gather"),
            (rollups.Additions, "cases"),
            (rollups.Additions, "repeat_changes"),
            (rollups.Additions, "merge"),
        ],
        "grouping": [
            (grouping.Arrivals, "add"),
            (grouping.Arrivals, "place"),
            (grouping.Arrivals, "settle"),
            (grouping.Arrivals, "sweep"),
            (bulk, "_new_ids"),
        ],
    }
    began = time.perf_counter()
    with override_settings(IMPORT_MAX_FILE_BYTES=limit), _Timer(parts) as timer:
        outcome = bulk.import_cases_csv(path)
    elapsed = time.perf_counter() - began
    assert outcome.ok, [str(p) for p in outcome.problems[:5]]
    n = Case.objects.count()
    city = total_received(datetime(2021, 1, 1).date(), datetime(2026, 12, 31).date())
    assert city == n == outcome.new, (city, n, outcome.new)
    statistics_s, grouping_s = timer.spent["statistics"], timer.spent["grouping"]
    return {
        "seconds": elapsed,
        "statistics": statistics_s,
        "grouping": grouping_s,
        "rows": elapsed - statistics_s - grouping_s,
        "rollup_rows": outcome.rollup_rows,
        "grouped": outcome.grouped,
    }


def _export_rows(workdir: Path) -> Path | None:
    """The case table's rows as the fast path wrote them, as COPY text (PostgreSQL only)."""
    from django.db import connection

    from petitions.bulk import COLUMNS
    from petitions.models import Case

    if connection.vendor != "postgresql":
        return None
    exported = workdir / "cases.copy"
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    with connection.cursor() as cursor, exported.open("wb") as out:
        with cursor.cursor.copy(
            f"COPY (SELECT {columns} FROM {Case._meta.db_table} ORDER BY id) TO STDOUT"
        ) as copy:
            for block in copy:
                out.write(block)
    return exported


def _raw_copy(exported: Path) -> float:
    """Raw COPY of the exported rows into the emptied case table: seconds."""
    from django.db import connection, transaction

    from petitions.bulk import COLUMNS
    from petitions.models import Case

    _empty_case_tables()
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Case._meta.db_table} ({columns}) FROM STDIN") as copy:
            with exported.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
    return time.perf_counter() - began


def _run(n: int, workdir: Path) -> list:
    from django.conf import settings
    from django.db import connection

    from tainan_rdec.importing.runner import run_import
    from tests.perf.table import Figure, Target

    rounds = int(os.environ.get("CASE_IMPORT_ROUNDS", 3 if n <= 300_000 else 1))
    path = workdir / "cases.csv"
    began = time.perf_counter()
    write_csv(path, n)
    print(
        f"wrote {n:,} case rows ({path.stat().st_size / 1024 / 1024:,.0f} MB CSV) in "
        f"{time.perf_counter() - began:.1f} s"
    )
    # The portal as it runs: the months before the file's last one are over, and the nightly
    # task keeps them by month only (``rollups.fold_past_months``). CASE_IMPORT_EVERY_DAY=1
    # keeps every day by day instead, as before 2026-12-07, for comparison.
    if os.environ.get("CASE_IMPORT_EVERY_DAY") != "1":
        from petitions.rollups import fold_past_months

        fold_past_months(LAST_DAY)
    from petitions.services import daily_rollups_from

    print(f"daily rollup rows kept from: {daily_rollups_from() or 'every day'}")
    before = _max_rss_mb()
    fast, raw, exported = [], [], None
    for i in range(rounds):
        fast.append(_fast_path(path))
        print(f"round {i + 1}: fast path {fast[-1]['seconds']:.1f} s", flush=True)
        if exported is None:
            exported = _export_rows(workdir)
        if exported is not None:
            raw.append(_raw_copy(exported))
        line = fast[-1]
        print(
            f"round {i + 1}: fast path {line['seconds']:.1f} s (statistics "
            f"{line['statistics']:.1f} s, grouping {line['grouping']:.1f} s, rows "
            f"{line['rows']:.1f} s)" + (f"; raw COPY {raw[-1]:.1f} s" if raw else "")
        )
    # (The workers are the fork server's children, which getrusage does not reach.)
    peak = _max_rss_mb()

    def median(key: str) -> float:
        return statistics.median(line[key] for line in fast)

    elapsed, rows_s = median("seconds"), median("rows")
    fast_rate, rows_rate = n / elapsed, n / rows_s
    raw_s = statistics.median(raw) if raw else None
    print(
        f"fast path ({connection.vendor}), {n:,} rows, median of {rounds}: {elapsed:.1f} s = "
        f"{fast_rate:,.0f} rows/s (statistics {median('statistics'):.1f} s, grouping "
        f"{median('grouping'):.1f} s, rows {rows_s:.1f} s = {rows_rate:,.0f} rows/s; "
        f"{fast[0]['rollup_rows']:,} rollup rows written, {fast[0]['grouped']:,} cases grouped); "
        f"peak memory {peak:,.0f} MB (before the import {before:,.0f} MB)"
    )
    if raw_s is not None:
        print(
            f"raw COPY of the same rows: {raw_s:.1f} s = {n / raw_s:,.0f} rows/s; the fast path "
            f"takes {elapsed / raw_s:.2f}× its time, the rows alone {rows_s / raw_s:.2f}×"
        )

    # The ordinary import on the first BASELINE_N rows of the same file, into an empty table.
    _empty_case_tables()
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
    figures = [
        Figure(area, f"fast path, {n:,} rows, with statistics and grouping", value=fast_rate,
               unit="rows/s", target=Target(12_500, at_least=True),
               note=f"{elapsed:.0f} s; statistics {median('statistics'):.0f} s, grouping "
                    f"{median('grouping'):.0f} s; median of {rounds}"),
        Figure(area, "fast path, rows alone", value=rows_rate, unit="rows/s",
               note=f"{rows_s:.0f} s"),
        Figure(area, "peak memory, importing process", value=peak, unit="MB",
               target=Target(1024), note=f"{settings.IMPORT_WORKERS} workers, not counted"),
        Figure(area, f"ordinary path (django-import-export), {baseline_n:,} rows", value=rate,
               unit="rows/s"),
        Figure(area, "fast path ÷ ordinary path (with statistics)", value=fast_rate / rate,
               unit="×", target=Target(20, at_least=True)),
    ]  # fmt: skip
    if raw_s is not None:
        figures += [
            Figure(area, "raw COPY of the same rows (the limit)", value=n / raw_s,
                   unit="rows/s", note=f"{raw_s:.0f} s"),
            Figure(area, "fast path with statistics, × raw COPY's time", value=elapsed / raw_s,
                   unit="×", target=Target(2)),
            Figure(area, "fast path, rows alone, × raw COPY's time", value=rows_s / raw_s,
                   unit="×", target=Target(1.5)),
        ]  # fmt: skip
    return figures


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

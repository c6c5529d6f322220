"""Benchmark: a five-year by-agency-by-month statistics table written as an Excel download
(``tainan_rdec.tables``: the writer every "下載 Excel" link uses), its time and its memory.

    .venv/bin/python -m tests.perf bench_tables

The rows are made as they are written (a generator, as a streamed query gives them): 150
agencies × 60 months of the petitions dashboard's timeliness columns, counts, rates, days.
The same table at SCALE times the rows shows whether the writer's memory stays flat: openpyxl's
write-only mode keeps one row at a time and the sheet in a temporary file. Timed without
tracemalloc (it slows Python down), then measured with it. Needs no database.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

AGENCIES = 150
MONTHS = 60
TARGET_S = 5.0  # the bound for the five-year table
RUNS = 3
SCALE = 4  # the larger table, to see whether memory grows with the rows


def _rows(agencies: int, months: int):
    for a in range(agencies):
        for m in range(months):
            received = 200 + (a * 37 + m * 11) % 900
            closed = received - (a + m) % 17
            late = (a * 3 + m) % 23
            yield SimpleNamespace(
                agency=f"臺南市政府第{a + 1:03d}機關",
                month=date(2020 + m // 12, m % 12 + 1, 1),
                received=received,
                closed=closed,
                on_time=Decimal(100 * (closed - late) / closed).quantize(Decimal("0.1")),
                overdue=Decimal(100 * late / closed).quantize(Decimal("0.1")),
                mean_days=Decimal((a + m) % 90 + 10) / 10,
                p90_days=Decimal((a * m) % 150 + 20) / 10,
                overdue_open=(a + 2 * m) % 7,
                note="案件數未達排名門檻" if received < 250 else "",
            )


def _table(agencies: int, months: int):
    from tainan_rdec.tables import Column, Format, Table

    return Table(
        "各機關各月處理時效",
        [
            Column("承辦機關", Format.TEXT, "agency"),
            Column("受理月份", Format.MONTH, "month"),
            Column("受理件數", value="received", unit="件"),
            Column("結案件數", value="closed", unit="件"),
            Column("依限結案比率", Format.PERCENT, "on_time", unit="%"),
            Column("逾期率", Format.PERCENT, "overdue", unit="%"),
            Column("平均處理天數", Format.NUMBER, "mean_days", unit="工作天"),
            Column("第90百分位處理天數", Format.NUMBER, "p90_days", unit="工作天"),
            Column("逾期未結案", value="overdue_open", unit="件"),
            Column("備註", Format.TEXT, "note"),
        ],
        _rows(agencies, months),
        key="agency_month",
        filters=[("統計期間", "109年1月至113年12月")],
        row_header=0,
    )


def _write(agencies: int, months: int) -> tuple[float, float, int]:
    """Wall and CPU seconds to write the table, and the file's size."""
    from tainan_rdec.tables import write_workbook

    with tempfile.TemporaryFile() as out:
        started, cpu = time.perf_counter(), time.process_time()
        write_workbook([_table(agencies, months)], out, today=date(2025, 1, 2))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        out.seek(0, os.SEEK_END)
        return elapsed, cpu, out.tell()


def _peak_mb(agencies: int, months: int) -> float:
    tracemalloc.start()
    try:
        _write(agencies, months)
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from tests.perf.table import Figure, Target, timed

    rows = AGENCIES * MONTHS
    samples, cpus, size = [], [], 0
    for _ in range(RUNS):
        elapsed, cpu, size = _write(AGENCIES, MONTHS)
        samples.append(elapsed)
        cpus.append(cpu)
    big_elapsed, big_cpu, big_size = _write(AGENCIES * SCALE, MONTHS)
    peak = _peak_mb(AGENCIES, MONTHS)
    big_peak = _peak_mb(AGENCIES * SCALE, MONTHS)
    print(f"{rows:,} rows in {min(samples):.2f}–{max(samples):.2f} s (CPU {min(cpus):.2f} s)")
    print(f"{rows * SCALE:,} rows in {big_elapsed:.1f} s (CPU {big_cpu:.1f} s)")
    print(f"peak Python memory: {peak:.1f} MB ({rows:,} rows), {big_peak:.1f} MB (×{SCALE})")
    return [
        timed(
            "tables",
            f"five-year by-agency-by-month table to xlsx ({rows:,} rows)",
            samples,
            target=TARGET_S * 1000,
            note=f"{size // 1024:,} KB; CPU {min(cpus):.2f} s",
        ),
        Figure(
            "tables",
            f"the same at ×{SCALE} ({rows * SCALE:,} rows)",
            p50_ms=big_elapsed * 1000,
            p95_ms=big_elapsed * 1000,
            note=f"{big_size // 1024:,} KB; CPU {big_cpu:.1f} s",
        ),
        Figure(
            "tables",
            f"peak Python memory writing {rows:,} rows",
            value=round(peak, 1),
            unit="MB",
        ),
        Figure(
            "tables",
            f"peak Python memory writing {rows * SCALE:,} rows (flat: ≤ 1.5 × the above)",
            value=round(big_peak, 1),
            unit="MB",
            target=Target(round(peak * 1.5, 1)),
        ),
    ]


if __name__ == "__main__":
    main()

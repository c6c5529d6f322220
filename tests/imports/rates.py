"""Rows a second of every register's ordinary import (a dry run), for tests/imports/RATES.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch python -m tests.imports.rates 1000

Run it against a throw-away, migrated database: it writes 200 projects and 100 S-curves there
(what the milestones, reports and directives rows point at). Each register's file is its
template's example row repeated, its natural key varied row by row, as a CSV checked through the
ordinary path (``fast=False``: the case CSV's fast path has its own benchmark,
tests/perf/bench_case_import.py). Prints rows, seconds and rows/s per register.
"""

from __future__ import annotations

import csv
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path


def _roc(day: datetime.date) -> str:
    return f"{day.year - 1911}/{day.month:02d}/{day.day:02d}"


def rows_for(name: str, columns, count: int) -> list[list]:
    """``count`` rows of the register ``name``: its example row, the key varied."""
    from tainan_rdec.importing.workbooks import example_value

    example = {c.column_name: example_value(c) for c in columns}
    rows = []
    for i in range(count):
        row = dict(example)
        month = i % 12 + 1
        if name == "agencies":
            row.update({"機關代碼": f"Z{i:05d}", "機關名稱": f"範例局{i}"})
        elif name == "users":
            row.update({"帳號": f"user{i}", "電子郵件": f"u{i}@example.tw"})
        elif name == "calendar":
            row["日期"] = _roc(datetime.date(1980, 1, 1) + datetime.timedelta(days=i))
        elif name == "projects":
            row.update(
                {"列管編號": f"P113-{i:06d}", "標案案號": f"T{i:07d}", "案件名稱": f"工程{i}"}
            )
        elif name in ("milestones", "directives"):
            row["列管編號"] = f"X113-{i % 100:04d}"
            row["檢核點" if name == "milestones" else "管制事項"] = f"事項{i}"
        elif name == "scurves":
            row.update(
                {
                    "列管編號": f"Y113-{i // 12:04d}",
                    "月份": f"113/{month:02d}",
                    "預定進度": str(round(month * 100 / 12, 2)),
                    "預定累計分配數（元）": month * 1000,
                }
            )
        elif name == "reports":
            row.update(
                {
                    "列管編號": f"X113-{i // 12:04d}",
                    "填報月份": f"113/{month:02d}",
                    "實際進度": str(round(month * 100 / 12, 2)),
                    "累計分配數（元）": month * 1000,
                    "實支數（元）": month * 500,
                    "應付未付數（元）": 0,
                }
            )
        elif name == "categories":
            row["案件類別"] = f"類別{i}"
        elif name == "subcategories":
            row.update({"細項代碼": f"{9000 + i}", "細項": f"細項{i}", "案件類別": "道路維修"})
        elif name == "cases":
            row["案件編號"] = f"UN2024{i:08d}"
        elif name == "phone_tests":
            row.update({"編號": f"TEL-113-{i + 1:04d}", "受測單位": f"單位{i}"})
        elif name == "audits":
            row.update({"編號": f"AUD-113-{i + 1:04d}", "受稽核櫃台": f"櫃台{i}"})
        elif name == "coaching":
            row["參獎方案名稱"] = f"方案{i}"
        elif name == "awards":
            row["獎項名稱"] = f"獎項{i}"
        rows.append([row[c.column_name] for c in columns])
    return rows


def write_csv(folder: Path, name: str, columns, rows) -> Path:
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([c.column_name for c in columns])
        writer.writerows(rows)
    return path


def set_up(folder: Path) -> None:
    """Projects X113-* (with S-curves: for milestones, reports, directives) and Y113-* (without:
    for the S-curves' own file), and the case categories."""
    from projects.models import Project
    from tainan_rdec.importing import get_register
    from tainan_rdec.importing.runner import run_import
    from tests.petitions.builders import ensure_categories

    ensure_categories()
    if Project.objects.filter(control_number="X113-0000").exists():
        return
    columns = get_register("projects").resource().import_columns()
    for prefix in ("X", "Y"):
        rows = rows_for("projects", columns, 100)
        for n, row in enumerate(rows):
            row[0], row[-1] = f"{prefix}113-{n:04d}", f"{prefix}{row[-1]}"
            row[10], row[11] = "113/01/01", "113/12/31"  # 預定開工日期, 預定完工日期
        assert run_import("projects", write_csv(folder, f"set-up-{prefix}", columns, rows)).ok
    columns = get_register("scurves").resource().import_columns()
    rows = rows_for("scurves", columns, 1200)
    for row in rows:
        row[0] = row[0].replace("Y", "X")
    assert run_import("scurves", write_csv(folder, "set-up-curves", columns, rows)).ok


def main(count: int, names: list[str]) -> None:
    from django.db import connection

    from tainan_rdec.importing import all_registers
    from tainan_rdec.importing.runner import run_import

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        set_up(folder)
        print(f"{connection.vendor}, {count} rows a file")
        for entry in all_registers():
            if names and entry.name not in names:
                continue
            columns = entry.resource().import_columns()
            rows = rows_for(entry.name, columns, 1200 if entry.name == "scurves" else count)
            path = write_csv(folder, entry.name, columns, rows)
            started = time.perf_counter()
            outcome = run_import(entry.name, path, dry_run=True, fast=False)
            seconds = time.perf_counter() - started
            print(
                f"{entry.name:14} {outcome.total:6} rows {seconds:7.1f} s "
                f"{outcome.total / seconds:7.0f} rows/s{'' if outcome.ok else '  (problems)'}",
                flush=True,
            )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, sys.argv[2:])

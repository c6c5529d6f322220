"""`make bench`: build (or reuse) the five-year data set once, run every ``bench_*.py`` module's
``main()`` in this folder, and print one table of what they measured.

    make bench                                          # SQLite, small scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec make bench   # the full scale
    .venv/bin/python -m tests.perf bench_pages bench_workdays              # some of them

Each ``main()`` returns a list of ``tests.perf.table.Figure`` (None is allowed: a benchmark
that only prints); the table, with the machine it ran on and a pass/fail column against the
DESIGN.md targets, is Markdown for tests/perf/RESULTS.md. A benchmark that raises is reported
and the others still run; the exit status is then 1.

Benchmarks are measurements, not tests: they are never collected by pytest. Run one alone with
``python -m tests.perf.bench_workdays``.
"""

import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")


def main(selected: list[str]) -> int:
    import django

    django.setup()
    from tests.perf import fiveyear
    from tests.perf.table import print_table

    here = Path(__file__).parent
    names = [
        info.name
        for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name)
        if info.name.startswith("bench_") and (not selected or info.name in selected)
    ]
    unknown = set(selected) - set(names)
    if unknown:
        print(f"no such benchmark: {', '.join(sorted(unknown))}")
        return 2
    modules = [(name, importlib.import_module(f"tests.perf.{name}")) for name in names]
    figures, failed = [], []
    if any(getattr(module, "FIVE_YEAR_DATA", False) for _name, module in modules):
        print("== five-year data set")
        with fiveyear.database():
            figures += fiveyear.ensure_dataset().figures()
    for name, module in modules:
        print(f"== {name}")
        try:
            figures += module.main() or []
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    print_table(figures)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

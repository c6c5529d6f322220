"""`make bench`: run every ``bench_*.py`` module's ``main()`` in this folder and print figures.

Benchmarks are measurements, not tests: they print numbers for the closing notes and are never
collected by pytest. Run one alone with ``python -m tests.perf.bench_workdays``.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")


def main(selected: list[str]) -> None:
    import django

    django.setup()
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_") or (selected and info.name not in selected):
            continue
        print(f"== {info.name}")
        importlib.import_module(f"tests.perf.{info.name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])

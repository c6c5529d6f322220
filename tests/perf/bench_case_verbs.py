"""Benchmark: what one desk action costs at the city's scale: registering a case (the 1999 desk)
and closing it (the handling agency), each with the rollup rows it keeps (day, month and year;
``petitions.services.apply_deltas``) and, for a registration, its grouping on arrival.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec \\
        .venv/bin/python -m tests.perf bench_case_verbs

It runs in the kept five-year database (``tests.perf.fiveyear``) on the busiest agency, on
115.3.20. Each run registers a case like one of that agency's own cases and closes it, in a
transaction that is rolled back, so the data set is left as it was: p50 and p95 over RUNS runs
of each verb, and the queries each runs.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

FIVE_YEAR_DATA = True
TODAY = date(2026, 3, 20)
RUNS = 30


def _run() -> list:
    import time_machine
    from django.db import transaction
    from django.db.models import Count

    from petitions.models import Case
    from petitions.services import close_case, register_case
    from tainan_rdec.workdays import TAIPEI
    from tests.perf.table import timed
    from tests.perf.timing import count_queries

    busiest = (
        Case.objects.values("handling_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["handling_agency"]
    )
    like = Case.objects.filter(handling_agency=busiest).select_related("subcategory").first()
    received_at = datetime.combine(TODAY, datetime.min.time(), TAIPEI) + timedelta(hours=9)
    numbers = itertools.count()

    def register() -> Case:
        return register_case(
            case_number=f"BENCH{next(numbers):07d}",
            received_at=received_at,
            subcategory=like.subcategory,
            handling_agency_id=like.handling_agency_id,
            channel=like.channel,
            district_id=like.district_id,
            address=like.address,
            description=like.description,
        )

    def close(case: Case) -> None:
        close_case(case, at=received_at + timedelta(days=2), satisfaction=4)

    @contextmanager
    def rolled_back():
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    timings: dict[str, list[float]] = {"register": [], "close": []}
    with time_machine.travel(received_at + timedelta(hours=1)):
        with rolled_back():  # warm up: first-use caches (the calendar, the settings)
            close(register())
        with rolled_back():
            made = []
            queries = {
                "register": count_queries(lambda: made.append(register())),
                "close": count_queries(lambda: close(made[0])),
            }
        for _ in range(RUNS):
            with rolled_back():
                began = time.perf_counter()
                case = register()
                registered = time.perf_counter()
                close(case)
                timings["register"].append(registered - began)
                timings["close"].append(time.perf_counter() - registered)
    figures = []
    labels = {
        "register": "register a case (rollups and grouping)",
        "close": "close a case (rollups)",
    }
    print(f"one desk action over {RUNS} runs (115.3.20, agency {busiest}):")
    for verb, label in labels.items():
        figure = timed("petitions", label, timings[verb], queries[verb])
        figures.append(figure)
        print(
            f"  {label:<40} p50 {figure.p50_ms:6.1f} ms   p95 {figure.p95_ms:6.1f} ms   "
            f"{queries[verb]:3d} queries"
        )
    return figures


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from tests.perf import fiveyear

    with fiveyear.database():
        fiveyear.ensure_dataset()
        return _run()


if __name__ == "__main__":
    main()

"""Benchmark: the executive briefing (業務簡報) of the last five complete years (110–114) over the
five-year data set — the web page, the PDF and the PowerPoint deck (issue 18 targets: the page
under 1 s, each download under 15 s).

    .venv/bin/python -m tests.perf bench_briefing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec .venv/bin/python -m tests.perf

On the day 115.3.20 (time frozen there, ticking), in the kept five-year database
(``tests.perf.fiveyear``), as a senior official (長官, created here if missing):

- the figures alone (``build_briefing``: every app's part, the queries), then the page, the PDF
  and the deck as the browser asks for them: p50 and p95 server time after a warm-up, and the
  queries of one request. The downloads are built in the request (tainan_rdec/briefing/views.py
  says why); these figures are what that decision rests on;
- the peak memory of this process, which built them all.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

FIVE_YEAR_DATA = True  # `make bench` builds the data set once before the benchmarks
PAGE_TARGET_MS = 1_000
DOWNLOAD_TARGET_MS = 15_000
PAGE_RUNS = 10
DOWNLOAD_RUNS = 5

REQUESTS = [
    ("the web page", "/briefing/", PAGE_RUNS, PAGE_TARGET_MS),
    ("an official's home page (115 so far)", "/", PAGE_RUNS, PAGE_TARGET_MS),
    ("the PDF (A4 landscape)", "/briefing/download.pdf", DOWNLOAD_RUNS, DOWNLOAD_TARGET_MS),
    ("the PowerPoint deck (16:9)", "/briefing/download.pptx", DOWNLOAD_RUNS, DOWNLOAD_TARGET_MS),
]


def _official():
    from tainan_rdec.choices import Role
    from tainan_rdec.models import User

    user, _created = User.objects.get_or_create(
        username="bench_official", defaults={"role": Role.OFFICIAL, "last_name": "長官"}
    )
    return user


def run() -> list:
    import time_machine
    from django.test import Client
    from django.utils import timezone

    from tainan_rdec import serving
    from tainan_rdec.briefing.assemble import build_briefing, default_span
    from tainan_rdec.workdays import TAIPEI
    from tests.perf import fiveyear
    from tests.perf.table import Figure, max_rss_mb, timed
    from tests.perf.timing import counting_queries, measure, page

    figures = []
    with fiveyear.database():
        data = fiveyear.ensure_dataset()
        client = Client()
        client.force_login(_official())
        moment = datetime(2026, 3, 20, 10, 0, tzinfo=TAIPEI)
        print(f"the briefing 110–114 on 115.3.20 ({data.scale.cases:,} cases):")
        serving.settle()  # as a web worker does at start (tainan_rdec/wsgi.py)
        with time_machine.travel(moment, tick=True), counting_queries():
            span = default_span(timezone.localdate())
            samples, queries = measure(lambda: build_briefing(span), runs=PAGE_RUNS)
            figures.append(timed("briefing", "the figures (every part)", samples, queries))
            for what, path, runs, target in REQUESTS:
                samples, queries = measure(page(client, path), runs=runs)
                figures.append(timed("briefing", what, samples, queries, target=target, note=path))
            size = {}
            for _what, path, _runs, _target in REQUESTS[2:]:
                size[path] = len(client.get(path).content)
        for figure in figures:
            print(
                f"  {figure.what:<36} p50 {figure.p50_ms:7.0f} ms   p95 {figure.p95_ms:7.0f} ms"
                f"   {figure.queries:3d} queries"
            )
        figures.append(
            Figure(
                "briefing",
                "peak memory of the process",
                value=round(max_rss_mb()),
                unit="MB",
                note=", ".join(
                    f"{path.rsplit('.', 1)[1]} {n / 1024:,.0f} KB" for path, n in size.items()
                ),
            )
        )
    return figures


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    began = time.perf_counter()
    figures = run()
    print(f"bench_briefing: {time.perf_counter() - began:.0f} s")
    return figures


if __name__ == "__main__":
    main()

"""Benchmark: every dashboard and list page, and a bureau filing its monthly report, over the
five-year data set (DESIGN.md targets: pages under 150 ms, filing under 100 ms, p95 server time).

    .venv/bin/python -m tests.perf bench_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec .venv/bin/python -m tests.perf

On the day 115.3.20 (time frozen there, ticking), in the kept five-year database
(``tests.perf.fiveyear``, generated on first use):

- each page of ``PAGES`` as the reviewer and, where a bureau may open it, as the filer of the
  agency with the most listed projects: it must answer 200 (a redirect or a 403 measures
  nothing); p50 and p95 server time over RUNS requests after a warm-up, and the queries of one
  request;
- filing: that agency's manager (局處主管) files 115.3 for its listed projects that have no report
  yet, as a browser does (``tests/perf/load_month_end.py``): opens the form (which starts the
  draft), saves it (POST ``action=save``, redirected back to the form) and submits it (POST
  ``action=submit``, redirected to the report). Each step is timed on its own. Between runs,
  untimed, the report just filed is deleted with its history, so every run files afresh and the
  data set is left as it was.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

from tainan_rdec.months import add_months

FIVE_YEAR_DATA = True  # `make bench` builds the data set once before the benchmarks
PAGE_TARGET_MS = 150
FILING_TARGET_MS = 100
PERIOD = date(2026, 3, 1)  # 115.3, the month bureaus file on 115.3.20
REVIEWER, BOTH = "reviewer", "both"

# (area, page, path, who may open it: the reviewer only, or a bureau too)
PAGES = [
    ("home", "home page", "/", BOTH),
    ("projects", "project list", "/projects/", BOTH),
    ("projects", "overview dashboard", "/projects/dashboard/", REVIEWER),
    ("projects", "early warning", "/projects/warnings/", REVIEWER),
    ("projects", "review queue", "/projects/review/", REVIEWER),
    ("projects", "directives", "/projects/directives/", BOTH),
    ("projects", "meetings", "/projects/meetings/", BOTH),
    ("projects", "annual evaluation 114", "/projects/evaluation/2025/", BOTH),
    ("projects", "PCC imports", "/projects/pcc/", REVIEWER),
    ("evaluations", "overview", "/evaluations/", BOTH),
    ("evaluations", "ranking 114", "/evaluations/ranking/2025/", BOTH),
    ("evaluations", "phone tests", "/evaluations/phone-tests/", BOTH),
    ("evaluations", "audits", "/evaluations/audits/", BOTH),
    ("evaluations", "improvement items", "/evaluations/improvements/", BOTH),
    ("evaluations", "service award pipeline 114", "/evaluations/service-award/2025/", BOTH),
    ("awards", "award list", "/awards/", BOTH),
    ("awards", "summary tables", "/awards/summary/", BOTH),
]


def _pages(data, clients) -> list:
    from tests.perf.table import timed
    from tests.perf.timing import RUNS, measure, page

    figures = []
    print(f"server time over {RUNS} requests (today 115.3.20; bureau: {data.bureau.name}):")
    for area, name, path, who in PAGES:
        for role in ("reviewer", "bureau") if who == BOTH else ("reviewer",):
            samples, queries = measure(page(clients[role], path))
            figure = timed(
                area, f"{name} ({role})", samples, queries, target=PAGE_TARGET_MS, note=path
            )
            figures.append(figure)
            print(
                f"  {figure.what:<44} p50 {figure.p50_ms:6.0f} ms   p95 {figure.p95_ms:6.0f} ms"
                f"   {queries:3d} queries"
            )
    return figures


def _form(report, previous) -> dict:
    """What a filer types: on schedule, money within the allocation, the month's narrative."""
    from decimal import Decimal

    actual = max(report.planned_percent, previous.actual_percent if previous else Decimal(0))
    allocated = report.allocated_to_date
    return {
        "actual_percent": str(min(actual, Decimal(100))),
        "allocated_to_date": str(allocated),
        "paid": str(allocated * 6 // 10),
        "payable_unpaid": str(allocated // 10),
        "savings": "0",
        "progress_text": "本月完成主體結構第三層版模及鋼筋組立，查驗合格。",
        "lag_reasons": "",
        "remedies": "",
        "help_needed": "",
        "decrease_explanation": "",
    }


def _filing(data, client) -> list:
    from projects import services
    from projects.choices import ExecutionPhase
    from projects.models import MonthlyReport, Project
    from tests.perf.table import timed
    from tests.perf.timing import RUNS, count_queries

    projects = list(
        Project.objects.listed()
        .filter(host_agency=data.bureau, planned_start__lt=add_months(PERIOD, 1))
        .exclude(phase__in=[ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED])
        .exclude(reports__period=PERIOD)
        .order_by("control_number")[: RUNS + 1]
    )
    assert projects, f"{data.bureau.name} has no listed project left to file 115.3 for"
    History = MonthlyReport.history.model
    filed: list[int] = []

    def undo():
        """Delete the reports this benchmark filed, and every history row they left."""
        if filed:
            MonthlyReport.objects.filter(pk__in=filed).delete()
            History.objects.filter(id__in=filed).delete()
            filed.clear()

    def open_form(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    def post(path, data, expect):
        response = client.post(path, data)
        location = response.headers.get("Location", "")
        assert response.status_code == 302 and location.startswith(expect), (
            path,
            data["action"],
            response.status_code,
            location or "not redirected: the form came back with errors",
        )

    def file(project, counting: bool) -> dict:
        """Open, save and submit ``project``'s 115.3 report; per step the seconds it took, or
        its queries when ``counting``."""
        path = f"/projects/{project.pk}/reports/{PERIOD.year}/{PERIOD.month}/"
        results = {}

        def step(name, call):
            if counting:
                results[name] = count_queries(call)
                return
            began = time.perf_counter()
            call()
            results[name] = time.perf_counter() - began

        step("open", lambda: open_form(path))
        report = MonthlyReport.objects.get(project=project, period=PERIOD)
        filed.append(report.pk)
        typed = _form(report, services.previous_report(report))  # what the filer types
        step("save", lambda: post(path, {**typed, "action": "save"}, path))
        step("submit", lambda: post(path, {**typed, "action": "submit"}, "/projects/reports/"))
        return results

    samples = {"open": [], "save": [], "submit": []}
    try:
        queries = file(projects[0], counting=True)  # also warms up
        for run in range(RUNS):
            undo()
            for name, seconds in file(projects[run % len(projects)], counting=False).items():
                samples[name].append(seconds)
    finally:
        undo()
    labels = {
        "open": "open the month's form (starts the draft)",
        "save": "save the draft",
        "submit": "submit to the commission",
    }
    figures = []
    print(f"filing 115.3 as {data.manager.username}, {len(projects)} projects in turn:")
    for name, label in labels.items():
        figure = timed(
            "filing", label, samples[name], queries[name], target=FILING_TARGET_MS, note="manager"
        )
        figures.append(figure)
        print(
            f"  {label:<44} p50 {figure.p50_ms:6.0f} ms   p95 {figure.p95_ms:6.0f} ms"
            f"   {queries[name]:3d} queries"
        )
    return figures


def run() -> list:
    import time_machine
    from django.test import Client

    from tainan_rdec import serving
    from tainan_rdec.workdays import TAIPEI
    from tests.perf import fiveyear
    from tests.perf.timing import counting_queries

    with fiveyear.database():
        data = fiveyear.ensure_dataset()
        clients = {"reviewer": Client(), "bureau": Client(), "manager": Client()}
        clients["reviewer"].force_login(data.reviewer)
        clients["bureau"].force_login(data.staff)
        clients["manager"].force_login(data.manager)
        moment = datetime(2026, 3, 20, 10, 0, tzinfo=TAIPEI)
        serving.settle()  # as a web worker does at start (tainan_rdec/wsgi.py)
        with time_machine.travel(moment, tick=True), counting_queries():
            figures = _pages(data, clients)
            figures += _filing(data, clients["manager"])
    return figures


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    return run()


if __name__ == "__main__":
    main()

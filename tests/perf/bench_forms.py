"""Benchmark: the lifecycle's form pages (issue 17) over the five-year data set — a bureau
registers a project (新增案件) and prepares a re-plan application (申請變更預定進度); the issue's
target: open and save under 100 ms, p95 server time.

    .venv/bin/python -m tests.perf bench_forms
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec make bench BENCH=bench_forms

As the manager of the agency with the most listed projects, on 115.3.20 (time frozen there,
ticking):

- the registration form: open (GET /projects/new/) and save a draft (POST, redirected to its
  checkpoints). Between runs, untimed, the draft is deleted;
- the re-plan form of one of the agency's listed projects: open, and save with a reason and
  the project's checkpoints (POST action=save, redirected back). Between
  runs, untimed, the application is deleted;
- the re-plan's S-curve editor: open (a row per month of the new period).

Everything written is deleted at the end: the data set is left as it was.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path

FIVE_YEAR_DATA = True
FORM_TARGET_MS = 100
BENCH_NAME = "效能量測用新增案件（自動刪除）"
REASON = "效能量測用變更申請（自動刪除）"


def _registration_data(data) -> dict:
    return {
        "name": BENCH_NAME,
        "kind": "major",
        "total_budget": "60,000,000",
        "funding_source": "city",
        "planned_start": "115.4.1",
        "planned_completion": "116.3.31",
        "phase": "planning",
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "0",
        "allocations-MIN_NUM_FORMS": "0",
        "allocations-MAX_NUM_FORMS": "30",
        "allocations-0-year": "115",
        "allocations-0-amount": "60,000,000",
    }


def _replan_data(project) -> dict:
    from projects.choices import MilestoneStatus
    from tainan_rdec.roc import format_roc_date

    checkpoints = list(project.milestones.filter(status=MilestoneStatus.SCHEDULED))
    data = {
        "action": "save",
        "reason": REASON,
        "proposed_completion": "",
        "checkpoints-TOTAL_FORMS": str(len(checkpoints) + 2),
        "checkpoints-INITIAL_FORMS": str(len(checkpoints)),
        "checkpoints-MIN_NUM_FORMS": "0",
        "checkpoints-MAX_NUM_FORMS": "60",
    }
    for n, checkpoint in enumerate(checkpoints):
        data[f"checkpoints-{n}-planned_date"] = format_roc_date(checkpoint.planned_date)
    return data


def _forms(data, client) -> list:
    from projects.choices import ApplicationKind, ControlStatus
    from projects.models import Application, Project
    from tests.perf.table import timed
    from tests.perf.timing import RUNS, measure

    def expect(response, status, to=""):
        location = response.headers.get("Location", "")
        assert response.status_code == status and location.startswith(to), (
            response.status_code,
            location or re.findall(r"錯誤：[^<]*", response.content.decode()),
        )

    def drop_drafts():
        Project.objects.filter(name=BENCH_NAME, control_status=ControlStatus.NEW).delete()

    # A listed project of the agency with no open re-plan, whose period is still running.
    project = (
        Project.objects.listed()
        .filter(host_agency=data.bureau, planned_completion__year__gte=2026)
        .exclude(applications__kind=ApplicationKind.REPLAN)
        .order_by("control_number")
        .first()
    )
    assert project is not None, f"{data.bureau.name} has no listed project to re-plan"
    apply_path = f"/projects/{project.pk}/apply/replan/"
    replan = _replan_data(project)

    def drop_replans():
        Application.objects.filter(project=project, kind=ApplicationKind.REPLAN).delete()

    steps = [
        (
            "open the registration form",
            lambda: expect(client.get("/projects/new/"), 200),
            drop_drafts,
        ),
        (
            "save a new project's draft",
            lambda: expect(client.post("/projects/new/", _registration_data(data)), 302),
            drop_drafts,
        ),
        (
            "open the re-plan application form",
            lambda: expect(client.get(apply_path), 200),
            drop_replans,
        ),
        (
            "save the re-plan application",
            lambda: expect(client.post(apply_path, replan), 302, apply_path),
            drop_replans,
        ),
    ]
    figures = []
    print(f"forms as {data.manager.username} ({data.bureau.name}), {RUNS} runs each:")
    try:
        for label, call, undo in steps:
            samples, queries = measure(call, before=undo)
            figures.append(timed("forms", label, samples, queries, target=FORM_TARGET_MS))
        # The re-plan's S-curve editor, for an application saved once.
        drop_replans()
        expect(client.post(apply_path, replan), 302, apply_path)
        application = Application.objects.get(project=project, kind=ApplicationKind.REPLAN)
        plan_path = f"/projects/applications/{application.pk}/plan/"
        samples, queries = measure(lambda: expect(client.get(plan_path), 200))
        figures.append(
            timed(
                "forms",
                "open the re-plan's S-curve editor",
                samples,
                queries,
                target=FORM_TARGET_MS,
            )
        )
    finally:
        drop_drafts()
        drop_replans()
    for figure in figures:
        print(
            f"  {figure.what:<44} p50 {figure.p50_ms:6.0f} ms   p95 {figure.p95_ms:6.0f} ms"
            f"   {figure.queries:3d} queries"
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
        client = Client()
        client.force_login(data.manager)
        moment = datetime(2026, 3, 20, 10, 0, tzinfo=TAIPEI)
        serving.settle()  # as a web worker does at start (tainan_rdec/wsgi.py)
        with time_machine.travel(moment, tick=True), counting_queries():
            return _forms(data, client)


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    return run()


if __name__ == "__main__":
    main()

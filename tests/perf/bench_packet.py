"""Benchmark: the quarterly promotion meeting packet for 400 listed projects (target < 60 s and
< 1 GB on this machine, DESIGN.md "Performance targets").

    make bench                               # every benchmark
    .venv/bin/python -m tests.perf bench_packet
    PACKET_BENCH_WORKERS=1 .venv/bin/python -m tests.perf bench_packet   # no render processes

It creates a separate test database (``create_test_db``, destroyed afterwards: SQLite in memory
by default, ``test_rdec_bench_packet`` on PostgreSQL when DATABASE_URL points there, never the
kept five-year database) and a throw-away MEDIA_ROOT, loads 400 listed projects with a 12-month
S-curve, two checkpoints and 12 accepted monthly reports each (one in ten seriously behind, one
in forty stopped, an open directive for one in four), then times ``build_quarterly_packet``
three times: cold (empty section cache), warm (nothing changed: every section from the cache)
and after one project changed. Peak memory is the maximum resident set size of this process and
of the largest render process (``getrusage`` RUSAGE_SELF / RUSAGE_CHILDREN). ``main()`` returns
them as ``tests.perf.table.Figure``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

PROJECTS = 400
MONTHS = 12
YEAR = 2024
TARGET_SECONDS = 60
TARGET_MB = 1024
WORKS = ["道路拓寬", "排水改善", "活動中心新建", "橋梁改建"]


def _load_data():
    """400 listed projects with their plans, checkpoints, reports and directives (bulk)."""
    from projects.choices import (
        ControlStatus,
        ExecutionPhase,
        ForwardCategory,
        MilestoneStatus,
        ProjectKind,
        ReportState,
    )
    from projects.models import (
        Directive,
        Milestone,
        MonthlyReport,
        PlanBaseline,
        PlannedPoint,
        Project,
    )
    from tainan_rdec.choices import Role
    from tainan_rdec.models import Agency, User

    agencies = list(Agency.objects.order_by("code")[:40])
    if not agencies:
        raise SystemExit("no agencies in the test database (the data migrations did not run)")
    categories = list(ForwardCategory)
    projects = []
    for i in range(PROJECTS):
        forward = i % 3 == 0
        projects.append(
            Project(
                control_number=f"B113-{i + 1:04d}",
                name=f"臺南市第{i + 1}號{WORKS[i % len(WORKS)]}工程",
                host_agency=agencies[i % len(agencies)],
                kind=ProjectKind.FORWARD if forward else ProjectKind.MAJOR,
                forward_category=categories[i % len(categories)] if forward else "",
                total_budget=50_000_000 + i * 3_750_000,
                summary="辦理道路拓寬、排水及人行環境改善，提升通行安全與防洪能力。",
                planned_start=date(YEAR, 1, 1),
                planned_completion=date(YEAR, 12, 31),
                phase=ExecutionPhase.STOPPED if i % 40 == 7 else ExecutionPhase.CONSTRUCTION,
                stop_reason="承商財務困難停工，辦理終止契約中" if i % 40 == 7 else "",
                control_status=ControlStatus.LISTED,
            )
        )
    projects = Project.objects.bulk_create(projects)

    baselines = PlanBaseline.objects.bulk_create(
        [PlanBaseline(project=p, version=1, is_current=True) for p in projects]
    )
    points, reports, milestones, directives = [], [], [], []
    for i, (project, baseline) in enumerate(zip(projects, baselines, strict=True)):
        serious = i % 10 == 3
        for m in range(1, MONTHS + 1):
            planned = (Decimal(100) * m / MONTHS).quantize(Decimal("0.01"))
            allocation = project.total_budget * m // MONTHS
            points.append(
                PlannedPoint(
                    baseline=baseline,
                    month=date(YEAR, m, 1),
                    planned_percent=planned,
                    planned_allocation=allocation,
                )
            )
            actual = planned - Decimal(m * 1.5 if serious else m * 0.1).quantize(Decimal("0.01"))
            reports.append(
                MonthlyReport(
                    project=project,
                    period=date(YEAR, m, 1),
                    baseline=baseline,
                    planned_percent=planned,
                    actual_percent=max(actual, Decimal(0)),
                    allocated_to_date=allocation,
                    paid=allocation * 85 // 100,
                    payable_unpaid=allocation * 5 // 100,
                    progress_text="依預定進度辦理，本月完成路基施作及排水溝埋設。",
                    lag_reasons="用地取得延宕，管線遷移未如預期" if serious else "",
                    remedies="協調管線單位加派人力，分段施工" if serious else "",
                    state=ReportState.ACCEPTED,
                )
            )
        milestones += [
            Milestone(
                project=project,
                name="細部設計完成",
                planned_date=date(YEAR, 3, 31),
                actual_date=date(YEAR, 3, 28),
                status=MilestoneStatus.MET,
            ),
            Milestone(project=project, name="主體工程完成", planned_date=date(YEAR, 11, 30)),
        ]
        if i % 4 == 0:
            directives.append(
                Directive(
                    project=project,
                    text="請主辦機關於下次會議前說明趕工計畫及預定完成時程。",
                    responsible_agency=project.host_agency,
                    due_date=date(YEAR + 1, 1, 31),
                )
            )
    PlannedPoint.objects.bulk_create(points, batch_size=2000)
    MonthlyReport.objects.bulk_create(reports, batch_size=2000)
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    Directive.objects.bulk_create(directives, batch_size=2000)
    return User.objects.create(username="bench-reviewer", role=Role.REVIEWER, is_active=True)


def _time_build(reviewer, label: str) -> float:
    from projects.choices import PacketKind, PacketState
    from projects.models import Packet
    from projects.packets import build_quarterly_packet, quarter_bounds, quarterly_title

    start, end = quarter_bounds(YEAR, 4)
    packet = Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=start,
        period_end=end,
        title=quarterly_title(start),
        requested_by=reviewer,
    )
    began = time.perf_counter()
    packet = build_quarterly_packet(packet.pk)
    elapsed = time.perf_counter() - began
    if packet.state != PacketState.READY:
        raise SystemExit(f"packet failed: {packet.error}")
    size = Path(packet.file.path).stat().st_size / 1e6
    print(
        f"{label:<28} {elapsed:6.1f} s  {packet.pages} pages, {packet.progress_total} sections, "
        f"{size:.1f} MB"
    )
    return elapsed


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import (
        override_settings,
        setup_test_environment,
        teardown_test_environment,
    )

    from projects import packets
    from tests.perf.table import Figure, Target, max_rss_mb

    workers = int(os.environ.get("PACKET_BENCH_WORKERS", "0")) or packets.render_workers()
    test = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test.get("NAME")
    if connection.vendor != "sqlite":
        # A name of its own: this database is dropped afterwards (SQLite's is in memory).
        test["NAME"] = "test_rdec_bench_packet"
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-packet-") as media,
            override_settings(MEDIA_ROOT=media, PACKET_RENDER_WORKERS=workers),
        ):
            began = time.perf_counter()
            reviewer = _load_data()
            print(
                f"loaded {PROJECTS} projects × {MONTHS} reports into "
                f"{connection.vendor} in {time.perf_counter() - began:.1f} s; "
                f"{workers} render process(es), {os.cpu_count()} cores"
            )
            cold = _time_build(reviewer, "cold (empty section cache)")
            warm = _time_build(reviewer, "warm (all sections cached)")
            from projects.models import Project

            changed = Project.objects.order_by("control_number").last()
            changed.name += "（修正）"
            changed.save(update_fields=["name"])
            one = _time_build(reviewer, "one project changed")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test["NAME"] = saved_test_name
        teardown_test_environment()

    own, children = max_rss_mb(resource.RUSAGE_SELF), max_rss_mb(resource.RUSAGE_CHILDREN)
    print(f"peak memory: this process {own:.0f} MB, largest render process {children:.0f} MB")
    verdict = "met" if cold < TARGET_SECONDS and max(own, children) < TARGET_MB else "MISSED"
    print(f"target < {TARGET_SECONDS} s and < {TARGET_MB} MB: {verdict}")
    what = f"{PROJECTS} projects, {workers} render process(es)"
    seconds, memory = Target(TARGET_SECONDS), Target(TARGET_MB)
    return [
        Figure("packet", "quarterly packet, cold", value=cold, unit="s", target=seconds, note=what),
        Figure("packet", "quarterly packet, warm (all cached)", value=warm, unit="s", note=what),
        Figure("packet", "quarterly packet, one project changed", value=one, unit="s", note=what),
        Figure("packet", "peak memory, this process", value=own, unit="MB", target=memory),
        Figure(
            "packet",
            "peak memory, largest render process",
            value=children,
            unit="MB",
            target=memory,
        ),
    ]


if __name__ == "__main__":
    main()

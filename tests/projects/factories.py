"""Small builders for project-control tests: a listed project with a checkpoint and an S-curve."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from projects import services
from projects.choices import ControlStatus, ProjectKind, ReportState
from projects.models import Milestone, MonthlyReport, Project
from tainan_rdec.months import add_months, month_start

_numbers = count(1)


def linear_curve(start: date, end: date, allocation_total: int):
    """Monthly points rising evenly from the start month to 100% in the end month."""
    months = []
    month = month_start(start)
    while month <= month_start(end):
        months.append(month)
        month = add_months(month, 1)
    n = len(months)
    return [
        (
            m,
            (Decimal(100) * (i + 1) / n).quantize(Decimal("0.01")),
            allocation_total * (i + 1) // n,
        )
        for i, m in enumerate(months)
    ]


def make_project(
    agency,
    *,
    by=None,
    listed=True,
    start=date(2024, 1, 1),
    end=date(2024, 12, 31),
    budget=120_000_000,
    kind=ProjectKind.MAJOR,
    name=None,
    **extra,
) -> Project:
    number = next(_numbers)
    project = Project.objects.create(
        control_number=extra.pop("control_number", f"T{start.year - 1911}-{number:04d}"),
        name=name or f"測試工程第{number}號",
        host_agency=agency,
        kind=kind,
        total_budget=budget,
        planned_start=start,
        planned_completion=end,
        **extra,
    )
    Milestone.objects.create(
        project=project,
        name="細部設計完成",
        planned_date=start.replace(month=min(start.month + 2, 12)),
    )
    services.create_baseline(project, linear_curve(start, end, budget), by=by)
    if listed:
        project.control_status = ControlStatus.LISTED
        project.save(update_fields=["control_status"])
    return project


def filed_report(
    project,
    period: date,
    actual,
    *,
    state=ReportState.ACCEPTED,
    planned=None,
    allocated=None,
    paid=0,
    payable_unpaid=0,
    savings=0,
    **extra,
) -> MonthlyReport:
    """A report as it stands after filing (and review), written directly: for lag tests and
    earlier months. Planned % and allocation come from the current S-curve unless given."""
    baseline, planned_percent, planned_allocation = services.planned_for(project, period)
    return MonthlyReport.objects.create(
        project=project,
        period=period,
        baseline=baseline,
        planned_percent=Decimal(planned) if planned is not None else planned_percent,
        actual_percent=Decimal(actual),
        allocated_to_date=planned_allocation if allocated is None else allocated,
        paid=paid,
        payable_unpaid=payable_unpaid,
        savings=savings,
        progress_text=extra.pop("progress_text", "依預定進度施工中"),
        state=state,
        **extra,
    )


def draft_project(
    user,
    *,
    start=date(2024, 1, 1),
    end=date(2024, 12, 31),
    budget=80_000_000,
    kind=ProjectKind.MAJOR,
    name="安南區海佃路拓寬工程",
    checkpoint=True,
    curve=True,
) -> Project:
    """A project a bureau registered in the portal (新增, a draft of ``user``'s agency), with a
    checkpoint and a straight-line S-curve unless told otherwise."""
    from projects import plans, registration

    project = registration.register_project(
        Project(
            name=name,
            kind=kind,
            total_budget=budget,
            planned_start=start,
            planned_completion=end,
        ),
        by=user,
    )
    if checkpoint:
        registration.add_checkpoint(
            project, name="細部設計完成", planned_date=start.replace(day=28), by=user
        )
    if curve:
        registration.save_draft_plan(
            project, plans.straight_line(plans.project_months(project), budget), by=user
        )
    return project

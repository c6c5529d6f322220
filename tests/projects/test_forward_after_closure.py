"""Forward-looking plans after closure (issue 17): a plan delisted once its works were done stays
in the eight-category table — counted, completed, and 進度符合 by the lag status of its last
accepted report — and owes no filing; it never enters the lag chart, the risk counts or the
seriously-behind list. A plan delisted before completion keeps no lag status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.choices import ExecutionPhase, ForwardCategory, ProjectKind
from projects.dashboard import build_dashboard
from projects.models import Project
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 10)


def _plan(agency, category=ForwardCategory.WATER, **extra):
    return make_project(
        agency,
        kind=ProjectKind.FORWARD,
        forward_category=category,
        budget=30_000_000,
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
        **extra,
    )


def _close_on_completion(project, reviewer, *, completed=date(2024, 12, 20)):
    services.delist_project(project, by=reviewer, reason="工程完工，解除列管")
    project.actual_completion = completed
    project.save(update_fields=["actual_completion"])
    services.change_phase(project, ExecutionPhase.CLOSED, by=reviewer, reason="結案")


def _row(board, category=ForwardCategory.WATER):
    return next(row for row in board.categories if row.category == category)


def test_a_plan_closed_on_completion_keeps_its_last_status(cast, agency_a):
    reviewer = cast["reviewer"]
    on_time = _plan(agency_a)
    filed_report(on_time, date(2024, 11, 1), 95, planned=95)
    filed_report(on_time, date(2024, 12, 1), 100, planned=100)
    _close_on_completion(on_time, reviewer)
    late = _plan(agency_a)
    filed_report(late, date(2024, 12, 1), 80, planned=100)  # closed while behind
    _close_on_completion(late, reviewer)
    running = _plan(agency_a)
    filed_report(running, date(2025, 1, 1), 100, planned=100)

    board = build_dashboard(Project.objects.all(), today=TODAY)
    row = _row(board)
    assert (row.count, row.completed, row.listed) == (3, 2, 1)
    assert (row.assessed, row.on_schedule) == (3, 2)
    assert row.on_schedule_rate == Decimal("66.7")
    assert board.category_total.on_schedule == 2
    # Only the listed plan is rated on the dashboard's other tables.
    assert sum(bar.count for bar in board.lag_chart.bars) == 1
    assert [project.pk for project, _rating in board.seriously_behind] == []


def test_a_closed_plan_owes_no_filing(cast, agency_a):
    reviewer = cast["reviewer"]
    closed = _plan(agency_a)
    filed_report(closed, date(2024, 12, 1), 100, planned=100)
    _close_on_completion(closed, reviewer)
    board = build_dashboard(Project.objects.all(), today=TODAY)
    assert board.compliance_total.listed == 0
    assert board.compliance_total.missing == 0


def test_a_plan_delisted_before_completion_is_not_rated(cast, agency_a):
    reviewer = cast["reviewer"]
    cancelled = _plan(agency_a)
    filed_report(cancelled, date(2024, 6, 1), 40, planned=40)
    services.delist_project(cancelled, by=reviewer, reason="計畫取消")
    row = _row(build_dashboard(Project.objects.all(), today=TODAY))
    assert (row.count, row.completed, row.assessed, row.on_schedule) == (1, 0, 0, 0)


def test_closed_plans_cost_a_flat_number_of_queries(cast, agency_a):
    reviewer = cast["reviewer"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            build_dashboard(Project.objects.all(), today=TODAY)
        return len(ctx)

    for actual in (100, 90):  # one on schedule, one behind
        plan = _plan(agency_a)
        filed_report(plan, date(2024, 12, 1), actual, planned=100)
        _close_on_completion(plan, reviewer)
    queries()  # the first build also reads what is cached afterwards (the working calendar)
    few = queries()
    for category in (ForwardCategory.RAIL, ForwardCategory.DIGITAL, ForwardCategory.TALENT):
        plan = _plan(agency_a, category=category)
        filed_report(plan, date(2024, 12, 1), 90, planned=100)
        _close_on_completion(plan, reviewer)
    assert queries() == few

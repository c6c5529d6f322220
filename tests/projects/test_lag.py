"""Lag status (落後狀態) and flags on worked examples, with the default thresholds unless said."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import lag
from projects.choices import ExecutionPhase, LagStatus, MilestoneStatus, ReportState
from projects.lag import (
    FLAG_CHECKPOINT_OVERDUE,
    FLAG_CONSECUTIVE,
    FLAG_LOW_EXECUTION,
    assess,
    assess_many,
    is_behind,
    lag_status,
)
from projects.models import ControlSettings, Milestone
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 15)
JAN, FEB, MAR, APR = (date(2024, m, 1) for m in (1, 2, 3, 4))


@pytest.fixture
def rules():
    return ControlSettings.get()


@pytest.fixture
def project(agency_a):
    project = make_project(agency_a, phase=ExecutionPhase.CONSTRUCTION)
    # The factory's checkpoint (2024-03-01) is met, so only the flag under test shows.
    project.milestones.update(status=MilestoneStatus.MET, actual_date=date(2024, 3, 1))
    return project


def accepted(project, period, actual, **fields):
    """A report (accepted unless ``state`` says otherwise) spending 90% of its allocation."""
    fields.setdefault("allocated", 1_000_000)
    fields.setdefault("paid", fields["allocated"] * 9 // 10)
    return filed_report(project, period, actual, **fields)


def assessment(project, today=TODAY):
    return assess_many([project], today=today)[project.pk]


def behind(project, period, *, state=ReportState.ACCEPTED):
    """A report 5 points behind plan."""
    return accepted(project, period, "0", planned="5.00", state=state)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("40.00", LagStatus.SERIOUSLY_BEHIND),  # −10.00
        ("30.00", LagStatus.SERIOUSLY_BEHIND),  # −20.00
        ("40.01", LagStatus.BEHIND),  # −9.99
        ("49.99", LagStatus.BEHIND),  # −0.01
        ("50.00", LagStatus.ON_SCHEDULE),  # 0
        ("53.00", LagStatus.ON_SCHEDULE),  # +3
    ],
)
def test_lag_status_with_default_thresholds(rules, actual, expected):
    assert lag_status(Decimal(actual), Decimal("50.00"), stopped=False, rules=rules) == expected


@pytest.mark.parametrize(("actual", "behind"), [("49.99", True), ("50.00", False), ("53", False)])
def test_is_behind_means_any_shortfall_by_default(actual, behind):
    assert is_behind(Decimal(actual), Decimal("50.00")) is behind


def test_stopped_overrides_the_figures(rules):
    assert lag_status(Decimal("60"), Decimal("50"), stopped=True, rules=rules) == LagStatus.STOPPED


@pytest.mark.parametrize("phase", [ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED])
def test_stopped_or_terminated_project_is_assessed_stopped(project, phase):
    accepted(project, MAR, "25.00")
    project.phase = phase
    project.save()
    assert assessment(project).status == LagStatus.STOPPED


def test_status_comes_from_the_latest_accepted_report(project):
    accepted(project, FEB, "16.67")  # on schedule (planned 16.67)
    accepted(project, MAR, "10.00", state=ReportState.SUBMITTED)  # not reviewed yet
    result = assessment(project)
    assert result.status == LagStatus.ON_SCHEDULE
    assert result.latest.period == FEB
    assert result.difference == Decimal("0.00")


def test_project_without_accepted_reports_has_no_data(project):
    accepted(project, MAR, "0", state=ReportState.SUBMITTED)
    assert assessment(project).status == LagStatus.NO_DATA


def test_changed_thresholds_change_the_status(project, rules):
    accepted(project, MAR, "19.00", planned="25.00")  # −6 points
    assert assessment(project).status == LagStatus.BEHIND

    rules.seriously_behind_points = Decimal("5")
    rules.save()
    assert assessment(project).status == LagStatus.SERIOUSLY_BEHIND

    rules.seriously_behind_points = Decimal("10")
    rules.behind_points = Decimal("7")
    rules.save()
    assert assessment(project).status == LagStatus.ON_SCHEDULE


# -- flags --------------------------------------------------------------------------------


def test_three_behind_accepted_months_in_a_row_are_flagged(project):
    for month in (JAN, FEB, MAR):
        behind(project, month)
    result = assessment(project)
    assert FLAG_CONSECUTIVE in result.flags
    assert "連續落後" in result.flag_labels


def test_two_behind_months_are_not_flagged(project):
    accepted(project, JAN, "8.33")  # on schedule
    behind(project, FEB)
    behind(project, MAR)
    assert assessment(project).flags == []


def test_a_report_not_accepted_does_not_count_towards_the_run(project):
    behind(project, JAN)
    behind(project, FEB, state=ReportState.SUBMITTED)
    behind(project, MAR)
    assert FLAG_CONSECUTIVE not in assessment(project).flags


def test_a_month_without_accepted_report_breaks_the_run(project):
    behind(project, JAN)
    behind(project, FEB)
    behind(project, MAR, state=ReportState.RETURNED)
    behind(project, APR)
    assert FLAG_CONSECUTIVE not in assessment(project).flags


def test_consecutive_months_is_a_setting(project, rules):
    behind(project, FEB)
    behind(project, MAR)
    rules.consecutive_behind_months = 2
    rules.save()
    assert FLAG_CONSECUTIVE in assessment(project).flags


def test_overdue_scheduled_checkpoint_is_flagged(project):
    Milestone.objects.create(project=project, name="主體結構完成", planned_date=date(2024, 6, 1))
    assert assessment(project, today=date(2024, 6, 1)).flags == []
    result = assessment(project, today=date(2024, 6, 2))
    assert result.flags == [FLAG_CHECKPOINT_OVERDUE]
    assert result.flag_labels == ["檢核點逾期"]


def test_met_checkpoint_is_not_overdue(project):
    Milestone.objects.create(
        project=project,
        name="主體結構完成",
        planned_date=date(2024, 6, 1),
        actual_date=date(2024, 6, 10),
        status=MilestoneStatus.MET,
    )
    assert assessment(project, today=date(2024, 7, 1)).flags == []


def test_execution_rate_counts_paid_payable_and_savings(project):
    report = accepted(
        project,
        MAR,
        "25",
        allocated=1_000_000,
        paid=600_000,
        payable_unpaid=100_000,
        savings=50_000,
    )
    assert report.execution_rate == Decimal("75.00")


def test_execution_rate_below_80_percent_is_flagged(project):
    accepted(
        project,
        MAR,
        "25",
        allocated=1_000_000,
        paid=600_000,
        payable_unpaid=100_000,
        savings=50_000,
    )
    result = assessment(project)
    assert result.flags == [FLAG_LOW_EXECUTION]
    assert result.flag_labels == ["執行率偏低"]


def test_execution_rate_of_80_percent_is_not_flagged(project):
    accepted(project, MAR, "25", allocated=1_000_000, paid=800_000)
    assert assessment(project).flags == []


def test_nothing_allocated_gives_no_execution_rate_and_no_flag(project):
    report = accepted(project, MAR, "25", allocated=0)
    assert report.execution_rate is None
    assert assessment(project).flags == []


# -- many projects at once ----------------------------------------------------------------


def varied_projects(agency, n):
    """Projects in turn on schedule, seriously behind for 3 months, stopped, overdue, unfiled."""
    projects = []
    for i in range(n):
        project = make_project(agency, phase=ExecutionPhase.CONSTRUCTION)
        kind = i % 5
        if kind != 3:
            project.milestones.update(status=MilestoneStatus.MET)
        if kind == 0:
            accepted(project, MAR, "25.00", allocated=1_000, paid=900)
        elif kind == 1:
            for month in (JAN, FEB, MAR, APR):
                accepted(project, month, "1.00", allocated=1_000, paid=100)
        elif kind == 2:
            accepted(project, MAR, "20.00")
            project.phase = ExecutionPhase.STOPPED
            project.save()
        elif kind == 3:
            accepted(project, MAR, "24.00", state=ReportState.SUBMITTED)
        projects.append(project)
    return projects


def test_assess_many_agrees_with_assess_per_project(agency_a, rules):
    projects = varied_projects(agency_a, 10)
    many = assess_many(projects, today=TODAY, rules=rules)
    for project in projects:
        accepted = list(project.reports.filter(state=ReportState.ACCEPTED).order_by("-period"))
        one = assess(project, accepted, list(project.milestones.all()), rules=rules, today=TODAY)
        assert (many[project.pk].status, many[project.pk].flags) == (one.status, one.flags)
        assert many[project.pk].latest == one.latest
    assert [many[p.pk].status for p in projects[:5]] == [
        LagStatus.ON_SCHEDULE,
        LagStatus.SERIOUSLY_BEHIND,
        LagStatus.STOPPED,
        LagStatus.NO_DATA,
        LagStatus.NO_DATA,
    ]
    assert many[projects[1].pk].flags == [FLAG_CONSECUTIVE, FLAG_LOW_EXECUTION]
    assert many[projects[3].pk].flags == [FLAG_CHECKPOINT_OVERDUE]


def test_assess_many_runs_the_same_queries_for_3_or_30_projects(agency_a, rules):
    ControlSettings.get()  # the settings row exists, as it does after the first page view
    small, large = varied_projects(agency_a, 3), varied_projects(agency_a, 30)
    counts = []
    for projects in (small, large):
        with CaptureQueriesContext(connection) as queries:
            result = assess_many(projects, today=TODAY)
        assert len(result) == len(projects)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


def test_assess_many_accepts_a_queryset(agency_a, rules):
    projects = varied_projects(agency_a, 5)
    result = lag.assess_many(
        type(projects[0]).objects.filter(pk__in=[p.pk for p in projects]), today=TODAY
    )
    assert set(result) == {p.pk for p in projects}

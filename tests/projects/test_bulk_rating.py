"""Rating many projects at once the way the dashboard and the early-warning list do: the
figures without the narratives (``figures_only``), a queryset's ids sent as a subquery, and the
S-curve rise read by the database (``planned_rises``). Each must give what the one-project rule
gives."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.choices import ExecutionPhase, MilestoneStatus, ReportState
from projects.lag import ReportFigures, assess_many
from projects.models import ControlSettings, Milestone, MonthlyReport, Project
from projects.warning import planned_rise, planned_rises, rate_many
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 15)
MONTHS = [date(2024, m, 1) for m in range(1, 6)]


def _report(project, period, planned, actual, **fields):
    fields.setdefault("allocated", 1_000_000)
    fields.setdefault("paid", 900_000)
    return filed_report(project, period, actual, planned=planned, **fields)


def _varied(agency, n):
    """Projects that between them meet every branch of the rule: on schedule, seriously
    behind, behind three months running, worsening, stopped, low execution, an overdue
    checkpoint, a checkpoint due soon, a steep S-curve, no report at all."""
    projects = []
    for i in range(n):
        kind = i % 8
        project = make_project(agency, phase=ExecutionPhase.CONSTRUCTION)
        if kind != 6:
            project.milestones.update(status=MilestoneStatus.MET, actual_date=date(2024, 3, 1))
        if kind == 0:
            _report(project, MONTHS[4], "41.67", "42.00")
        elif kind == 1:
            _report(project, MONTHS[4], "40.00", "25.00")
        elif kind == 2:
            for month in MONTHS[2:]:
                _report(project, month, "30.00", "27.00")
        elif kind == 3:
            for month, actual in zip(MONTHS[1:4], ("20.00", "18.00", "15.00"), strict=True):
                _report(project, month, "20.00", actual)
            # A later draft is no accepted figure: the trend ends at the last accepted one.
            _report(project, MONTHS[4], "20.00", "30.00", state=ReportState.DRAFT)
        elif kind == 4:
            _report(project, MONTHS[4], "40.00", "20.00")
            project.phase = ExecutionPhase.STOPPED
            project.save(update_fields=["phase"])
        elif kind == 5:
            _report(project, MONTHS[4], "40.00", "40.00", paid=100_000)
        elif kind == 6:
            _report(project, MONTHS[4], "40.00", "38.00")
            Milestone.objects.create(
                project=project, name="主體完成", planned_date=TODAY + timedelta(days=10)
            )
        elif kind == 7:
            curve = [(date(2024, m, 1), Decimal(m * 4), 0) for m in range(1, 10)]
            curve += [(date(2024, 12, 1), Decimal(100), 0)]
            services.create_baseline(project, curve, by=None, reason="配合預算調整")
        projects.append(project)
    return projects


def _summary(ratings):
    return {
        pk: (
            rating.level,
            rating.reasons,
            rating.assessment.status,
            rating.assessment.flags,
            rating.assessment.latest.period if rating.assessment.latest else None,
            rating.assessment.difference,
        )
        for pk, rating in ratings.items()
    }


def test_figures_only_rates_every_project_as_the_whole_reports_do(agency_a):
    projects = _varied(agency_a, 16)
    whole = rate_many(projects, today=TODAY)
    figures = rate_many(projects, today=TODAY, figures_only=True)
    assert _summary(figures) == _summary(whole)
    assert {rating.level for rating in whole.values()} == {"high", "medium", "low"}
    latest = figures[projects[5].pk].assessment.latest
    assert isinstance(latest, ReportFigures)
    assert isinstance(whole[projects[5].pk].assessment.latest, MonthlyReport)
    assert (latest.difference, latest.execution_rate) == (Decimal("0.00"), Decimal("10.00"))


def test_assess_many_gives_figures_only_when_asked(agency_a):
    projects = _varied(agency_a, 8)
    whole = assess_many(projects, today=TODAY)
    figures = assess_many(projects, today=TODAY, figures_only=True)
    for project in projects:
        assert (figures[project.pk].status, figures[project.pk].flags) == (
            whole[project.pk].status,
            whole[project.pk].flags,
        )
        if whole[project.pk].latest is not None:
            assert figures[project.pk].latest.pk == whole[project.pk].latest.pk


def test_a_queryset_is_rated_like_the_list_of_its_projects(agency_a, agency_b):
    _varied(agency_a, 8)
    _varied(agency_b, 3)
    chosen = Project.objects.filter(host_agency=agency_a)
    by_queryset = rate_many(chosen, today=TODAY, figures_only=True)
    by_list = rate_many(list(chosen), today=TODAY, figures_only=True)
    assert set(by_queryset) == {p.pk for p in chosen} and len(by_queryset) == 8
    assert _summary(by_queryset) == _summary(by_list)


def _rating_queries(agency, n):
    projects = _varied(agency, n)
    ControlSettings.get()
    queryset = Project.objects.filter(pk__in=[p.pk for p in projects])
    with CaptureQueriesContext(connection) as ctx:
        ratings = rate_many(queryset, today=TODAY, figures_only=True)
    assert len(ratings) == n
    return len(ctx.captured_queries)


def test_rating_a_queryset_runs_the_same_queries_for_8_or_24_projects(agency_a, agency_b):
    assert _rating_queries(agency_a, 8) == _rating_queries(agency_b, 24)


# -- the S-curve rise, read by the database -------------------------------------------------


def _with_curve(agency, points, *, end=date(2024, 12, 31)):
    project = make_project(agency, end=end)
    services.create_baseline(
        project, [(m, Decimal(p), 0) for m, p in points], by=None, reason="配合預算調整"
    )
    return project


@pytest.mark.parametrize("months", [1, 2, 3, 4, 12])
def test_planned_rises_agree_with_the_rule_on_a_curve_with_gaps(agency_a, months):
    # Points only in September and December: a month without a point takes the latest one
    # before it, and before the curve starts the planned % is 0.
    curve = [(date(2024, 9, 1), "50.00"), (date(2024, 12, 1), "100.00")]
    project = _with_curve(agency_a, curve)
    expected = planned_rise([(m, Decimal(p)) for m, p in curve], project.planned_completion, months)
    assert planned_rises([project.pk], months) == {project.pk: expected}


def test_planned_rises_read_the_current_curve_up_to_the_completion_month(agency_a):
    # Completion in mid-November: the December point lies after it.
    curve = [(date(2024, m, 1), f"{m * 8}.00") for m in range(1, 12)]
    curve.append((date(2024, 12, 1), "100.00"))
    project = _with_curve(agency_a, curve, end=date(2024, 11, 20))
    # The factory's own (linear) curve is the earlier version, no longer current.
    assert project.baselines.count() == 2
    assert planned_rises([project.pk], 3) == {project.pk: Decimal("24.00")}  # 88 − 64


def test_planned_rises_leave_out_projects_without_a_curve(agency_a):
    project = make_project(agency_a)
    project.baselines.all().delete()
    assert planned_rises([project.pk], 3) == {}


@pytest.mark.parametrize("until", [None, MONTHS[3]])
@pytest.mark.parametrize("figures_only", [False, True])
def test_accepted_reports_are_each_projects_last_accepted_newest_first(
    agency_a, figures_only, until
):
    """On PostgreSQL read by a LATERAL join, elsewhere ranked by a window: both the reports a
    plain reading picks (a draft left out; none after ``until``)."""
    from projects.lag import accepted_reports

    projects = _varied(agency_a, 16)
    depth = 2
    found = accepted_reports(
        [p.pk for p in projects], depth, figures_only=figures_only, until=until
    )
    expected = {}
    for report in MonthlyReport.objects.filter(state=ReportState.ACCEPTED).order_by(
        "project_id", "-period"
    ):
        kept = expected.setdefault(report.project_id, [])
        if (until is None or report.period <= until) and len(kept) < depth:
            kept.append(report.pk)
    expected = {pk: reports for pk, reports in expected.items() if reports}
    assert {pk: [r.pk for r in reports] for pk, reports in found.items()} == expected
    assert any(len(reports) == depth for reports in expected.values())
    kind = ReportFigures if figures_only else MonthlyReport
    assert all(isinstance(r, kind) for reports in found.values() for r in reports)
    first = next(iter(found.values()))[0]
    stored = MonthlyReport.objects.get(pk=first.pk)
    assert (first.period, first.planned_percent, first.actual_percent, first.paid) == (
        stored.period,
        stored.planned_percent,
        stored.actual_percent,
        stored.paid,
    )


@pytest.mark.parametrize("until", [None, MONTHS[3]])
def test_lag_statuses_are_the_statuses_the_ratings_give(agency_a, until):
    """The dashboard counts the closed plans' statuses alone (``lag_statuses``): each must be the
    status of the project's whole rating, stopped and without a report included, and as of
    ``until`` for a past quarter's packet."""
    from projects.lag import lag_statuses

    projects = _varied(agency_a, 16)
    rules = ControlSettings.get()
    statuses = lag_statuses(projects, rules=rules, until=until)
    rated = rate_many(projects, today=TODAY, rules=rules, figures_only=True, until=until)
    assert statuses == {pk: rating.assessment.status for pk, rating in rated.items()}
    # On schedule, behind, stopped and no data at least (as of April: no one on schedule yet).
    assert len(set(statuses.values())) >= (4 if until is None else 3)
    if until is not None:  # a project reported only after ``until`` had no data then
        assert statuses != lag_statuses(projects, rules=rules)

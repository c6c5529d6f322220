"""The project-control demo data: realistic mix, consistent figures, and safe to re-run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from projects import demo
from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    LagStatus,
    ProjectKind,
    ReportState,
    StatusField,
)
from projects.lag import assess_many
from projects.models import (
    BudgetAllocation,
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    PlannedPoint,
    Project,
    ReportTransition,
    StatusChange,
    TenderNumber,
)
from tainan_rdec.models import User
from tainan_rdec.months import add_months, month_start

pytestmark = pytest.mark.django_db

COUNTED = [
    Project,
    MonthlyReport,
    MonthlyReport.history.model,
    ReportTransition,
    StatusChange,
    Milestone,
    PlanBaseline,
    PlannedPoint,
    BudgetAllocation,
    TenderNumber,
    User,
]


def _seed():
    # seed_demo runs the registered seeder; calling it again directly keeps the test valid
    # whether or not it is registered (it is idempotent).
    call_command("seed_demo", stdout=StringIO())
    demo.seed(StringIO())


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(city_agencies):
    _seed()


def test_portfolio_mix(seeded):
    projects = Project.objects.all()
    assert 75 <= projects.count() <= 90
    assert set(projects.values_list("kind", flat=True)) == set(ProjectKind.values)
    categories = set(
        projects.exclude(forward_category="").values_list("forward_category", flat=True)
    )
    assert categories == set(ForwardCategory.values)
    assert projects.values("host_agency").distinct().count() >= 15
    assert projects.filter(host_agency__code__startswith="D").exists()
    majors = projects.filter(kind=ProjectKind.MAJOR)
    assert not majors.filter(total_budget__lt=50_000_000).exists()
    assert not majors.filter(total_budget__gt=3_000_000_000).exists()
    assert set(projects.values_list("control_status", flat=True)) == set(ControlStatus.values)
    assert projects.filter(control_status=ControlStatus.LISTED).count() >= 50


def test_lag_mix(seeded):
    today = timezone.localdate()
    assessments = assess_many(list(Project.objects.listed()), today=today)
    statuses = [a.status for a in assessments.values()]
    on_schedule = statuses.count(LagStatus.ON_SCHEDULE)
    assert on_schedule > len(statuses) / 2
    for status in (LagStatus.BEHIND, LagStatus.SERIOUSLY_BEHIND, LagStatus.STOPPED):
        assert status in statuses
    behind = [a.difference for a in assessments.values() if a.status == LagStatus.BEHIND]
    assert all(-10 < d < 0 for d in behind)
    stopped = Project.objects.listed().filter(phase=ExecutionPhase.STOPPED)
    assert stopped.exists()
    assert not stopped.filter(stop_reason="").exists()
    assert not stopped.filter(planned_resumption__isnull=True).exists()


def test_reports_are_consistent(seeded):
    today = timezone.localdate()
    last_month = add_months(month_start(today), -1)
    reports = MonthlyReport.objects.all()
    assert reports.count() > 800
    assert not reports.filter(period__gt=last_month).exists()
    assert reports.filter(period__lte=add_months(last_month, -23)).exists()
    # 實支 + 應付未付 + 節餘 never above 累計分配.
    assert not reports.filter(
        allocated_to_date__lt=F("paid") + F("payable_unpaid") + F("savings")
    ).exists()
    rates = [r.execution_rate for r in reports if r.execution_rate is not None]
    assert sum(1 for r in rates if r >= 85) > 0.8 * len(rates)
    assert any(r < 80 for r in rates)
    # Late filings: sent after the deadline, and flagged as such.
    late = reports.filter(is_late=True)
    assert late.exists()
    rules = ControlSettings.get()
    for report in late:
        first = report.transitions.filter(to_state=ReportState.SUBMITTED).order_by("at").first()
        assert timezone.localdate(first.at) > rules.filing_deadline(report.period)
    # Older months are accepted; last month shows every step of the review cycle.
    older = reports.filter(period__lt=last_month)
    assert set(older.values_list("state", flat=True)) == {ReportState.ACCEPTED}
    states = set(reports.filter(period=last_month).values_list("state", flat=True))
    assert {ReportState.DRAFT, ReportState.SUBMITTED, ReportState.RETURNED} <= states
    for report in reports.filter(state=ReportState.RETURNED):
        assert report.reviewer_comment and report.return_count == 1
    # Transitions tell the same story as the state.
    for report in reports.prefetch_related("transitions"):
        steps = [(t.from_state, t.to_state) for t in report.transitions.all()]
        if report.state == ReportState.DRAFT:
            assert steps == [] and report.submitted_by_id is None
        else:
            assert steps[0] == (ReportState.DRAFT, ReportState.SUBMITTED)
            assert steps[-1][1] == report.state
            assert report.submitted_by.agency_id == report.project.host_agency_id
    # Behind reports explain themselves.
    behind = [r for r in reports if r.difference < 0]
    assert behind and all(r.lag_reasons and r.remedies for r in behind)
    # A missing month somewhere (a listed project without last month's report).
    listed = Project.objects.listed().filter(planned_start__lt=last_month)
    filed = reports.filter(period=last_month).values("project")
    assert listed.exclude(pk__in=filed).exists()


def test_plans_milestones_and_history(seeded):
    today = timezone.localdate()
    for project in Project.objects.prefetch_related("milestones", "allocations"):
        assert 2 <= len(project.milestones.all()) <= 5
        assert sum(a.amount for a in project.allocations.all()) == project.total_budget
    # S-curves: end at 100%, and rise faster in the middle than at either end.
    baseline = PlanBaseline.objects.filter(is_current=True).order_by("pk").first()
    percents = [p.planned_percent for p in baseline.points.order_by("month")]
    assert percents[-1] == 100
    third = len(percents) // 3
    assert percents[2 * third] - percents[third] > percents[third] - percents[0]
    assert percents[2 * third] - percents[third] > percents[-1] - percents[2 * third]
    replans = PlanBaseline.objects.filter(version=2)
    assert replans.exists()
    assert not replans.filter(reason="").exists()
    # Milestone statuses agree with their dates.
    assert (
        not Milestone.objects.filter(planned_date__gte=today).exclude(status="scheduled").exists()
    )
    assert Milestone.objects.filter(status="met", actual_date__isnull=False).exists()
    assert Milestone.objects.filter(status__in=["missed", "partial"]).exists()
    # Control status changes by the demo reviewer, with reasons.
    for status in (ControlStatus.SUSPENDED, ControlStatus.DELISTED):
        for project in Project.objects.filter(control_status=status):
            change = project.status_changes.filter(
                field=StatusField.CONTROL_STATUS, new_value=status
            ).first()
            assert change and change.reason and change.by.username == "reviewer"
    delisted = Project.objects.filter(control_status=ControlStatus.DELISTED)
    assert not delisted.filter(actual_completion__isnull=True).exists()
    assert TenderNumber.objects.filter(number__regex=r"^1\d{6}-[A-Z0-9]+-\d{2}$").exists()
    assert User.objects.filter(username="b13_staff", agency__code="B13").exists()


def test_seeding_again_changes_nothing(seeded):
    before = _counts()
    _seed()
    assert _counts() == before

"""Early-warning rating (預警) on worked examples, with the default thresholds unless said.

The factory's project runs 2024-01 to 2024-12 on a linear S-curve (100/12 % a month), so its
plan adds 25 points in the last three months: not 配當失衡 by default.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.choices import ExecutionPhase, MilestoneStatus, RiskLevel
from projects.models import ControlSettings, Milestone
from projects.warning import is_worsening, planned_rise, rate_many
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 15)
MAR, APR, MAY = (date(2024, m, 1) for m in (3, 4, 5))


@pytest.fixture
def rules():
    return ControlSettings.get()


def _project(agency, **extra):
    project = make_project(agency, phase=ExecutionPhase.CONSTRUCTION, **extra)
    # The factory's checkpoint (2024-03-01) is met, so only the branch under test shows.
    project.milestones.update(status=MilestoneStatus.MET, actual_date=date(2024, 3, 1))
    return project


@pytest.fixture
def project(agency_a):
    return _project(agency_a)


def report(project, period, *, planned, actual, **fields):
    """An accepted report spending 90% of its allocation (above the 80% execution threshold)."""
    fields.setdefault("allocated", 1_000_000)
    fields.setdefault("paid", fields["allocated"] * 9 // 10)
    return filed_report(project, period, actual, planned=planned, **fields)


def rating(project, today=TODAY, rules=None):
    return rate_many([project], today=today, rules=rules)[project.pk]


def test_on_schedule_project_is_low_risk_without_reasons(project):
    report(project, MAY, planned="41.67", actual="42.00")
    result = rating(project)
    assert result.level == RiskLevel.LOW
    assert result.reasons == []


def test_seriously_behind_is_high_risk(project):
    report(project, MAY, planned="50.00", actual="38.00")
    result = rating(project)
    assert result.level == RiskLevel.HIGH
    assert result.reasons == [
        "113年5月實際進度落後預定進度12個百分點，達嚴重落後門檻（10個百分點）。"
    ]


@pytest.mark.parametrize("phase", [ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED])
def test_stopped_project_is_high_risk_even_without_reports(agency_a, phase):
    project = _project(agency_a)
    project.phase = phase
    project.save(update_fields=["phase"])
    result = rating(project)
    assert result.level == RiskLevel.HIGH
    assert result.reasons == ["本案停工中或已解約。"]


def test_behind_three_months_in_a_row_is_high_risk(project):
    for period in (MAR, APR, MAY):
        report(project, period, planned="30.00", actual="25.00")
    result = rating(project)
    assert result.level == RiskLevel.HIGH
    assert "已連續3個月進度落後。" in result.reasons


def test_behind_with_overdue_checkpoint_is_high_risk(project):
    report(project, MAY, planned="40.00", actual="35.00")
    Milestone.objects.create(project=project, name="主體結構完成", planned_date=date(2024, 6, 1))
    result = rating(project)
    assert result.level == RiskLevel.HIGH
    assert "進度落後且有檢核點逾期未達成。" in result.reasons


def test_behind_alone_is_medium_risk(project):
    report(project, MAY, planned="40.00", actual="35.00")
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["113年5月實際進度落後預定進度5個百分點。"]


def test_overdue_checkpoint_on_schedule_is_medium_risk(project):
    report(project, MAY, planned="40.00", actual="41.00")
    Milestone.objects.create(project=project, name="主體結構完成", planned_date=date(2024, 6, 1))
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["有檢核點逾期未達成。"]


def test_low_execution_rate_is_medium_risk(project):
    report(project, MAY, planned="40.00", actual="41.00", allocated=1_000_000, paid=500_000)
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["經費執行率50.00%，低於80%。"]


def _steep_project(agency):
    """Planned 50% by 2024-09, then 100% in the last three months (Oct–Dec)."""
    project = _project(agency)
    curve = [(date(2024, m, 1), Decimal(50) * m / 9, 0) for m in range(1, 10)]
    curve += [(date(2024, 10, 1), "66.67", 0), (date(2024, 11, 1), "83.33", 0)]
    curve += [(date(2024, 12, 1), "100", 0)]
    services.create_baseline(
        project,
        [(m, Decimal(p).quantize(Decimal("0.01")), a) for m, p, a in curve],
        by=None,
        reason="配合預算調整",
    )
    return project


def test_steep_curve_before_completion_is_medium_risk(agency_a):
    project = _steep_project(agency_a)
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["配當失衡：預定進度在完工前3個月內增加50個百分點（門檻40個百分點）。"]


def test_linear_curve_is_not_steep(project):
    assert rating(project).level == RiskLevel.LOW


def test_steep_curve_no_longer_counts_once_completed(agency_a):
    project = _steep_project(agency_a)
    project.actual_completion = date(2024, 6, 1)
    project.save(update_fields=["actual_completion"])
    assert rating(project).level == RiskLevel.LOW


def test_planned_rise_reads_the_curve_at_completion_and_n_months_before():
    curve = [(date(2024, 9, 1), Decimal("50")), (date(2024, 12, 1), Decimal("100"))]
    assert planned_rise(curve, date(2024, 12, 31), 3) == Decimal("50")
    # A month without a point takes the latest one before it; before the curve it is 0.
    assert planned_rise(curve, date(2024, 12, 31), 2) == Decimal("50")
    assert planned_rise(curve, date(2024, 12, 31), 4) == Decimal("100")


def test_worsening_lag_is_medium_risk(project, rules):
    rules.behind_points = Decimal("5")  # −1, −2, −3 are within tolerance: only the trend shows
    rules.save()
    report(project, MAR, planned="20.00", actual="19.00")
    report(project, APR, planned="30.00", actual="28.00")
    report(project, MAY, planned="40.00", actual="37.00")
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["落後趨勢擴大：最近3次審核的進度差異依序為-1、-2、-3個百分點。"]


def test_improving_lag_is_not_worsening(project, rules):
    rules.behind_points = Decimal("5")
    rules.save()
    report(project, MAR, planned="20.00", actual="17.00")
    report(project, APR, planned="30.00", actual="28.00")
    report(project, MAY, planned="40.00", actual="39.00")
    assert rating(project).level == RiskLevel.LOW


def test_worsening_needs_three_reports(project):
    reports = [report(project, APR, planned="30.00", actual="28.00")]
    reports.insert(0, report(project, MAY, planned="40.00", actual="37.00"))
    assert is_worsening(reports) is False


def test_checkpoint_due_soon_while_short_of_plan_is_medium_risk(project, rules):
    rules.behind_points = Decimal("2")  # 1 point short is not 落後, but counts here
    rules.save()
    report(project, MAY, planned="40.00", actual="39.00")
    Milestone.objects.create(project=project, name="主體結構完成", planned_date=date(2024, 7, 5))
    result = rating(project)
    assert result.level == RiskLevel.MEDIUM
    assert result.reasons == ["檢核點「主體結構完成」將於113.7.5到期，而實際進度仍低於預定進度。"]


def test_checkpoint_due_soon_on_schedule_is_low_risk(project):
    report(project, MAY, planned="40.00", actual="40.00")
    Milestone.objects.create(project=project, name="主體結構完成", planned_date=date(2024, 7, 5))
    assert rating(project).level == RiskLevel.LOW


def test_checkpoint_due_days_is_a_setting(project, rules):
    rules.behind_points = Decimal("2")
    rules.save()
    report(project, MAY, planned="40.00", actual="39.00")
    Milestone.objects.create(
        project=project, name="主體結構完成", planned_date=TODAY + timedelta(days=40)
    )
    assert rating(project).level == RiskLevel.LOW
    rules.checkpoint_due_days = 45
    rules.save()
    assert rating(project).level == RiskLevel.MEDIUM


def test_seriously_behind_threshold_is_a_setting(project, rules):
    report(project, MAY, planned="50.00", actual="38.00")
    assert rating(project).level == RiskLevel.HIGH
    rules.seriously_behind_points = Decimal("15")
    rules.save()
    assert rating(project).level == RiskLevel.MEDIUM


def test_steep_curve_thresholds_are_settings(agency_a, rules):
    project = _steep_project(agency_a)
    rules.steep_curve_points = Decimal("60")
    rules.save()
    assert rating(project).level == RiskLevel.LOW
    rules.steep_curve_points = Decimal("40")
    rules.steep_curve_months = 1  # 83.33 → 100 in the last month: 16.67 points
    rules.save()
    assert rating(project).level == RiskLevel.LOW
    rules.steep_curve_months = 3
    rules.save()
    assert rating(project).level == RiskLevel.MEDIUM


def test_high_risk_reasons_come_before_medium_ones(project):
    report(project, MAY, planned="50.00", actual="38.00", allocated=1_000_000, paid=100_000)
    result = rating(project)
    assert result.level == RiskLevel.HIGH
    assert result.reasons[0].startswith("113年5月實際進度落後")
    assert result.reasons[-1] == "經費執行率10.00%，低於80%。"


def _rating_queries(agency, n):
    projects = []
    for i in range(n):
        p = _project(agency)
        for period in (MAR, APR, MAY):
            report(p, period, planned="30.00", actual=str(20 + i % 5))
        Milestone.objects.create(project=p, name="完工", planned_date=TODAY + timedelta(days=i))
        projects.append(p)
    rules = ControlSettings.get()
    with CaptureQueriesContext(connection) as ctx:
        ratings = rate_many(projects, today=TODAY, rules=rules)
    assert len(ratings) == n
    return len(ctx.captured_queries)


def test_rating_runs_a_constant_number_of_queries(agency_a, agency_b):
    assert _rating_queries(agency_a, 3) == _rating_queries(agency_b, 20)


def test_risk_badge_shows_the_level_and_reasons_in_words(project):
    from django.template.loader import render_to_string

    report(project, MAY, planned="50.00", actual="38.00")
    html = render_to_string(
        "projects/includes/risk_badge.html", {"rating": rating(project), "user": None}
    )
    assert "預警等級：" in html and "高風險" in html
    assert "<li>113年5月實際進度落後預定進度12個百分點，達嚴重落後門檻（10個百分點）。</li>" in html
    assert "預警判定規則說明" not in html  # the rule's page is for the commission only

"""The annual evaluation score (年度考評分數): the four components on worked examples, the
weighting, the grade, the reviewer's adjustment and the year's bulk computation."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import scoring
from projects.choices import ControlStatus, Grade, MilestoneStatus, StatusField
from projects.models import AnnualScore, ControlSettings, Milestone, StatusChange
from tests.projects.factories import filed_report, make_project

TODAY = date(2025, 6, 1)  # 2024 is over: every month and checkpoint of it has fallen due


def worked_example(agency, **project_fields):
    """The worked example of 113年 (2024):

    - 12 accepted reports; December planned 60%, actual 48% → progress 80.00;
    - December 執行率 (80,000,000 + 7,000,000 + 5,000,000) ÷ 100,000,000 = 92% → budget 92.00;
    - March filed late, May returned twice → filing 100 × 11 ÷ 12 − 5 = 86.67;
    - 3 of 4 checkpoints met on time → milestones 75.00;
    - weighted 0.4 × 80 + 0.3 × 92 + 0.2 × 86.67 + 0.1 × 75 = 84.43 → 甲等.
    """
    project = make_project(agency, name="安平港聯外道路拓寬工程", **project_fields)
    for month in range(1, 12):
        extra = {}
        if month == 3:
            extra["is_late"] = True
        if month == 5:
            extra["return_count"] = 2
        filed_report(project, date(2024, month, 1), month * 4, planned=month * 5, **extra)
    filed_report(
        project,
        date(2024, 12, 1),
        48,
        planned=60,
        allocated=100_000_000,
        paid=80_000_000,
        payable_unpaid=7_000_000,
        savings=5_000_000,
    )
    Milestone.objects.filter(project=project).update(
        status=MilestoneStatus.MET, actual_date=date(2024, 2, 20)
    )
    Milestone.objects.create(
        project=project,
        name="工程發包",
        planned_date=date(2024, 5, 31),
        actual_date=date(2024, 5, 30),
        status=MilestoneStatus.MET,
    )
    Milestone.objects.create(
        project=project,
        name="主體結構完成",
        planned_date=date(2024, 9, 30),
        actual_date=date(2024, 9, 30),
        status=MilestoneStatus.MET,
    )
    Milestone.objects.create(
        project=project,
        name="路面鋪設完成",
        planned_date=date(2024, 11, 30),
        status=MilestoneStatus.MISSED,
    )
    return project


@pytest.fixture
def example(agency_a):
    return worked_example(agency_a)


@pytest.fixture
def example_score(example):
    return scoring.compute_score(example, 2024, today=TODAY)


# -- the components --------------------------------------------------------------------------


def test_progress_is_actual_over_planned_in_december(example_score):
    assert example_score.progress_score == Decimal("80.00")
    progress = example_score.explanation["progress"]
    assert "48.00" in progress["formula"] and "60.00" in progress["formula"]
    assert {"label": "依據填報月份", "value": "113年12月"} in progress["inputs"]


def test_budget_is_the_year_end_execution_rate(example_score):
    assert example_score.budget_score == Decimal("92.00")
    assert "92.00%" in example_score.explanation["budget"]["formula"]


def test_filing_counts_on_time_reports_and_deducts_repeated_returns(example_score):
    assert example_score.filing_score == Decimal("86.67")
    assert example_score.explanation["filing"]["formula"] == "100 × 11 ÷ 12 − 5 × 1 = 86.67"


def test_milestones_count_checkpoints_met_by_their_planned_date(example_score):
    assert example_score.milestone_score == Decimal("75.00")
    assert example_score.explanation["milestone"]["formula"] == "100 × 3 ÷ 4 = 75.00"


def test_weighted_score_and_grade_with_default_weights(example_score):
    assert example_score.weights == {"progress": 40, "budget": 30, "filing": 20, "milestone": 10}
    assert example_score.weighted_score == Decimal("84.43")
    assert example_score.final_score == Decimal("84.43")
    assert example_score.grade == Grade.GOOD
    assert example_score.explanation["weighted"]["formula"] == (
        "40 × 80.00 ÷ 100 + 30 × 92.00 ÷ 100 + 20 × 86.67 ÷ 100 + 10 × 75.00 ÷ 100 = 84.43"
    )


def test_changing_the_weights_changes_the_score(example):
    ControlSettings.objects.filter(pk=1).update(
        weight_progress=25, weight_budget=25, weight_filing=25, weight_milestone=25
    )
    score = scoring.compute_score(example, 2024, today=TODAY)
    # (80 + 92 + 86.67 + 75) ÷ 4 = 83.4175
    assert score.weighted_score == Decimal("83.42")
    assert score.weights == {"progress": 25, "budget": 25, "filing": 25, "milestone": 25}


def test_project_completed_early_scores_full_progress(agency_a):
    project = make_project(agency_a, actual_completion=date(2024, 8, 15))
    for month in range(1, 9):
        filed_report(project, date(2024, month, 1), min(month * 15, 100))
    score = scoring.compute_score(project, 2024, today=TODAY)
    assert score.progress_score == Decimal("100.00")
    assert "113年8月15日" in score.explanation["progress"]["notes"][0]
    # Reports were due up to the month of completion only: eight, all on time.
    assert score.filing_score == Decimal("100.00")
    assert score.explanation["filing"]["formula"].startswith("100 × 8 ÷ 8")


def test_without_a_december_report_the_latest_accepted_one_is_used_and_said(agency_a):
    project = make_project(agency_a)
    filed_report(project, date(2024, 10, 1), 45, planned=50)
    filed_report(project, date(2024, 11, 1), 54, planned=60)
    score = scoring.compute_score(project, 2024, today=TODAY)
    assert score.progress_score == Decimal("90.00")
    assert any("113年11月" in note for note in score.explanation["progress"]["notes"])


def test_progress_is_capped_at_100(agency_a):
    project = make_project(agency_a)
    filed_report(project, date(2024, 12, 1), 70, planned=60)
    assert scoring.compute_score(project, 2024, today=TODAY).progress_score == Decimal("100.00")


def test_filing_score_does_not_go_below_zero(agency_a):
    project = make_project(agency_a)
    for month in range(1, 13):
        filed_report(project, date(2024, month, 1), month, is_late=True, return_count=2)
    assert scoring.compute_score(project, 2024, today=TODAY).filing_score == Decimal("0.00")


def test_no_checkpoint_due_scores_full_milestones(agency_a):
    project = make_project(agency_a)
    Milestone.objects.filter(project=project).update(planned_date=date(2025, 3, 1))
    filed_report(project, date(2024, 12, 1), 60, planned=60)
    score = scoring.compute_score(project, 2024, today=TODAY)
    assert score.milestone_score == Decimal("100.00")


def _status_change(project, old, new, on, by):
    change = StatusChange.objects.create(
        project=project, field=StatusField.CONTROL_STATUS, old_value=old, new_value=new, by=by
    )
    StatusChange.objects.filter(pk=change.pk).update(
        at=timezone.make_aware(datetime.combine(on, datetime.min.time().replace(hour=10)))
    )


def test_reports_are_due_only_for_months_the_project_ended_listed(agency_a, cast):
    project = make_project(agency_a)
    _status_change(
        project, ControlStatus.NEW, ControlStatus.LISTED, date(2024, 2, 5), cast["reviewer"]
    )
    _status_change(
        project, ControlStatus.LISTED, ControlStatus.DELISTED, date(2024, 7, 15), cast["reviewer"]
    )
    changes = list(StatusChange.objects.filter(project=project).order_by("at"))
    passed = scoring.passed_deadlines(2024, ControlSettings.get(), TODAY)
    # Listed in February, delisted in July: February to June were due.
    assert scoring.due_months(project, 2024, changes, passed) == [
        date(2024, m, 1) for m in range(2, 7)
    ]


def test_months_whose_deadline_has_not_passed_are_not_due_yet(agency_a):
    project = make_project(agency_a)
    passed = scoring.passed_deadlines(2024, ControlSettings.get(), date(2024, 6, 5))
    # May's report is due by 113.6.10: on 113.6.5 only January to April have fallen due.
    assert scoring.due_months(project, 2024, [], passed) == [date(2024, m, 1) for m in range(1, 5)]


# -- the year ----------------------------------------------------------------------------------


def _projects_with_reports(agency, n):
    projects = []
    for _i in range(n):
        project = make_project(agency)
        for month in (11, 12):
            filed_report(project, date(2024, month, 1), 50, planned=60, return_count=2)
        projects.append(project)
    return projects


def _compute_year_queries():
    with CaptureQueriesContext(connection) as ctx:
        scoring.compute_year(2024, today=TODAY)
    return len(ctx.captured_queries)


def test_compute_year_runs_the_same_number_of_queries_for_2_and_10_projects(agency_a):
    ControlSettings.get()
    _projects_with_reports(agency_a, 2)
    small = _compute_year_queries()
    _projects_with_reports(agency_a, 8)
    large = _compute_year_queries()
    assert AnnualScore.objects.filter(year=2024).count() == 10
    assert small == large


def test_compute_year_scores_evaluated_listed_and_delisted_projects_only(agency_a):
    listed = make_project(agency_a)
    delisted = make_project(agency_a, listed=False, control_status=ControlStatus.DELISTED)
    make_project(agency_a, in_annual_evaluation=False)
    make_project(agency_a, listed=False)
    make_project(agency_a, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert scoring.compute_year(2024, today=TODAY) == 2
    assert set(AnnualScore.objects.values_list("project_id", flat=True)) == {
        listed.pk,
        delisted.pk,
    }


def test_recomputing_keeps_the_adjustment_and_drops_projects_taken_out(example, cast, agency_a):
    other = make_project(agency_a)
    scoring.compute_year(2024, today=TODAY)
    score = AnnualScore.objects.get(project=example, year=2024)
    scoring.adjust_score(score, Decimal("3"), "配合市政重點推動", by=cast["reviewer"])
    other.in_annual_evaluation = False
    other.save()
    assert scoring.compute_year(2024, today=TODAY) == 1
    score.refresh_from_db()
    assert score.adjustment == Decimal("3.00")
    assert score.final_score == Decimal("87.43")
    assert not AnnualScore.objects.filter(project=other).exists()


def test_bureau_user_cannot_recompute_a_year(cast):
    with pytest.raises(PermissionDenied):
        scoring.compute_year(2024, by=cast["manager_a"], today=TODAY)


def test_management_command_accepts_the_roc_year(example, capsys):
    call_command("compute_scores", "113")
    assert AnnualScore.objects.filter(project=example, year=2024).exists()
    assert "113年度" in capsys.readouterr().out


# -- the adjustment ----------------------------------------------------------------------------


def test_adjustment_of_five_with_a_reason_raises_the_final_score(example_score, cast):
    score = scoring.adjust_score(
        example_score, Decimal("5"), "工地安全表現優良", by=cast["reviewer"]
    )
    assert score.final_score == Decimal("89.43")
    assert score.grade == Grade.GOOD
    assert score.adjusted_by == cast["reviewer"]
    assert "89.43" in score.explanation["final"]["formula"]


def test_adjustment_above_the_limit_is_refused(example_score, cast):
    with pytest.raises(ValidationError) as exc:
        scoring.adjust_score(example_score, Decimal("5.01"), "表現優良", by=cast["reviewer"])
    assert exc.value.message_dict["adjustment"] == ["加減分須介於 −5 至 +5 分之間。"]


def test_adjustment_without_a_reason_is_refused(example_score, cast):
    with pytest.raises(ValidationError) as exc:
        scoring.adjust_score(example_score, Decimal("-2"), "  ", by=cast["admin"])
    assert exc.value.message_dict["reason"] == ["有加減分時，請填寫加減分理由。"]


def test_bureau_user_cannot_adjust_a_score(example_score, cast):
    with pytest.raises(PermissionDenied):
        scoring.adjust_score(example_score, Decimal("2"), "自評", by=cast["manager_a"])


def test_final_score_is_clamped_to_100(agency_a, cast):
    project = make_project(agency_a)
    for month in range(1, 13):
        filed_report(
            project, date(2024, month, 1), month * 5, planned=month * 5, allocated=1000, paid=1000
        )
    Milestone.objects.filter(project=project).update(status=MilestoneStatus.MET)
    score = scoring.compute_score(project, 2024, today=TODAY)
    assert score.weighted_score == Decimal("100.00")
    score = scoring.adjust_score(score, Decimal("5"), "表現優良", by=cast["reviewer"])
    assert score.final_score == Decimal("100.00")
    assert score.grade == Grade.EXCELLENT


@pytest.mark.parametrize(
    ("final", "grade"),
    [
        ("90", Grade.EXCELLENT),
        ("89.99", Grade.GOOD),
        ("80", Grade.GOOD),
        ("70", Grade.FAIR),
        ("69.99", Grade.POOR),
    ],
)
def test_grade_thresholds(final, grade):
    assert scoring.grade_for(Decimal(final)) == grade

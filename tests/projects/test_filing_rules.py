"""Monthly filing (每月填報): when a report may be filed, what it must say, its deadline, its
review and its history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from projects import services
from projects.choices import ControlStatus, ExecutionPhase, ReportState
from projects.models import ControlSettings, MonthlyReport, ReportTransition
from tests.projects.factories import filed_report, linear_curve, make_project

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
MARCH = date(2024, 3, 1)
IN_APRIL = date(2024, 4, 2)


def taipei(*args):
    return datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def project(agency_a):
    # 2024-01..2024-12, linear: March is planned at 25.00% and 30,000,000 allocated.
    return make_project(agency_a)


@pytest.fixture
def draft(project, cast):
    return services.start_report(project, MARCH, by=cast["staff_a"], today=IN_APRIL)


def fill(report, *, actual="25.00", **fields):
    """Figures of an on-schedule March report, then ``fields``."""
    report.actual_percent = Decimal(actual)
    report.paid = fields.pop("paid", 20_000_000)
    report.progress_text = fields.pop("progress_text", "主體結構施作中")
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def submitted(report, cast, *, now=None, **fields):
    services.save_report(fill(report, **fields), by=cast["staff_a"])
    return services.submit_report(report, by=cast["manager_a"], now=now or taipei(2024, 4, 5))


def problems_of(report):
    with pytest.raises(ValidationError) as exc:
        services.save_report(report, by=report.created_by)
    return exc.value.message_dict


# -- when a report may be started -----------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ControlStatus.NEW, ControlStatus.SUSPENDED, ControlStatus.DELISTED]
)
def test_only_listed_projects_can_be_filed(agency_a, cast, status):
    project = make_project(agency_a, listed=False, control_status=status)
    with pytest.raises(ValidationError) as exc:
        services.start_report(project, MARCH, by=cast["staff_a"], today=IN_APRIL)
    assert exc.value.messages == ["只有「列管中」的案件可以填報。"]
    assert not MonthlyReport.objects.exists()


def test_future_month_cannot_be_filed(project, cast):
    with pytest.raises(ValidationError) as exc:
        services.start_report(
            project, date(2024, 4, 1), by=cast["staff_a"], today=date(2024, 3, 31)
        )
    assert exc.value.messages == ["113年4月尚未開始，不能預先填報。"]


def test_current_month_can_be_filed(project, cast):
    report = services.start_report(project, MARCH, by=cast["staff_a"], today=date(2024, 3, 1))
    assert report.period == MARCH


def test_start_report_uses_the_local_date_by_default(project, cast):
    # 2024-03-31 17:00 UTC is already 1 April in Taipei.
    with time_machine.travel(datetime(2024, 3, 31, 17, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        report = services.start_report(project, date(2024, 4, 1), by=cast["staff_a"])
    assert report.period == date(2024, 4, 1)


def test_month_before_planned_start_cannot_be_filed(agency_a, cast):
    project = make_project(agency_a, start=date(2024, 3, 15), end=date(2024, 12, 31))
    with pytest.raises(ValidationError) as exc:
        services.start_report(project, date(2024, 2, 1), by=cast["staff_a"], today=IN_APRIL)
    assert exc.value.messages == ["113年2月早於預定開工月份，不必填報。"]


def test_period_must_be_a_month(project, cast):
    with pytest.raises(ValidationError) as exc:
        services.start_report(project, date(2024, 3, 15), by=cast["staff_a"], today=IN_APRIL)
    assert exc.value.messages == ["填報月份須為月份，不含日。"]


def test_starting_a_month_twice_returns_the_same_report(project, draft, cast):
    again = services.start_report(project, MARCH, by=cast["manager_a"], today=IN_APRIL)
    assert again.pk == draft.pk
    assert MonthlyReport.objects.filter(project=project, period=MARCH).count() == 1


def test_database_refuses_a_second_report_for_the_same_month(project, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(
            project=project,
            period=MARCH,
            planned_percent=Decimal("25"),
            actual_percent=Decimal("25"),
            progress_text="重複",
        )


def test_planned_figures_are_snapshotted_from_the_s_curve(project, draft):
    assert draft.planned_percent == Decimal("25.00")
    assert draft.allocated_to_date == 30_000_000
    assert draft.baseline == project.current_baseline()
    assert draft.state == ReportState.DRAFT


def test_report_after_a_replan_uses_the_new_curve_and_earlier_keeps_its_snapshot(
    project, draft, cast
):
    first = project.current_baseline()
    second = services.create_baseline(
        project,
        linear_curve(date(2024, 1, 1), date(2025, 12, 31), 240_000_000),
        by=cast["manager_a"],
        reason="追加工項，展延工期",
    )

    april = services.start_report(
        project, date(2024, 4, 1), by=cast["staff_a"], today=date(2024, 5, 2)
    )

    # 24 months now: April is month 4 of 24.
    assert april.baseline == second
    assert april.planned_percent == Decimal("16.67")
    assert april.allocated_to_date == 40_000_000
    draft.refresh_from_db()
    assert draft.baseline == first
    assert draft.planned_percent == Decimal("25.00")
    assert draft.allocated_to_date == 30_000_000


# -- figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("actual", ["-0.01", "100.01"])
def test_actual_percent_must_be_between_0_and_100(draft, actual):
    assert problems_of(fill(draft, actual=actual)) == {
        "actual_percent": ["實際累計進度須介於0至100%。"]
    }


def test_actual_percent_of_100_is_accepted(draft, cast):
    services.save_report(fill(draft, actual="100"), by=cast["staff_a"])
    assert draft.actual_percent == Decimal("100.00")


@pytest.mark.parametrize("field", ["allocated_to_date", "paid", "payable_unpaid", "savings"])
def test_money_cannot_be_negative(draft, field):
    fill(draft, paid=0)
    setattr(draft, field, -1)
    assert problems_of(draft)[field] == ["金額不得為負數。"]


def test_spending_above_allocation_is_rejected_with_the_figures(draft):
    fill(draft, paid=20_000_000, payable_unpaid=8_000_000, savings=2_500_000)
    assert problems_of(draft) == {
        "paid": [
            "實支數、應付未付數與節餘數合計30,500,000元，超過累計分配數30,000,000元，請檢查金額。"
        ]
    }


def test_spending_equal_to_allocation_is_accepted(draft, cast):
    fill(draft, paid=20_000_000, payable_unpaid=8_000_000, savings=2_000_000)
    services.save_report(draft, by=cast["staff_a"])
    assert draft.paid + draft.payable_unpaid + draft.savings == draft.allocated_to_date


def test_actual_below_last_accepted_needs_an_explanation(project, draft, cast):
    filed_report(project, date(2024, 2, 1), "20.00", state=ReportState.ACCEPTED)
    fill(draft, actual="15.00", lag_reasons="重新丈量", remedies="加派人力")
    assert problems_of(draft) == {
        "decrease_explanation": ["實際進度15.00%低於上次審核通過的20.00%，請說明下修原因。"]
    }
    draft.decrease_explanation = "前月進度誤植，經監造單位重新核算"
    services.save_report(draft, by=cast["staff_a"])
    assert draft.actual_percent == Decimal("15.00")


def test_actual_below_a_report_not_yet_accepted_needs_no_explanation(project, draft, cast):
    filed_report(project, date(2024, 2, 1), "20.00", state=ReportState.SUBMITTED)
    services.save_report(fill(draft, actual="15.00"), by=cast["staff_a"])
    assert draft.actual_percent == Decimal("15.00")


def test_save_report_keeps_what_the_services_own(draft, cast):
    """A copy loaded before the reviewer returned the report cannot undo the return, and the
    planned snapshot is not the filer's to change."""
    submitted(draft, cast)
    stale = MonthlyReport.objects.get(pk=draft.pk)
    services.return_report(draft, by=cast["reviewer"], comment="請補充照片")

    stale.planned_percent = Decimal("10.00")
    stale.progress_text = "已補充照片"
    services.save_report(stale, by=cast["staff_a"])

    stored = MonthlyReport.objects.get(pk=draft.pk)
    assert stored.state == ReportState.RETURNED
    assert stored.return_count == 1
    assert stored.planned_percent == Decimal("25.00")
    assert stored.progress_text == "已補充照片"


# -- narrative on submit ---------------------------------------------------------------------


def test_behind_report_needs_lag_reasons_and_remedies_on_submit(draft, cast):
    services.save_report(fill(draft, actual="20.00"), by=cast["staff_a"])  # a draft may omit them
    with pytest.raises(ValidationError) as exc:
        services.submit_report(draft, by=cast["manager_a"], now=taipei(2024, 4, 5))
    assert exc.value.message_dict == {
        "lag_reasons": ["進度落後或停工時，請填寫落後原因。"],
        "remedies": ["進度落後或停工時，請填寫解決對策。"],
    }
    draft.refresh_from_db()
    assert draft.state == ReportState.DRAFT


def test_behind_report_with_reasons_can_be_submitted(draft, cast):
    report = submitted(
        draft, cast, actual="20.00", lag_reasons="地下管線遷移延宕", remedies="協調台電加速遷移"
    )
    assert report.state == ReportState.SUBMITTED


@pytest.mark.parametrize("phase", [ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED])
def test_stopped_project_needs_lag_reasons_even_when_ahead(project, draft, cast, phase):
    project.phase = phase
    project.save()
    services.save_report(fill(draft, actual="30.00"), by=cast["staff_a"])
    with pytest.raises(ValidationError) as exc:
        services.submit_report(draft, by=cast["manager_a"], now=taipei(2024, 4, 5))
    assert set(exc.value.message_dict) == {"lag_reasons", "remedies"}


def test_on_schedule_report_needs_no_lag_reasons(draft, cast):
    report = submitted(draft, cast, actual="25.00")
    assert report.state == ReportState.SUBMITTED
    assert report.lag_reasons == ""


def test_submit_needs_progress_text(draft, cast):
    services.save_report(fill(draft, progress_text=""), by=cast["staff_a"])
    with pytest.raises(ValidationError) as exc:
        services.submit_report(draft, by=cast["manager_a"], now=taipei(2024, 4, 5))
    assert exc.value.message_dict == {"progress_text": ["請填寫目前辦理情形。"]}


# -- who submits ----------------------------------------------------------------------------


def test_bureau_staff_cannot_submit(draft, cast):
    services.save_report(fill(draft), by=cast["staff_a"])
    with pytest.raises(PermissionDenied, match="須由局處主管送出填報。"):
        services.submit_report(draft, by=cast["staff_a"], now=taipei(2024, 4, 5))
    draft.refresh_from_db()
    assert draft.state == ReportState.DRAFT


@pytest.mark.parametrize("who", ["manager_a", "admin"])
def test_manager_or_admin_submits(draft, cast, who):
    services.save_report(fill(draft), by=cast["staff_a"])
    report = services.submit_report(draft, by=cast[who], now=taipei(2024, 4, 5, 9, 30))
    assert report.state == ReportState.SUBMITTED
    assert (report.submitted_by, report.submitted_at) == (cast[who], taipei(2024, 4, 5, 9, 30))
    transition = ReportTransition.objects.get(report=draft)
    assert (transition.from_state, transition.to_state, transition.by) == (
        ReportState.DRAFT,
        ReportState.SUBMITTED,
        cast[who],
    )


# -- deadline ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (taipei(2024, 4, 10, 23, 59), False),
        # 2024-04-10 16:30 UTC is 00:30 on the 11th in Taipei.
        (datetime(2024, 4, 10, 16, 30, tzinfo=ZoneInfo("UTC")), True),
        (taipei(2024, 4, 11, 8, 0), True),
    ],
    ids=["10th-taipei", "11th-taipei-10th-utc", "11th"],
)
def test_report_is_late_after_the_10th_of_next_month_taipei_time(draft, cast, now, late):
    assert submitted(draft, cast, now=now).is_late is late


def test_late_flag_uses_current_time_when_no_time_given(draft, cast):
    services.save_report(fill(draft), by=cast["staff_a"])
    with time_machine.travel(taipei(2024, 4, 11, 0, 5), tick=False):
        report = services.submit_report(draft, by=cast["manager_a"])
    assert report.is_late is True


def test_december_report_is_due_on_10_january_next_year(agency_a, cast):
    assert ControlSettings.get().filing_deadline(date(2024, 12, 1)) == date(2025, 1, 10)
    project = make_project(agency_a)
    on_time = services.start_report(
        project, date(2024, 12, 1), by=cast["staff_a"], today=date(2025, 1, 2)
    )
    on_time = submitted(on_time, cast, actual="100", paid=0, now=taipei(2025, 1, 10, 17, 0))
    assert on_time.is_late is False

    other = make_project(agency_a)
    late = services.start_report(
        other, date(2024, 12, 1), by=cast["staff_a"], today=date(2025, 1, 2)
    )
    late = submitted(late, cast, actual="100", paid=0, now=taipei(2025, 1, 11, 9, 0))
    assert late.is_late is True


def test_deadline_day_is_a_setting(draft, cast):
    rules = ControlSettings.get()
    rules.filing_deadline_day = 3  # Wednesday 3 April 2024, a working day
    rules.save()
    assert submitted(draft, cast, now=taipei(2024, 4, 4, 9, 0)).is_late is True


@pytest.mark.parametrize(
    ("now", "late"), [(taipei(2024, 4, 8, 17), False), (taipei(2024, 4, 9), True)]
)
def test_deadline_on_a_day_off_moves_to_the_next_working_day(draft, cast, now, late):
    rules = ControlSettings.get()
    rules.filing_deadline_day = 5  # 5 April 2024 is 清明 (day off), then a weekend
    rules.save()
    assert rules.filing_deadline(MARCH) == date(2024, 4, 8)
    assert submitted(draft, cast, now=now).is_late is late


@pytest.mark.parametrize(
    ("first", "again", "late"),
    [
        (taipei(2024, 4, 15), taipei(2024, 4, 16), True),
        (taipei(2024, 4, 8), taipei(2024, 4, 20), False),
    ],
    ids=["late-stays-late", "on-time-stays-on-time"],
)
def test_resubmission_after_return_keeps_the_original_late_flag(draft, cast, first, again, late):
    submitted(draft, cast, now=first)
    services.return_report(draft, by=cast["reviewer"], comment="請補充說明")
    draft.refresh_from_db()
    report = submitted(draft, cast, now=again, help_needed="請協助協調管線單位")
    assert report.state == ReportState.SUBMITTED
    assert report.is_late is late


# -- review -----------------------------------------------------------------------------------


def test_return_needs_a_comment(draft, cast):
    submitted(draft, cast)
    with pytest.raises(ValidationError) as exc:
        services.return_report(draft, by=cast["reviewer"], comment="  ")
    assert exc.value.message_dict == {"comment": ["退回時請填寫退回意見。"]}
    draft.refresh_from_db()
    assert draft.state == ReportState.SUBMITTED


def test_return_counts_and_records_the_step(draft, cast):
    submitted(draft, cast)
    report = services.return_report(
        draft, by=cast["reviewer"], comment="實支數與會計報表不符", now=taipei(2024, 4, 12)
    )
    assert report.state == ReportState.RETURNED
    assert report.return_count == 1
    assert report.reviewer_comment == "實支數與會計報表不符"
    step = ReportTransition.objects.filter(report=draft).latest("pk")
    assert (step.from_state, step.to_state, step.by, step.comment) == (
        ReportState.SUBMITTED,
        ReportState.RETURNED,
        cast["reviewer"],
        "實支數與會計報表不符",
    )

    submitted(report, cast, now=taipei(2024, 4, 13))
    assert services.return_report(draft, by=cast["reviewer"], comment="仍不符").return_count == 2


@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_commission_accepts_a_submitted_report(draft, cast, who):
    submitted(draft, cast)
    report = services.accept_report(
        draft, by=cast[who], comment="請持續追蹤", now=taipei(2024, 4, 15, 10, 0)
    )
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED
    assert (report.reviewed_by, report.reviewed_at) == (cast[who], taipei(2024, 4, 15, 10, 0))
    assert report.reviewer_comment == "請持續追蹤"
    step = ReportTransition.objects.filter(report=draft).latest("pk")
    assert (step.from_state, step.to_state) == (ReportState.SUBMITTED, ReportState.ACCEPTED)


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "manager_b"])
def test_bureau_users_cannot_review(draft, cast, who):
    submitted(draft, cast)
    with pytest.raises(PermissionDenied, match="只有研考會審查人員可以執行此項作業。"):
        services.accept_report(draft, by=cast[who])
    with pytest.raises(PermissionDenied, match="只有研考會審查人員可以執行此項作業。"):
        services.return_report(draft, by=cast[who], comment="自行退回")
    draft.refresh_from_db()
    assert draft.state == ReportState.SUBMITTED


@pytest.mark.parametrize("state", [ReportState.DRAFT, ReportState.RETURNED, ReportState.ACCEPTED])
def test_only_submitted_reports_can_be_reviewed(project, cast, state):
    report = filed_report(project, MARCH, "25", state=state)
    with pytest.raises(ValidationError) as exc:
        services.accept_report(report, by=cast["reviewer"])
    assert exc.value.messages == ["只有「已送出」的填報可以審核。"]
    with pytest.raises(ValidationError) as exc:
        services.return_report(report, by=cast["reviewer"], comment="退回")
    assert exc.value.messages == ["只有「已送出」的填報可以審核。"]


# -- history ----------------------------------------------------------------------------------


def test_history_keeps_every_saved_version(draft, cast):
    assert draft.history.count() == 1
    services.save_report(fill(draft, actual="18.50"), by=cast["staff_a"])
    services.save_report(fill(draft, actual="25.00"), by=cast["staff_a"])
    services.submit_report(draft, by=cast["manager_a"], now=taipei(2024, 4, 5))

    history = list(draft.history.order_by("history_date", "history_id"))
    assert draft.history.count() == 4
    assert [h.actual_percent for h in history] == [
        Decimal("0.00"),
        Decimal("18.50"),
        Decimal("25.00"),
        Decimal("25.00"),
    ]
    assert [h.history_change_reason for h in history[1:]] == ["儲存草稿", "儲存草稿", "送出"]
    assert history[-1].state == ReportState.SUBMITTED

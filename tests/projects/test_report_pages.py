"""The monthly filing pages: the form, a report's detail, submitting, reviewing, the queue."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.choices import ReportState
from projects.models import MonthlyReport
from tainan_rdec.months import add_months, month_start
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


@pytest.fixture
def project(agency_a, cast):
    # Planned 25.00% and NT$30,000,000 allocated by 113年3月 (a straight line over 2024).
    return make_project(agency_a, by=cast["reviewer"], name="安平港聯外道路拓寬工程")


def edit_url(project, period=MARCH):
    return reverse("projects:report_edit", args=[project.pk, period.year, period.month])


def detail_url(report):
    return reverse("projects:report_detail", args=[report.pk])


def filing(**overrides):
    data = {
        "actual_percent": "26.5",
        "allocated_to_date": "30,000,000",
        "paid": "12,000,000",
        "payable_unpaid": "3,000,000",
        "savings": "0",
        "progress_text": "橋梁下部結構施工中。",
        "lag_reasons": "",
        "remedies": "",
        "help_needed": "",
        "decrease_explanation": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def submitted_report(project, cast, period=MARCH, **figures):
    report = services.start_report(project, period, by=cast["manager_a"])
    report.actual_percent = figures.get("actual_percent", Decimal("30"))
    report.progress_text = "施工中。"
    services.save_report(report, by=cast["manager_a"])
    services.submit_report(report, by=cast["manager_a"])
    report.refresh_from_db()
    return report


def page_text(response):
    return response.content.decode()


def test_filing_form_shows_month_deadline_planned_and_last_month(client_as, project, cast):
    february = services.start_report(project, date(2024, 2, 1), by=cast["manager_a"])
    february.actual_percent, february.paid = Decimal("15.25"), 4_321_000
    february.progress_text = "開工。"
    services.save_report(february, by=cast["manager_a"])

    response = client_as("staff_a").get(edit_url(project))

    text = page_text(response)
    assert response.status_code == 200
    assert "安平港聯外道路拓寬工程" in text
    assert "113年3月每月填報" in text
    assert "113年4月10日" in text  # the default deadline: the 10th of the next month
    assert "25.00%" in text  # March's planned % from the S-curve
    assert "15.25%" in text and "4,321,000元" in text  # February for reference


def test_staff_saves_a_draft_with_thousands_separators_and_full_width_digits(client_as, project):
    staff = client_as("staff_a")

    response = staff.post(
        edit_url(project), filing(paid="１２，０００，０００", payable_unpaid="3000000元")
    )

    assert response.status_code == 302
    assert response["Location"] == edit_url(project)
    report = MonthlyReport.objects.get(project=project, period=MARCH)
    assert (report.paid, report.payable_unpaid, report.actual_percent) == (
        12_000_000,
        3_000_000,
        Decimal("26.50"),
    )
    assert report.state == ReportState.DRAFT
    assert "草稿已儲存" in page_text(staff.get(edit_url(project)))


def test_unreadable_amount_is_explained_in_chinese_next_to_the_field(client_as, project):
    response = client_as("staff_a").post(edit_url(project), filing(paid="一千萬", savings="12.5"))

    text = page_text(response)
    assert response.status_code == 200
    assert "請以阿拉伯數字輸入金額（元），可用千分位逗號" in text
    assert "金額以元為單位，請輸入整數，不含小數。" in text
    assert 'id="id_paid_error"' in text


def test_percent_above_100_is_refused(client_as, project):
    response = client_as("staff_a").post(edit_url(project), filing(actual_percent="100.5"))

    assert "進度須介於 0 至 100%。" in page_text(response)
    assert 'id="id_actual_percent_error"' in page_text(response)


def test_money_over_allocation_is_refused_next_to_paid(client_as, project):
    response = client_as("staff_a").post(
        edit_url(project), filing(paid="25,000,000", payable_unpaid="6,000,000")
    )

    text = page_text(response)
    assert response.status_code == 200
    assert "合計31,000,000元，超過累計分配數30,000,000元" in text
    assert 'id="id_paid_error"' in text
    assert MonthlyReport.objects.get(project=project, period=MARCH).paid == 0


def test_behind_report_needs_lag_reasons_and_remedies_to_submit(client_as, project):
    response = client_as("manager_a").post(
        edit_url(project), filing(actual_percent="20", action="submit")
    )

    text = page_text(response)
    assert "進度落後或停工時，請填寫落後原因。" in text
    assert "進度落後或停工時，請填寫解決對策。" in text
    assert 'id="id_lag_reasons_error"' in text and 'id="id_remedies_error"' in text
    assert 'id="behind-note"' in text
    report = MonthlyReport.objects.get(project=project, period=MARCH)
    assert report.state == ReportState.DRAFT
    assert report.actual_percent == Decimal("20.00")  # the draft itself was kept


def test_behind_note_is_shown_on_the_form(client_as, project):
    client_as("staff_a").post(edit_url(project), filing(actual_percent="20"))

    text = page_text(client_as("staff_a").get(edit_url(project)))

    assert 'id="behind-note"' in text
    assert "送出前必須填寫「落後原因」及「解決對策」" in text


def test_manager_saves_and_submits(client_as, project):
    response = client_as("manager_a").post(edit_url(project), filing(action="submit"))

    report = MonthlyReport.objects.get(project=project, period=MARCH)
    assert response.status_code == 302
    assert response["Location"] == detail_url(report)
    assert report.state == ReportState.SUBMITTED
    assert report.is_late  # 113年3月 was due on 113.4.10
    assert "已送出" in page_text(client_as("manager_a").get(detail_url(report)))


def test_staff_has_no_submit_button_and_a_forged_submit_is_refused(client_as, project):
    staff = client_as("staff_a")

    assert "儲存並送出" not in page_text(staff.get(edit_url(project)))
    assert staff.post(edit_url(project), filing(action="submit")).status_code == 403
    report = MonthlyReport.objects.get(project=project, period=MARCH)
    assert staff.post(reverse("projects:report_submit", args=[report.pk])).status_code == 403
    assert MonthlyReport.objects.get(pk=report.pk).state == ReportState.DRAFT


def test_manager_sees_the_submit_button(client_as, project):
    assert "儲存並送出" in page_text(client_as("manager_a").get(edit_url(project)))


def test_future_month_is_refused_in_chinese(client_as, project):
    next_month = add_months(month_start(timezone.localdate()), 1)

    response = client_as("staff_a").get(edit_url(project, next_month))

    assert response.status_code == 400
    assert "尚未開始，不能預先填報" in page_text(response)
    assert not MonthlyReport.objects.filter(project=project).exists()


def test_submitted_report_sends_the_filer_to_the_detail_page(client_as, project, cast):
    report = submitted_report(project, cast)

    response = client_as("staff_a").get(edit_url(project))

    assert response.status_code == 302
    assert response["Location"] == detail_url(report)


def test_returned_report_shows_the_comment_and_can_be_resubmitted(client_as, project, cast):
    report = submitted_report(project, cast)
    services.return_report(report, by=cast["reviewer"], comment="實支數與會計報表不符，請更正。")
    manager = client_as("manager_a")

    text = page_text(manager.get(edit_url(project)))
    assert "研考會退回意見" in text
    assert "實支數與會計報表不符，請更正。" in text

    response = manager.post(edit_url(project), filing(paid="11,000,000", action="submit"))

    report.refresh_from_db()
    assert response.status_code == 302
    assert (report.state, report.paid, report.return_count) == (
        ReportState.SUBMITTED,
        11_000_000,
        1,
    )


def test_manager_submits_a_saved_draft_from_the_detail_page(client_as, project):
    manager = client_as("manager_a")
    manager.post(edit_url(project), filing())
    report = MonthlyReport.objects.get(project=project, period=MARCH)
    assert "送出研考會審核" in page_text(manager.get(detail_url(report)))

    response = manager.post(reverse("projects:report_submit", args=[report.pk]))

    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_submitting_an_incomplete_draft_from_the_detail_page_explains_why(client_as, project):
    manager = client_as("manager_a")
    manager.get(edit_url(project))  # starts an empty draft
    report = MonthlyReport.objects.get(project=project, period=MARCH)

    response = manager.post(reverse("projects:report_submit", args=[report.pk]))

    assert response.status_code == 400
    assert "請填寫目前辦理情形。" in page_text(response)


def test_other_agency_staff_get_404_on_the_report(client_as, project, cast):
    report = submitted_report(project, cast)
    staff_b = client_as("staff_b")

    assert staff_b.get(detail_url(report)).status_code == 404
    assert staff_b.get(edit_url(project)).status_code == 404
    assert staff_b.post(reverse("projects:report_submit", args=[report.pk])).status_code == 404
    review = reverse("projects:report_review", args=[report.pk])
    assert staff_b.post(review, {"action": "accept"}).status_code == 404


def test_reviewer_can_view_a_report_but_is_redirected_away_from_editing(client_as, project, cast):
    client_as("staff_a").post(edit_url(project), filing())
    report = MonthlyReport.objects.get(project=project, period=MARCH)
    reviewer = client_as("reviewer")

    response = reviewer.get(edit_url(project))

    assert response.status_code == 302
    assert response["Location"] == detail_url(report)
    assert reviewer.get(detail_url(report)).status_code == 200
    assert reviewer.post(edit_url(project), filing(paid="1")).status_code == 302
    assert MonthlyReport.objects.get(pk=report.pk).paid == 12_000_000


def test_detail_shows_figures_and_the_edit_history(client_as, project):
    staff = client_as("staff_a")
    staff.post(edit_url(project), filing())
    staff.post(edit_url(project), filing(paid="13,000,000"))
    report = MonthlyReport.objects.get(project=project, period=MARCH)

    text = page_text(staff.get(detail_url(report)))

    assert "53.33%" in text  # 執行率 = (13,000,000 + 3,000,000 + 0) ÷ 30,000,000
    assert "1.50" in text  # 差異 = 26.50 − 25.00
    assert "修改歷程" in text
    assert "13,000,000元" in text and "12,000,000元" in text
    assert "實支數（元）" in text  # the changed field of the last version
    assert "staff_a" in text


def test_reviewer_accepts_a_report_with_a_comment(client_as, project, cast):
    report = submitted_report(project, cast)
    reviewer = client_as("reviewer")
    assert "管考建議" in page_text(reviewer.get(detail_url(report)))

    response = reviewer.post(
        reverse("projects:report_review", args=[report.pk]),
        {"action": "accept", "comment": "請持續注意雨季施工安全。"},
    )

    report.refresh_from_db()
    assert response.status_code == 302
    assert report.state == ReportState.ACCEPTED
    assert report.reviewer_comment == "請持續注意雨季施工安全。"
    text = page_text(reviewer.get(detail_url(report)))
    assert "已審核" in text and "請持續注意雨季施工安全。" in text


def test_reviewer_returns_a_report(client_as, project, cast):
    report = submitted_report(project, cast)

    client_as("reviewer").post(
        reverse("projects:report_review", args=[report.pk]),
        {"action": "return", "comment": "請補充落後原因。"},
    )

    report.refresh_from_db()
    assert (report.state, report.return_count) == (ReportState.RETURNED, 1)


def test_returning_without_a_comment_is_refused_in_chinese(client_as, project, cast):
    report = submitted_report(project, cast)

    response = client_as("reviewer").post(
        reverse("projects:report_review", args=[report.pk]), {"action": "return", "comment": ""}
    )

    assert response.status_code == 400
    assert "退回時請填寫退回意見。" in page_text(response)
    assert MonthlyReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_bureau_users_cannot_review_their_own_report(client_as, project, cast, who):
    report = submitted_report(project, cast)

    response = client_as(who).post(
        reverse("projects:report_review", args=[report.pk]), {"action": "accept"}
    )

    assert response.status_code == 403
    assert MonthlyReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


@pytest.mark.parametrize(("who", "status"), [("staff_a", 403), ("manager_b", 403)])
def test_bureau_users_get_403_on_the_review_queue(client_as, cast, who, status):
    assert client_as(who).get(reverse("projects:review_queue")).status_code == status


def test_review_queue_lists_submitted_reports_oldest_first(client_as, cast, agency_a, agency_b):
    first = submitted_report(make_project(agency_a, name="甲工程"), cast)
    draft_project = make_project(agency_a, name="草稿工程")
    services.start_report(draft_project, MARCH, by=cast["staff_a"])
    second = submitted_report(make_project(agency_a, name="乙工程"), cast)

    text = page_text(client_as("reviewer").get(reverse("projects:review_queue")))

    assert text.index(detail_url(first)) < text.index(detail_url(second))
    assert "草稿工程" not in text
    assert "113年3月" in text and "工務局" in text


def _submitted_rows(agencies, n):
    """``n`` submitted reports spread over projects of both agencies, written directly."""
    now = timezone.now()
    for i in range(n):
        project = make_project(agencies[i % 2])
        MonthlyReport.objects.create(
            project=project,
            period=MARCH,
            planned_percent=Decimal("25"),
            actual_percent=Decimal("20"),
            progress_text="施工中。",
            state=ReportState.SUBMITTED,
            submitted_at=now,
            is_late=bool(i % 3),
        )


def _queue_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:review_queue"))
    assert response.status_code == 200
    return len(queries)


def test_review_queue_query_count_does_not_grow_with_reports(client_as, agency_a, agency_b):
    reviewer = client_as("reviewer")
    _submitted_rows([agency_a, agency_b], 3)
    few = _queue_queries(reviewer)
    _submitted_rows([agency_a, agency_b], 17)

    assert _queue_queries(reviewer) == few

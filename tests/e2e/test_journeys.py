"""The browser journeys of issue 8, in a real Chromium against the live server: each kind of user
does a whole task the way they would, and every main page on the way is photographed at 1280 px
and at 390 px (where it must not scroll sideways; see the ``screenshots`` fixture).

1. A bureau filer sees this month's filing due and files a report for a project that is behind;
   the agency's manager, told what is missing (落後原因, 解決對策), completes it and submits.
2. A reviewer finds it in the review queue and on the dashboards and returns it with a comment;
   the filer reads the comment, corrects and resubmits; the reviewer accepts.
4. A reviewer starts a quarterly packet, watches its progress and downloads the PDF.
5. A bureau user opens the petition pages and sees only the agency's own cases.

(Journey 3, the admin's awards import, is in test_journey_awards_import.py.)
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from petitions.choices import CaseStatus
from projects import services
from projects.choices import ReportState
from projects.home import current_filing_period
from projects.models import ControlSettings, MonthlyReport, Packet
from projects.packets import quarterly_title
from tainan_rdec import workdays
from tainan_rdec.months import add_months
from tainan_rdec.roc import format_roc_date, format_roc_date_long, format_roc_month
from tests.e2e.conftest import log_in, log_out
from tests.petitions.builders import PETITIONER_NAME, make_case, taipei
from tests.projects.factories import filed_report, make_project

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BEHIND_NAME = "永康區排水幹線改善工程"
OTHER_AGENCY_NAME = "鹽水溪排水護岸工程"  # 水利局's: never on 工務局's pages
LAG_REASONS = "用地協調延宕，管線遷移未完成。"
REMEDIES = "增派人力夜間趕工。"
RETURN_COMMENT = "落後18個百分點，請補充趕工計畫的預定完成日期。"
CORRECTED_REMEDIES = "增派人力夜間趕工，預定3個月內追上預定進度。"
ACCEPT_COMMENT = "請依趕工計畫執行，下月回報。"


def filing_now() -> tuple[date, date]:
    """The month bureaus are filing today and its deadline, as the home card works them out."""
    rules = ControlSettings.get()
    period = current_filing_period(timezone.localdate(), rules)
    return period, rules.filing_deadline(period)


@pytest.fixture
def behind_project(cast, agency_a, agency_b):
    """工務局's listed project, planned at 50.00% in the month being filed now (a 12-month
    S-curve around it), and a 水利局 project over the same months."""
    period, _deadline = filing_now()
    start, end = add_months(period, -5), add_months(period, 6)
    project = make_project(agency_a, by=cast["reviewer"], name=BEHIND_NAME, start=start, end=end)
    make_project(agency_b, by=cast["reviewer"], name=OTHER_AGENCY_NAME, start=start, end=end)
    assert services.planned_for(project, period)[1] == Decimal("50.00")
    return project


def fill_figures(page: Page, actual: str) -> None:
    page.get_by_label("實際累計進度").fill(actual)
    page.get_by_label("累計分配數").fill("60,000,000")
    page.get_by_label("實支數").fill("40,000,000")
    page.get_by_label("應付未付數").fill("2,000,000")
    page.get_by_label("節餘數").fill("0")


def test_journey_1_a_bureau_files_a_behind_schedule_report(
    page: Page, live_server, cast, behind_project, screenshots
):
    period, deadline = filing_now()
    month = format_roc_month(period)
    days_left = workdays.working_days_between(timezone.localdate(), deadline)

    # The filer signs in and finds this month's filing due, with its deadline.
    log_in(page, live_server, "staff_a")
    card = page.get_by_role("region", name=f"我的填報：{month}")
    expect(card).to_contain_text(
        f"填報期限 {format_roc_date(deadline)}，還有 {days_left} 個工作天。"
    )
    expect(card).to_contain_text("尚有 1 件待處理。")
    expect(card.get_by_role("row", name=re.compile(BEHIND_NAME))).to_contain_text("未填報")
    expect(card).not_to_contain_text(OTHER_AGENCY_NAME)
    screenshots(page, "home-filer")

    card.get_by_role("link", name=re.compile(f"^填報\\s*{BEHIND_NAME}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{month}每月填報")
    expect(page.locator(".facts")).to_contain_text(format_roc_date_long(deadline))
    expect(page.locator(".facts")).to_contain_text("50.00%")
    # Behind (nothing filed yet against 50% planned): the form says what a submission needs.
    expect(page.locator("#behind-note")).to_contain_text("「落後原因」及「解決對策」")
    expect(page.locator("label[for=id_lag_reasons]")).to_contain_text("（必填）")
    expect(page.locator("label[for=id_remedies]")).to_contain_text("（必填）")
    # Staff save; the manager submits.
    expect(page.get_by_role("button", name="儲存並送出")).to_have_count(0)
    expect(page.get_by_text("由局處主管確認後送出研考會")).to_be_visible()

    fill_figures(page, "30")
    page.get_by_label("目前辦理情形").fill("管線埋設完成1.2公里。")
    page.get_by_role("button", name="儲存草稿").click()
    expect(page.locator(".messages")).to_contain_text("草稿已儲存。")
    expect(page.get_by_label("實際累計進度")).to_have_value("30.00")
    screenshots(page, "form-draft")
    log_out(page)

    # The manager opens the draft and tries to submit it without the lag narrative.
    log_in(page, live_server, "manager_a")
    card = page.get_by_role("region", name=f"我的填報：{month}")
    expect(card.get_by_role("row", name=re.compile(BEHIND_NAME))).to_contain_text("草稿")
    card.get_by_role("link", name=re.compile(f"^填報\\s*{BEHIND_NAME}")).click()
    page.get_by_role("button", name="儲存並送出").click()

    expect(page.locator(".messages")).to_contain_text("草稿已儲存，但尚未送出")
    expect(page.locator("#id_lag_reasons_error")).to_have_text(
        "錯誤：進度落後或停工時，請填寫落後原因。"
    )
    expect(page.locator("#id_remedies_error")).to_have_text(
        "錯誤：進度落後或停工時，請填寫解決對策。"
    )
    expect(page.get_by_label("落後原因")).to_have_attribute("aria-invalid", "true")
    screenshots(page, "form-missing-lag-narrative")

    page.get_by_label("落後原因").fill(LAG_REASONS)
    page.get_by_label("解決對策").fill(REMEDIES)
    page.get_by_role("button", name="儲存並送出").click()

    expect(page.locator(".report-state")).to_have_text("已送出")
    expect(page.locator(".messages")).to_contain_text(f"{month}填報已送出研考會審核。")
    expect(page.get_by_text(LAG_REASONS)).to_be_visible()
    screenshots(page, "report-submitted")

    page.get_by_role("navigation", name="主選單").get_by_role("link", name="首頁").click()
    card = page.get_by_role("region", name=f"我的填報：{month}")
    expect(card).to_contain_text("尚有 0 件待處理。")
    expect(card.get_by_role("row", name=re.compile(BEHIND_NAME))).to_contain_text("已送出")

    report = MonthlyReport.objects.get(project=behind_project, period=period)
    assert (report.state, report.actual_percent, report.is_late) == (
        ReportState.SUBMITTED,
        Decimal("30.00"),
        False,
    )
    assert (report.created_by, report.submitted_by) == (cast["staff_a"], cast["manager_a"])
    assert (report.lag_reasons, report.remedies) == (LAG_REASONS, REMEDIES)


@pytest.fixture
def submitted_report(cast, behind_project):
    """This month's report of the behind project (30% against 50%), submitted by 工務局."""
    period, _deadline = filing_now()
    report = services.start_report(behind_project, period, by=cast["staff_a"])
    report.actual_percent = Decimal("30")
    report.allocated_to_date, report.paid = 60_000_000, 40_000_000
    report.progress_text = "管線埋設完成1.2公里。"
    report.lag_reasons, report.remedies = LAG_REASONS, REMEDIES
    services.save_report(report, by=cast["staff_a"])
    return services.submit_report(report, by=cast["manager_a"])


def open_from_menu(page: Page, name: str, heading: str | None = None) -> None:
    page.get_by_role("navigation", name="主選單").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading or name)


def test_journey_2_a_reviewer_returns_the_report_and_accepts_the_correction(
    page: Page, live_server, cast, submitted_report, screenshots
):
    month = format_roc_month(submitted_report.period)

    # The reviewer sees the report waiting, on the home card and on the overview dashboard.
    log_in(page, live_server, "reviewer")
    overview = page.get_by_role("region", name="列管總覽")
    expect(overview.get_by_role("link", name="1 件")).to_have_attribute("href", "/projects/review/")
    screenshots(page, "home-reviewer")
    open_from_menu(page, "列管總覽")
    filings = page.locator("#compliance-table tbody tr", has_text="工務局").locator("td")
    # 列管中, then this month's 應填報 / 已填報 / 尚未填報 (the unit, 件, is in the header).
    expect(page.locator("#compliance-table thead")).to_contain_text("列管中（件）")
    for column, count in enumerate(["1", "1", "1", "0"]):
        expect(filings.nth(column)).to_have_text(count)
    expect(page.locator("#serious-table")).to_have_count(0)  # nothing accepted yet
    screenshots(page, "dashboard")

    open_from_menu(page, "填報審核")
    expect(page.locator("caption")).to_have_text("共 1 件待審核")
    screenshots(page, "review-queue")
    page.get_by_role("link", name=re.compile(BEHIND_NAME)).click()
    expect(page.get_by_text(LAG_REASONS)).to_be_visible()

    # A return needs a comment.
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#id_comment_error")).to_have_text("錯誤：退回時請填寫退回意見。")
    page.get_by_role("textbox", name="管考建議").fill(RETURN_COMMENT)
    page.get_by_role("button", name="退回").click()
    expect(page.locator(".report-state")).to_have_text("退回")
    expect(page.locator(".messages")).to_contain_text(f"{month}填報已退回機關修正。")
    screenshots(page, "report-returned")
    log_out(page)

    # The filer is told, reads the comment on the form, corrects and resubmits.
    log_in(page, live_server, "manager_a")
    page.get_by_role("link", name="通知（1）").click()
    notice = page.get_by_role("listitem").filter(has_text="【退回】")
    expect(notice).to_contain_text(BEHIND_NAME)
    notice.get_by_text("顯示內容").click()
    expect(notice).to_contain_text(RETURN_COMMENT)
    screenshots(page, "notifications")

    page.get_by_role("navigation", name="主選單").get_by_role("link", name="首頁").click()
    card = page.get_by_role("region", name=f"我的填報：{month}")
    expect(card.get_by_role("row", name=re.compile(BEHIND_NAME))).to_contain_text("退回")
    card.get_by_role("link", name=re.compile(f"^填報\\s*{BEHIND_NAME}")).click()
    expect(page.get_by_role("region", name="研考會退回意見")).to_contain_text(RETURN_COMMENT)
    page.get_by_label("實際累計進度").fill("32")
    page.get_by_label("解決對策").fill(CORRECTED_REMEDIES)
    screenshots(page, "form-returned")
    page.get_by_role("button", name="儲存並送出").click()
    expect(page.locator(".report-state")).to_have_text("已送出")
    log_out(page)

    # The reviewer accepts the corrected report.
    log_in(page, live_server, "reviewer")
    open_from_menu(page, "填報審核")
    page.get_by_role("link", name=re.compile(BEHIND_NAME)).click()
    expect(page.get_by_text(CORRECTED_REMEDIES)).to_be_visible()
    page.get_by_role("textbox", name="管考建議").fill(ACCEPT_COMMENT)
    page.get_by_role("button", name="審核通過").click()
    expect(page.locator(".report-state")).to_have_text("已審核")
    history = page.get_by_role("region", name="處理紀錄")
    expect(history.get_by_role("row", name=re.compile("已送出 → 退回"))).to_contain_text(
        RETURN_COMMENT
    )
    expect(history.get_by_role("row", name=re.compile("已送出 → 已審核"))).to_contain_text(
        ACCEPT_COMMENT
    )
    screenshots(page, "report-accepted")

    # Accepted at 32% against 50%: seriously behind on the dashboard now.
    open_from_menu(page, "列管總覽")
    expect(page.locator("#serious-table")).to_contain_text(BEHIND_NAME)

    report = MonthlyReport.objects.get(pk=submitted_report.pk)
    assert (report.state, report.return_count, report.actual_percent) == (
        ReportState.ACCEPTED,
        1,
        Decimal("32.00"),
    )
    assert report.remedies == CORRECTED_REMEDIES
    assert list(report.transitions.order_by("at", "pk").values_list("to_state", flat=True)) == [
        ReportState.SUBMITTED,
        ReportState.RETURNED,
        ReportState.SUBMITTED,
        ReportState.ACCEPTED,
    ]


SERIOUS_NAME = "安平港聯外道路拓寬工程"
ON_SCHEDULE_NAME = "新營區親子館新建工程"


@pytest.fixture
def quarter_projects(cast, agency_a, agency_b):
    """Two listed projects with accepted reports in 113年第1季 (2024): 工務局's seriously behind
    (5% against 25% planned in March), 水利局's on schedule."""
    serious = make_project(agency_a, by=cast["reviewer"], name=SERIOUS_NAME)
    for month, actual in ((1, 4), (2, 5), (3, 5)):
        filed_report(
            serious, date(2024, month, 1), actual, lag_reasons=LAG_REASONS, remedies=REMEDIES
        )
    on_schedule = make_project(agency_b, by=cast["reviewer"], name=ON_SCHEDULE_NAME)
    for month, actual in ((1, "8.33"), (2, "16.67"), (3, "25")):
        filed_report(on_schedule, date(2024, month, 1), actual)
    return serious, on_schedule


def test_journey_4_a_reviewer_builds_and_downloads_the_quarterly_packet(
    page: Page, live_server, cast, quarter_projects, background_tasks, screenshots
):
    title = quarterly_title(date(2024, 1, 1))

    log_in(page, live_server, "reviewer")
    open_from_menu(page, "列管案件")
    page.get_by_role("navigation", name="列管作業").get_by_role("link", name="會議資料").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("會議資料")
    screenshots(page, "packets")

    quarterly = page.get_by_role("region", name="製作季報會議資料")
    quarterly.get_by_label("年度").select_option(label="113年")
    quarterly.get_by_label("季別").select_option(label="第1季")
    quarterly.get_by_role("button", name="製作會議資料").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    status = page.locator("[data-packet-status]")
    if background_tasks.real:
        # The task waits in Redis until a worker starts: the page shows it queued, then follows
        # the build by itself (the mark set on the window shows the page was not reloaded).
        expect(status).to_have_text("排隊中")
        screenshots(page, "packet-queued")
        page.evaluate("window.journeyMark = 'still this page'")
        background_tasks.start()
    try:
        expect(status).to_have_text(re.compile(r"^已完成（共 \d+ 頁）$"), timeout=90_000)
    except AssertionError:
        print(background_tasks.log())
        raise
    if background_tasks.real:
        assert page.evaluate("window.journeyMark") == "still this page"
    screenshots(page, "packet-ready")

    with page.expect_download() as download_info:
        page.locator("[data-packet-download]").get_by_role("link", name="下載PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{title}.pdf"
    reader = PdfReader(download.path())
    text = "".join(pdf_page.extract_text() for pdf_page in reader.pages)
    packet = Packet.objects.get()
    assert len(reader.pages) == packet.pages
    assert packet.requested_by == cast["reviewer"]
    assert SERIOUS_NAME in text
    assert ON_SCHEDULE_NAME in text
    assert "嚴重落後" in text


@pytest.fixture
def agency_cases(agency_a, agency_b):
    """工務局: one case overdue, one due in a week, one closed; 水利局: two open cases."""
    today = timezone.localdate()
    recent = taipei(today.year, today.month, today.day, 9, 0) - timedelta(days=1)
    own = {
        "overdue": make_case(agency_a),
        "due_soon": make_case(
            agency_a, received_at=recent, due_date=today + timedelta(days=7), code="0201"
        ),
        "closed": make_case(agency_a, status=CaseStatus.CLOSED, closed_at=taipei(2024, 2, 2, 9)),
    }
    others = [make_case(agency_b, code="0101"), make_case(agency_b, received_at=recent)]
    return own, others


def test_journey_5_a_bureau_user_sees_only_the_agency_cases(
    page: Page, live_server, cast, agency_cases, screenshots
):
    own, others = agency_cases
    other_numbers = [case.case_number for case in others]

    log_in(page, live_server, "staff_a")
    card = page.get_by_role("region", name="陳情及1999待辦案件")
    expect(card).to_contain_text("處理中案件：2 件")
    expect(card).to_contain_text("已逾期：1 件")
    screenshots(page, "home")

    open_from_menu(page, "陳情及1999案件", heading="為民服務案件")
    main = page.get_by_role("main")
    expect(page.locator(".result-count")).to_have_text("共 3 件")
    for case in own.values():
        expect(main.get_by_role("link", name=case.case_number)).to_be_visible()
    for number in other_numbers:
        expect(main).not_to_contain_text(number)
    expect(main.locator("tbody tr td:nth-child(6)")).to_have_text(["工務局"] * 3)
    # Bureau users get no agency filter, and searching another agency's number finds nothing.
    expect(page.get_by_label("承辦機關")).to_have_count(0)
    screenshots(page, "case-list")
    page.get_by_label("關鍵字").fill(other_numbers[0])
    page.get_by_role("button", name="篩選").click()
    expect(page.locator(".result-count")).to_have_text("共 0 件")

    # The list's download carries the same cases.
    exported = page.request.get(f"{live_server.url}/petitions/?format=csv").text()
    assert all(case.case_number in exported for case in own.values())
    assert not any(number in exported for number in other_numbers)

    page.get_by_role("navigation", name="為民服務作業").get_by_role("link", name="待辦案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("待辦案件")
    rows = main.locator("tbody tr th")
    expect(rows).to_have_text([own["overdue"].case_number, own["due_soon"].case_number])
    screenshots(page, "my-cases")

    main.get_by_role("link", name=own["overdue"].case_number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"案件 {own['overdue'].case_number}")
    expect(page.get_by_role("region", name="陳情人資料")).to_contain_text(PETITIONER_NAME)
    screenshots(page, "case-detail")

    # Another agency's case, even by its exact address, is not found.
    response = page.goto(f"{live_server.url}/petitions/cases/{other_numbers[0]}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("找不到您要的網頁")
    expect(page.get_by_role("main")).not_to_contain_text(other_numbers[0])

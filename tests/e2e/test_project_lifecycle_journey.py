"""Issue 17's journey in a real Chromium: a bureau manager registers a project (新增案件) with its
checkpoints and an S-curve pasted from Excel, applies for listing; a reviewer returns the
application once, the bureau corrects the curve and sends it again, and the reviewer lists it.
The bureau files its first month, applies for a re-plan (a later completion, a new checkpoint,
an S-shaped curve) that is approved as the curve's second version, and at the end applies for
解除列管 with the settlement record attached, which is approved: the project is closed.
Every page on the way is photographed at 1280 px and 390 px (``screenshots``)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from projects.choices import (
    ApplicationState,
    ControlStatus,
    ExecutionPhase,
    ReminderKind,
    ReportState,
)
from projects.models import Application, Milestone, MonthlyReport, PlanBaseline, Project
from tainan_rdec.models import Reminder
from tests.e2e.conftest import log_in, log_out
from tests.projects.factories import filed_report
from tests.projects.files import pdf

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "安南區海佃路三段拓寬工程"
RETURN_REASON = "預定進度前段過於樂觀，請依工程預算書修正為S形曲線。"

# A column and its neighbour as Excel copies them: month labels, percentages with % signs
# (two typed with a Chinese IME in full-width digits), amounts with separators, CRLF lines.
EXCEL_COLUMNS = "\r\n".join(
    f"113年{month}月\t{percent}\t{amount}"
    for month, percent, amount in [
        (1, "5%", "4,000,000"),
        (2, "１０%", "8,000,000"),
        (3, "18%", "14,400,000"),
        (4, "26%", "20,800,000"),
        (5, "35%", "28,000,000"),
        (6, "45%", "36,000,000"),
        (7, "55%", "44,000,000"),
        (8, "65%", "52,000,000"),
        (9, "75%", "60,000,000"),
        (10, "84%", "67,200,000"),
        (11, "９２%", "73,600,000"),
        (12, "100%", "80,000,000"),
    ]
)
# The corrected curve, one column pasted straight into the grid's first box.
S_COLUMN = "\n".join(["2", "6", "12", "20", "30", "42", "55", "67", "78", "88", "95", "100"])

_PASTE_INTO = """(box, text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const event = {clipboardData: data, bubbles: true, cancelable: true};
  box.dispatchEvent(new ClipboardEvent("paste", event));
}"""


def paste_into(page: Page, name: str, text: str) -> None:
    """Paste ``text`` into the box called ``name`` as a browser does, once the box is on the
    page: the locator waits for the editor's page to load (a bare querySelector raced the click
    that opens it)."""
    page.locator(f'input[name="{name}"]').evaluate(_PASTE_INTO, text)


def curve_points(page: Page) -> int:
    d = page.locator("[data-plan-chart] path.s-curve-current").get_attribute("d") or ""
    return len(d.split())


def decide(page: Page, decision: str, reason: str = "") -> None:
    page.get_by_role("radio", name=decision).check()
    if reason:
        page.get_by_label("審查意見").fill(reason)
    page.get_by_role("button", name="送出審查結果").click()


def test_a_bureau_registers_applies_and_the_reviewer_returns_then_lists_then_delists(
    page: Page, live_server, cast, screenshots
):
    # -- the bureau manager registers the project ------------------------------------------
    log_in(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/projects/")
    page.get_by_role("link", name="新增案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新增案件")
    expect(page.get_by_text("主辦機關為臺南市政府工務局。")).to_be_visible()
    page.get_by_label("案件名稱").fill(NAME)
    page.get_by_label("列管類別").select_option(label="重大建設")
    page.get_by_label("安南區").check()
    page.get_by_label("總核定經費（元）").fill("80,000,000")
    page.get_by_label("預定開工日期").fill("113.1.1")
    page.get_by_label("預定完工日期").fill("113.12.31")
    # A slip first: completion before start, told next to the field.
    page.get_by_label("預定完工日期").fill("112.12.31")
    page.get_by_role("button", name="儲存草稿").click()
    expect(page.locator("#id_planned_completion_error")).to_have_text(
        "錯誤：預定完工日期（112.12.31）不可早於預定開工日期（113.1.1）。"
    )
    screenshots(page, "register-error")
    page.get_by_label("預定完工日期").fill("113.12.31")
    page.get_by_role("button", name="儲存草稿").click()
    expect(page.locator(".messages")).to_contain_text(f"已新增案件「{NAME}」")

    # -- checkpoints ---------------------------------------------------------------------------
    expect(page.get_by_role("heading", level=1)).to_have_text("檢核點")
    for name, day in (("工程決標", "113.4.30"), ("細部設計完成", "113.2.29")):
        page.get_by_label("檢核點名稱").fill(name)
        page.get_by_label("預定完成日期").fill(day)
        page.get_by_role("button", name="新增檢核點").click()
        expect(page.locator(".messages")).to_contain_text(f"已新增檢核點「{name}」。")
    page.get_by_label("檢核點名稱").fill("竣工")
    page.get_by_label("預定完成日期").fill("114.3.31")
    page.get_by_role("button", name="新增檢核點").click()
    expect(page.locator("#id_planned_date_error")).to_have_text(
        "錯誤：預定完成日期須在預定期程（113.1.1至113.12.31）內。"
    )
    page.get_by_role("button", name=re.compile("^上移")).click()  # design before tender
    rows = page.locator(".checkpoint-table tbody th")
    expect(rows).to_have_text(["細部設計完成", "工程決標"])
    screenshots(page, "checkpoints")

    # -- the S-curve, pasted from Excel ----------------------------------------------------------
    page.get_by_role("link", name="下一步：預定進度（S曲線）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("預定進度（S曲線）")
    page.get_by_label("從 Excel 貼上").fill(EXCEL_COLUMNS)
    page.get_by_role("button", name="貼上帶入").click()
    # Filled in the browser (the script), not by a round trip to the server.
    expect(page.locator("[data-plan-status]")).to_have_text(re.compile("尚未儲存"))
    expect(page.get_by_label("113年2月預定累計進度（%）")).to_have_value("10.00")
    expect(page.get_by_label("113年12月預定累計分配數（元）")).to_have_value("80,000,000")
    assert curve_points(page) == 12
    screenshots(page, "plan-pasted")
    page.get_by_role("button", name="儲存預定進度").click()
    expect(page.locator(".messages")).to_contain_text("預定進度已儲存。")

    # -- 申請列管 ----------------------------------------------------------------------------
    page.get_by_role("link", name="申請列管", exact=True).click()
    expect(page.get_by_text("均已齊備，可以申請列管")).to_be_visible()
    page.get_by_label("申請說明").fill("依113年度核定計畫辦理，總經費8,000萬元。")
    screenshots(page, "apply")
    page.get_by_role("button", name="送出申請").click()
    expect(page.locator(".messages")).to_contain_text(f"「{NAME}」的申請列管已送出研考會審查。")
    expect(page.locator(".lead .application-state")).to_have_text("審查中")
    log_out(page)

    # -- the reviewer returns it once ------------------------------------------------------------
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/projects/unlisted/")
    expect(page.get_by_role("row", name=re.compile(NAME))).to_contain_text("審查中")
    screenshots(page, "unlisted-major")
    page.get_by_role("navigation", name="列管作業").get_by_role("link", name="列管申請").click()
    page.get_by_role("link", name=re.compile(NAME)).click()
    expect(page.locator(".checkpoint-list li")).to_have_count(2)
    decide(page, "退回")
    expect(page.locator("#id_reason_error")).to_have_text("錯誤：退回時請填寫理由。")
    decide(page, "退回", RETURN_REASON)
    expect(page.locator(".lead .application-state")).to_have_text("退回")
    screenshots(page, "returned")
    log_out(page)

    # -- the bureau is told, corrects the curve and sends it again -------------------------------
    log_in(page, live_server, "manager_a")
    page.get_by_role("link", name="通知（1）").click()
    notice = page.get_by_role("listitem").filter(has_text="【退回】")
    notice.get_by_text("顯示內容").click()
    expect(notice).to_contain_text(RETURN_REASON)
    project = Project.objects.get(name=NAME)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".draft-panel")).to_contain_text(RETURN_REASON)
    page.locator(".draft-panel").get_by_role("link", name="預定進度（S曲線）").click()
    paste_into(page, "percent_202401", S_COLUMN)
    expect(page.get_by_label("113年6月預定累計進度（%）")).to_have_value("42.00")
    expect(page.get_by_label("113年6月預定累計分配數（元）")).to_have_value("33,600,000")
    assert curve_points(page) == 12
    screenshots(page, "plan-corrected")
    page.get_by_role("button", name="儲存預定進度").click()
    expect(page.locator(".messages")).to_contain_text("預定進度已儲存。")
    page.get_by_role("link", name="申請列管", exact=True).click()
    expect(page.get_by_role("region", name="研考會退回意見")).to_contain_text(RETURN_REASON)
    page.get_by_label("申請說明").fill("已依工程預算書修正為S形曲線。")
    page.get_by_role("button", name="送出申請").click()
    expect(page.locator(".lead .application-state")).to_have_text("審查中")
    log_out(page)

    # -- the reviewer lists it ---------------------------------------------------------------------
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/projects/applications/")
    page.get_by_role("link", name=re.compile(NAME)).click()
    decide(page, "同意", "符合列管要件，請按月填報。")
    expect(page.locator(".lead .application-state")).to_have_text("同意")
    history = page.get_by_role("region", name="處理紀錄")
    expect(history.get_by_role("row", name=re.compile("審查中 → 退回"))).to_contain_text(
        RETURN_REASON
    )
    screenshots(page, "approved")
    page.get_by_role("link", name=NAME).first.click()
    expect(page.locator(".lead")).to_contain_text("列管狀態：列管中")
    screenshots(page, "listed")

    project.refresh_from_db()
    assert project.control_status == ControlStatus.LISTED
    assert list(Milestone.objects.filter(project=project).values_list("name", flat=True)) == [
        "細部設計完成",
        "工程決標",
    ]
    baseline = PlanBaseline.objects.get(project=project)
    assert baseline.points.get(month=date(2024, 6, 1)).planned_percent == Decimal("42.00")
    application = Application.objects.get(project=project)
    assert [s.to_state for s in application.steps.all()] == [
        ApplicationState.SUBMITTED,
        ApplicationState.RETURNED,
        ApplicationState.SUBMITTED,
        ApplicationState.APPROVED,
    ]
    notices = Reminder.objects.filter(recipient=cast["manager_a"])
    assert sorted(notices.values_list("kind", flat=True)) == sorted(
        [ReminderKind.APPLICATION_APPROVED, ReminderKind.APPLICATION_RETURNED]
    )
    log_out(page)

    # -- the bureau files its first month ------------------------------------------------------
    log_in(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/projects/{project.pk}/reports/2024/1/")
    expect(page.get_by_role("heading", level=1)).to_have_text("113年1月每月填報")
    page.get_by_label("實際累計進度").fill("2")
    page.get_by_label("累計分配數").fill("1,600,000")
    page.get_by_label("實支數").fill("800,000")
    page.get_by_label("應付未付數").fill("0")
    page.get_by_label("節餘數").fill("0")
    page.get_by_label("目前辦理情形").fill("細部設計審查中。")
    screenshots(page, "first-month")
    page.get_by_role("button", name="儲存並送出").click()
    expect(page.locator(".report-state")).to_have_text("已送出")

    # -- 申請變更預定進度: a later completion, a new checkpoint, a new curve -----------------
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="申請變更預定進度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請變更預定進度")
    page.get_by_label("申請說明").fill("用地取得延宕，依府函展延工期至114年3月。")
    page.get_by_label("變更後預定完工日期").fill("114.3.31")
    page.get_by_label("第3列檢核點名稱").fill("竣工")
    page.get_by_label("第3列預定完成日期").fill("114.3.20")
    page.get_by_role("button", name="儲存申請").click()
    expect(page.locator(".messages")).to_contain_text("申請已儲存，尚未送出。")
    page.get_by_role("link", name="編輯變更後預定進度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("變更後預定進度（S曲線）")
    page.get_by_role("button", name="S形").click()
    expect(page.get_by_label("114年3月預定累計進度（%）")).to_have_value("100.00")
    assert curve_points(page) == 15  # 113.1 to 114.3
    screenshots(page, "replan-curve")
    page.get_by_role("button", name="儲存預定進度").click()
    expect(page.locator(".messages")).to_contain_text("預定進度已儲存。")
    expect(page.get_by_text("已編輯15個月的預定進度。")).to_be_visible()
    expect(page.get_by_text("申請資料已齊備，可以送出。")).to_be_visible()
    screenshots(page, "replan-form")
    page.get_by_role("button", name="送出申請").click()
    expect(page.locator(".messages")).to_contain_text(
        f"「{NAME}」的申請變更預定進度已送出研考會審查。"
    )
    expect(page.locator(".lead .application-state")).to_have_text("審查中")
    log_out(page)

    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/projects/applications/")
    page.get_by_role("link", name=re.compile(NAME)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("申請變更預定進度")
    expect(page.get_by_text("由113.12.31變更為114.3.31")).to_be_visible()
    screenshots(page, "replan-review")
    decide(page, "同意", "同意展延。")
    expect(page.locator(".lead .application-state")).to_have_text("同意")
    log_out(page)

    project.refresh_from_db()
    assert project.planned_completion == date(2025, 3, 31)
    versions = list(PlanBaseline.objects.filter(project=project).order_by("version"))
    assert [(v.version, v.points.count()) for v in versions] == [(1, 12), (2, 15)]
    assert Milestone.objects.filter(project=project, name="竣工").exists()

    # -- the months pass: each filed and accepted, the last at 100% ------------------------------
    MonthlyReport.objects.filter(project=project).update(state=ReportState.ACCEPTED)
    for n in range(1, 15):
        month = date(2024 + n // 12, n % 12 + 1, 1)
        filed_report(project, month, 100 if n == 14 else min(95, 2 + 7 * n))

    # -- 申請解除列管 on completion, with the settlement record attached --------------------------
    log_in(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="申請解除列管").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請解除列管")
    page.get_by_label("申請說明").fill("工程已於114年3月完工，驗收及結算均已完成。")
    page.get_by_label("實際完工日期").fill("114.3.25")
    page.get_by_label("結算金額（元）").fill("76,800,000")
    page.get_by_label("附件").set_input_files(
        files=[{"name": "結算驗收證明書.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    screenshots(page, "delisting-form")
    page.get_by_role("button", name="送出申請").click()
    expect(page.locator(".messages")).to_contain_text(f"「{NAME}」的申請解除列管已送出研考會審查。")
    expect(page.get_by_role("link", name="結算驗收證明書.pdf")).to_be_visible()
    log_out(page)

    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/projects/applications/")
    page.get_by_role("link", name=re.compile(NAME)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("申請解除列管")
    with page.expect_download() as download:
        page.get_by_role("link", name="結算驗收證明書.pdf").click()
    assert download.value.suggested_filename == "結算驗收證明書.pdf"
    decide(page, "同意", "准予解除列管。")
    expect(page.locator(".lead .application-state")).to_have_text("同意")
    screenshots(page, "delisting-approved")
    page.get_by_role("link", name=NAME).first.click()
    expect(page.locator(".lead")).to_contain_text("列管狀態：解除列管")
    screenshots(page, "delisted")

    project.refresh_from_db()
    assert (project.control_status, project.actual_completion, project.settlement_amount) == (
        ControlStatus.DELISTED,
        date(2025, 3, 25),
        76_800_000,
    )
    assert project.phase == ExecutionPhase.CLOSED
    kinds = Reminder.objects.filter(
        recipient=cast["manager_a"], kind=ReminderKind.APPLICATION_APPROVED
    )
    assert kinds.count() == 3  # listing, re-plan, delisting: each told once


def test_the_drafting_and_application_pages_have_no_serious_accessibility_violations(
    page: Page, live_server, client, cast
):
    from projects import applications, attachments
    from tests.e2e.conftest import sign_in
    from tests.e2e.test_accessibility import _check
    from tests.projects import files
    from tests.projects.factories import draft_project, make_project

    draft = draft_project(cast["staff_a"], name=NAME)
    checkpoint = Milestone.objects.get(project=draft)
    sent = draft_project(cast["staff_a"], name="永康區排水幹線改善工程")
    application = applications.submit_application(
        sent, "listing", reason="依核定函辦理", by=cast["manager_a"]
    )
    # A listed project with a re-plan drafted (a PDF attached) and a checkpoint to report.
    listed = make_project(cast["staff_a"].agency, name="東區崇學路延伸工程")
    replan = applications.save_application(
        listed, "replan", reason="用地取得延宕，展延工期", by=cast["staff_a"]
    )
    checked = attachments.clean_attachment(files.upload(files.pdf(), "核定函.pdf"))
    attachments.store(replan, checked, by=cast["staff_a"])
    listed_checkpoint = Milestone.objects.get(project=listed)
    bureau_pages = [
        "/projects/new/",
        f"/projects/{draft.pk}/",
        f"/projects/{draft.pk}/edit/",
        f"/projects/{draft.pk}/checkpoints/",
        f"/projects/{draft.pk}/checkpoints/{checkpoint.pk}/",
        f"/projects/{draft.pk}/plan/",
        f"/projects/{draft.pk}/apply/listing/",
        "/projects/applications/",
        f"/projects/{listed.pk}/",
        f"/projects/{listed.pk}/apply/replan/",
        f"/projects/applications/{replan.pk}/plan/",
        f"/projects/applications/{replan.pk}/",
        f"/projects/{listed.pk}/apply/suspension/",
        f"/projects/{listed.pk}/apply/delisting/",
        f"/projects/{listed.pk}/apply/transfer/",
        f"/projects/{listed.pk}/checkpoints/{listed_checkpoint.pk}/done/",
    ]
    sign_in(page, live_server, client, cast["manager_a"])
    assert _check(page, live_server, bureau_pages) == {}
    sign_in(page, live_server, client, cast["reviewer"])
    reviewer_pages = [
        "/projects/applications/",
        f"/projects/applications/{application.pk}/",
        "/projects/unlisted/",
    ]
    assert _check(page, live_server, reviewer_pages) == {}

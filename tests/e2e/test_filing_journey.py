"""A bureau manager files a behind-schedule monthly report and a reviewer accepts it, in a real
browser."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD
from tests.projects.factories import make_project

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.locator(".user-name")).to_be_visible()


def test_manager_files_and_reviewer_accepts(page: Page, live_server, cast, agency_a):
    project = make_project(agency_a, by=cast["reviewer"], name="安平港聯外道路拓寬工程")
    filing_page = reverse("projects:report_edit", args=[project.pk, 2024, 3])

    log_in(page, live_server, "manager_a")
    page.goto(f"{live_server.url}{filing_page}")
    expect(page.get_by_role("heading", level=1)).to_have_text("113年3月每月填報")
    expect(page.get_by_text("113年4月10日")).to_be_visible()

    # 20% against 25% planned: behind, so the lag reasons and remedies are needed.
    page.get_by_label("實際累計進度").fill("20")
    page.get_by_label("累計分配數").fill("30,000,000")
    page.get_by_label("實支數").fill("12,000,000")
    page.get_by_label("應付未付數").fill("1,500,000")
    page.get_by_label("節餘數").fill("0")
    page.get_by_label("目前辦理情形").fill("橋梁下部結構施工中，完成橋墩3座。")
    page.get_by_label("落後原因").fill("3月連續降雨，停工8日。")
    page.get_by_label("解決對策").fill("增加夜間施工班次趕工。")
    page.screenshot(path="/tmp/report-form.png", full_page=True)
    page.get_by_role("button", name="儲存並送出").click()

    expect(page.locator(".report-state")).to_have_text("已送出")
    expect(page.get_by_text("填報已送出研考會審核")).to_be_visible()
    page.screenshot(path="/tmp/report-submitted.png", full_page=True)

    page.get_by_role("button", name="登出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    log_in(page, live_server, "reviewer")
    page.get_by_role("navigation", name="主選單").get_by_role("link", name="填報審核").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填報審核")
    page.get_by_role("link", name=re.compile("安平港聯外道路拓寬工程")).click()

    expect(page.get_by_text("3月連續降雨，停工8日。")).to_be_visible()
    page.get_by_label("管考建議").fill("請落實趕工計畫，下月回報進度。")
    page.get_by_role("button", name="審核通過").click()

    expect(page.locator(".report-state")).to_have_text("已審核")
    expect(page.get_by_text("請落實趕工計畫，下月回報進度。").first).to_be_visible()
    page.screenshot(path="/tmp/report-accepted.png", full_page=True)

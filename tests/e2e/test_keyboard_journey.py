"""Journey 1 with the keyboard only: a bureau manager signs in, finds this month's filing on the
home page, files a behind-schedule report with its lag reasons and remedies, and submits it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)

# What the focused element is called: an input's label, otherwise its text.
FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return (label || el.textContent || el.value || "").replace(/\\s+/g, " ").trim();
}"""


def tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element's name starts with ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_NAME).startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_manager_files_a_behind_schedule_report_with_the_keyboard_only(
    page: Page, live_server, cast, agency_a
):
    today = timezone.localdate()
    project = make_project(
        agency_a,
        by=cast["reviewer"],
        name="安平港聯外道路拓寬工程",
        start=(today - timedelta(days=200)).replace(day=1),
        end=today + timedelta(days=200),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "帳號")
    page.keyboard.type("manager_a")
    tab_to(page, "密碼")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="我的填報")).to_be_visible()
    expect(page.get_by_text("填報期限")).to_be_visible()

    tab_to(page, f"填報{project.name}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("每月填報")

    # Actual 20% is well below the planned figure: the form asks for the reasons and remedies.
    for label, text in [
        ("實際累計進度", "20"),
        ("實支數", "12,000,000"),
        ("目前辦理情形", "橋梁下部結構施工中。"),
        ("落後原因", "連續降雨停工8日。"),
        ("解決對策", "增加夜間施工班次趕工。"),
    ]:
        tab_to(page, label)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    tab_to(page, "儲存並送出")
    page.keyboard.press("Enter")

    expect(page.locator(".report-state")).to_have_text("已送出")
    expect(page.get_by_text("連續降雨停工8日。")).to_be_visible()

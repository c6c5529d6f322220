"""Issue 16, "What the screens show", checked in Chromium and photographed: each screen is saved
at 1280 px and 390 px in $E2E_SCREENSHOT_DIR (CI keeps them as artefacts) and what the browser
can measure is asserted there:

- every page marks exactly one main-menu tab as current;
- the petitions chart has a value axis of at least four labels and an inline legend of swatches;
- a control number (113-B06-0003) is drawn on one line in the early-warning table;
- the filing form's 「本月預定累計進度」 label is on one line;
- the notifications list shows subjects as links, with 「全部標示為已讀」 set apart from the count;
- the service-quality overview opens on the latest year with records, and a rubric opens at its
  ROC-year address;
- the admin index offers no solar or clocked schedules.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CURRENT_TABS = """() => Array.from(document.querySelectorAll('nav.main-nav a[aria-current="page"]'))
  .map((a) => a.textContent.trim())"""

# How many lines an element's text is drawn on.
LINES_OF = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
  return tops.size;
}"""


def _one_current_tab(page: Page, tab: str | None) -> None:
    assert page.evaluate(CURRENT_TABS) == ([tab] if tab else []), page.url


def _go(page: Page, live_server, path: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path


@pytest.fixture
def screens_data(portal_data, cast, agency_a):
    """portal_data plus cases over several channels, a phone test and an audit of last year,
    and two unread reminders for 工務局's manager."""
    from petitions.choices import Channel
    from petitions.services import register_case
    from tainan_rdec.choices import ReminderState
    from tainan_rdec.models import Reminder
    from tests.evaluations.conftest import make_audit, make_phone_test
    from tests.petitions.builders import subcategory, taipei

    last_year = timezone.localdate().year - 1
    for n, channel in enumerate([Channel.HOTLINE_1999, Channel.WEB, Channel.MAYOR_MAILBOX] * 4):
        # Through the service, as the case import does, so the dashboard's rollups follow.
        register_case(
            case_number=f"UN{last_year}{n:08d}",
            received_at=taipei(last_year, 1 + n % 12, 3, 9, 0),
            subcategory=subcategory("0501"),
            handling_agency=agency_a,
            channel=channel,
            description="路面有坑洞",
        )
    make_phone_test(cast["reviewer"], agency_a, date(last_year, 5, 2))
    make_audit(cast["reviewer"], agency_a, date(last_year, 9, 9))
    content_type = ContentType.objects.get_for_model(agency_a)
    for n in (1, 2):
        Reminder.objects.create(
            kind="test.notice",
            recipient=cast["manager_a"],
            content_type=content_type,
            object_id=agency_a.pk,
            period=date(2024, 3, 1) + timedelta(days=n),
            subject=f"【稽催】永康區排水幹線改善工程113年3月辦理情形已逾填報期限（{n}）",
            body="請儘速填報。",
            link="/projects/",
            state=ReminderState.SENT,
        )
    return {**portal_data, "last_year": last_year}


def test_the_reviewers_and_the_admins_screens(
    page: Page, live_server, client, cast, screens_data, screenshots
):
    sign_in(page, live_server, client, cast["reviewer"])

    for path, tab in [("/projects/review/", "填報審核"), ("/projects/dashboard/", "列管總覽")]:
        _go(page, live_server, path)
        _one_current_tab(page, tab)

    _go(page, live_server, "/projects/warnings/")
    _one_current_tab(page, "列管案件")
    numbers = page.locator("main table .control-number")
    assert numbers.count() >= 1
    # At 390 px the table scrolls in its box and its columns shrink to their narrowest: where a
    # line break after a hyphen is allowed, it happens there.
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for number in numbers.all():
            lines = page.evaluate(LINES_OF, number.element_handle())
            assert lines == 1, f"{number.text_content()} breaks across lines at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshots(page, "early-warning")

    _go(page, live_server, "/petitions/dashboard/")
    _one_current_tab(page, "陳情及1999案件")
    expect(page.locator("nav.section-nav a[aria-current='page']")).to_have_text("統計總覽")
    assert page.locator("nav.section-nav").count() == 1
    labels = page.locator("svg.volume-chart text.chart-value-label").all_text_contents()
    assert len(labels) >= 4, labels
    legend = page.locator("ul.chart-legend li")
    assert legend.count() == 3
    tops = {round(box["y"]) for box in (item.bounding_box() for item in legend.all())}
    assert len(tops) == 1, "the legend's entries sit on one line"
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('ul.chart-legend')).listStyleType"
        )
        == "none"
    )
    screenshots(page, "petitions-dashboard")

    roc_year = screens_data["last_year"] - 1911
    _go(page, live_server, "/evaluations/")
    _one_current_tab(page, "服務品質")
    expect(page.locator("#card-phone")).to_have_text(f"{roc_year}年度電話禮貌測試")
    expect(page.locator("#card-phone ~ dl dd").first).to_have_text("1 通")
    screenshots(page, "evaluations-overview")

    _go(page, live_server, f"/evaluations/rubrics/{roc_year}/phone/")
    _one_current_tab(page, "服務品質")
    expect(page.locator("h1")).to_contain_text(f"{roc_year}年度")
    screenshots(page, "rubric-roc-year")

    sign_in(page, live_server, client, cast["admin"])
    _go(page, live_server, "/admin/")
    expect(page.locator("main a[href$='/crontabschedule/']").first).to_be_visible()
    assert page.locator("a[href*='solarschedule'], a[href*='clockedschedule']").count() == 0
    screenshots(page, "admin-index")


def test_the_bureau_managers_screens(
    page: Page, live_server, client, cast, screens_data, screenshots
):
    sign_in(page, live_server, client, cast["manager_a"])
    project = screens_data["project"]

    _go(page, live_server, f"/projects/{project.pk}/reports/2024/4/")
    _one_current_tab(page, "列管案件")
    label = page.locator("main dl.facts dt", has_text="本月預定累計進度")
    assert page.evaluate(LINES_OF, label.element_handle()) == 1, "「本月預定累計進度」 wraps"
    screenshots(page, "filing-form")

    _go(page, live_server, "/notifications/")
    _one_current_tab(page, None)
    subject = page.locator(".notification-list .notification-subject").first
    style = page.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.borderTopWidth,"
        " s.textDecorationLine]; }",
        subject.element_handle(),
    )
    assert style == ["rgba(0, 0, 0, 0)", "0px", "underline"], style
    count = page.locator(".list-toolbar .result-count").bounding_box()
    action = page.get_by_role("button", name="全部標示為已讀").bounding_box()
    assert action["x"] - (count["x"] + count["width"]) >= 24, "the action is set apart"
    screenshots(page, "notifications")

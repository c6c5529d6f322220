"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server."""

import os

import pytest

# The integration tests' real Celery worker, for ``background_tasks``.
from tests.integration.conftest import celery_workers  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
HERE = os.path.dirname(__file__)


def _is_browser_test(item) -> bool:
    return str(item.path).startswith(HERE + os.sep)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `playwright install` cannot download browsers here; use the system Chromium. --no-sandbox
    # lets it run as root (CI containers).
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Ask for Traditional Chinese as a Taiwanese desktop would, so LocaleMiddleware picks zh-hant.
    return {**browser_context_args, "locale": "zh-TW", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def base_url():
    # Shadows pytest-playwright's fallback base_url, which is defined on a plugin object and so
    # raises PytestRemovedIn10Warning (an error under filterwarnings=error). Tests build URLs
    # from live_server.url instead.
    return None


@pytest.fixture(autouse=True)
def _agencies_for_live_server(transactional_db, city_agencies):
    """live_server needs real transactions; the flush after each one empties the agency table,
    and serialized_rollback does not restore it once Playwright's event loop runs (the test sees
    another connection object than the one pytest-django serialized). ``city_agencies`` reloads
    them explicitly, and the control settings row (a data migration's too) is made again: one
    made in memory by ``ControlSettings.get()`` holds int defaults where pages expect Decimals."""
    from projects.models import ControlSettings

    ControlSettings.get()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.e2e)
            if not os.path.exists(CHROMIUM):
                if os.environ.get("CI", "").lower() == "true":
                    raise pytest.UsageError(f"CI=true needs Chromium at {CHROMIUM} (.ci/run)")
                item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}"))


def wait_until(page, expression, timeout_ms=5000):
    """Poll ``expression`` until it is true. Page.wait_for_function evaluates a string, which
    the portal's Content-Security-Policy (no 'unsafe-eval') refuses; evaluate() is not."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


def sign_in(page, live_server, client, user):
    """Give ``page`` a session of ``user`` (made by the test client: faster than the form)."""
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture
def portal_data(cast, agency_a):
    """One of each thing the main pages show, all of agency A, so the pages are not empty: a
    scored project with a year of reports, a report waiting for review, a meeting with an
    agenda item, a site visit, a directive, a packet being built and a citizen case."""
    from datetime import date, timedelta

    from django.utils import timezone

    from projects import scoring, services
    from projects.choices import AgendaReason, MeetingKind, PacketKind
    from projects.models import AgendaItem, Directive, Packet, ReviewMeeting, SiteVisit
    from tests.petitions.builders import make_case
    from tests.projects.factories import make_project
    from tests.projects.test_scoring import TODAY, worked_example

    scored = worked_example(agency_a)
    score = scoring.compute_score(scored, 2024, today=TODAY)
    project = make_project(agency_a, by=cast["reviewer"], name="永康區排水幹線改善工程")
    report = services.start_report(project, date(2024, 3, 1), by=cast["manager_a"])
    report.actual_percent = 10
    report.progress_text = "管線埋設中。"
    report.lag_reasons = "用地協調延宕。"
    report.remedies = "增派人力趕工。"
    services.save_report(report, by=cast["manager_a"])
    services.submit_report(report, by=cast["manager_a"])
    meeting = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=date(2024, 4, 15), title="113年4月檢討會議"
    )
    AgendaItem.objects.create(meeting=meeting, project=project, reason=AgendaReason.MANUAL)
    visit = SiteVisit.objects.create(
        project=scored, date=date(2024, 5, 2), participants="研考會、工務局", findings="工區整潔"
    )
    directive = Directive.objects.create(
        project=project,
        meeting=meeting,
        text="請工務局提出趕工計畫",
        responsible_agency=agency_a,
        due_date=timezone.localdate() + timedelta(days=10),
    )
    packet = Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
        title="113年第1季推動會報資料",
    )
    case = make_case(agency_a)
    return {
        "score": score,
        "project": project,
        "report": report,
        "meeting": meeting,
        "visit": visit,
        "directive": directive,
        "packet": packet,
        "case": case,
    }


def main_pages(data) -> dict[str, list[str]]:
    """The main pages of the kernel, projects and petitions, by who opens them."""
    score, project, report = data["score"], data["project"], data["report"]
    return {
        "anonymous": ["/accounts/login/", "/accounts/password/reset/"],
        "manager_a": [
            "/",
            f"/projects/{project.pk}/reports/2024/4/",
            "/petitions/mine/",
            "/notifications/",
            "/accounts/password/change/",
        ],
        "reviewer": [
            "/",
            "/projects/",
            f"/projects/{project.pk}/",
            f"/projects/{project.pk}/status/suspend/",
            f"/projects/reports/{report.pk}/",
            "/projects/review/",
            "/projects/dashboard/",
            "/projects/warnings/",
            "/projects/meetings/",
            "/projects/meetings/new/",
            f"/projects/meetings/{data['meeting'].pk}/",
            f"/projects/visits/{data['visit'].pk}/",
            "/projects/directives/",
            "/projects/directives/new/",
            f"/projects/directives/{data['directive'].pk}/",
            "/projects/evaluation/2024/",
            f"/projects/evaluation/2024/{score.project_id}/",
            "/projects/packets/",
            f"/projects/packets/{data['packet'].pk}/",
            "/petitions/",
            "/petitions/dashboard/",
            "/petitions/events/",
            f"/petitions/cases/{data['case'].case_number}/",
        ],
    }


# -- journeys: logging in by the form, screenshots at two widths, the tasks pages dispatch ------

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The outermost elements that stick out past the right edge of the window, skipping those inside
# a box that scrolls or clips them (a wide table in its .table-wrap does not widen the page). An
# absolutely positioned element escapes such a box unless the box is, or is inside, the element's
# containing block (its nearest positioned ancestor).
_OVERFLOWING = """() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return [];
  const clipped = (el) => {
    let escaping = getComputedStyle(el).position === 'absolute';
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (escaping && style.position !== 'static') escaping = false;
      if (!escaping && style.overflowX !== 'visible') return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5 || clipped(el)) continue;
    if (found.some((outer) => outer.contains(el))) continue;
    found.push(el);
    if (found.length === 5) break;
  }
  const name = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (classes ? '.' + classes.split(/\\s+/).join('.') : '');
  };
  return [`page is ${scrollWidth} px wide`].concat(
    found.map((el) => `${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px`));
}"""


def log_in(page, live_server, username):
    """Sign in through the login form, as a user does."""
    from playwright.sync_api import expect

    from tests.conftest import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.locator(".user-name")).to_be_visible()


def log_out(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="登出").click()
    expect(page.get_by_label("帳號")).to_be_visible()


@pytest.fixture
def screenshots(request, tmp_path):
    """``screenshots(page, name)``: a full-page screenshot at 1280 px and one at 390 px, saved
    in ``$E2E_SCREENSHOT_DIR/<test>/`` (CI keeps them as artefacts; default: the test's tmp
    dir), numbered in the order taken. At 390 px the page must not scroll sideways: the check
    fails naming the elements that stick out. The viewport is back at 1280 px afterwards."""
    import re
    from pathlib import Path

    root = os.environ.get("E2E_SCREENSHOT_DIR")
    test = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    folder = Path(root) / test if root else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def shoot(page, name):
        taken.append(name)
        stem = folder / f"{len(taken):02d}-{name}"
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=f"{stem}-1280.png", full_page=True)
        page.set_viewport_size(PHONE)
        overflowing = page.evaluate(_OVERFLOWING)
        page.screenshot(path=f"{stem}-390.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        assert not overflowing, f"{page.url} scrolls sideways at 390 px: {overflowing}"

    return shoot


class BackgroundTasks:
    """How the tasks a page dispatches run during a browser test (see ``background_tasks``)."""

    def __init__(self, start=None):
        self.real = start is not None
        self._start = start
        self.log_path = None

    def start(self):
        """Start the worker (a real one only; in-process tasks have already run)."""
        if self.real and self.log_path is None:
            _queue, _mail, self.log_path = self._start()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path else ""


@pytest.fixture
def background_tasks(request, settings, tmp_path, monkeypatch):
    """With Redis and PostgreSQL (CI), tasks a page dispatches wait in Redis on a queue of the
    test's own until ``background_tasks.start()`` starts a real Celery worker (the integration
    tests' worker, sharing the test database). Otherwise (SQLite: its test database lives in
    this process) they run in process when dispatched, as in the unit tests, and ``start()``
    does nothing. Either way the live server and the worker write files to a fresh
    MEDIA_ROOT."""
    from django.db import connection

    settings.MEDIA_ROOT = tmp_path / "media"
    if not (os.environ.get("REDIS_URL") and connection.vendor == "postgresql"):
        return BackgroundTasks()
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return BackgroundTasks(request.getfixturevalue("celery_workers"))

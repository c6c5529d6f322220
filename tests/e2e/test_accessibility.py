"""axe-core on every main page of the kernel, projects and petitions: no serious or critical
accessibility violation, for each kind of user, at a desktop and a phone width."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import main_pages, sign_in, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 A and AA, the level Taiwan's 無障礙網頁規範 (AA) asks of government sites.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def _axe_problems(page: Page) -> list[str]:
    # evaluate() runs outside the page's Content-Security-Policy, which refuses inline scripts.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']}"
        for violation in result["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


def _check(page: Page, live_server, paths) -> dict[str, list[str]]:
    problems = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        found = _axe_problems(page)
        if found:
            problems[path] = found
    return problems


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("who", ["anonymous", "manager_a", "reviewer"])
def test_main_pages_have_no_serious_violations(
    page: Page, live_server, client, cast, portal_data, who, width
):
    page.set_viewport_size({"width": width, "height": 900})
    if cast[who] is not None:
        sign_in(page, live_server, client, cast[who])

    assert _check(page, live_server, main_pages(portal_data)[who]) == {}


def test_axe_finds_a_missing_label(page: Page, live_server, client, cast):
    """The check works: an input without a label is reported as a serious violation."""
    sign_in(page, live_server, client, cast["reviewer"])
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => document.querySelector('main').appendChild(document.createElement('input'))"
    )

    assert any(problem.startswith("label (critical)") for problem in _axe_problems(page))


def test_a_table_wider_than_a_phone_scrolls_by_keyboard(page: Page, live_server, client, cast):
    from tests.projects.test_scoring import worked_example

    project = worked_example(cast["staff_a"].agency)
    sign_in(page, live_server, client, cast["reviewer"])
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/projects/{project.pk}/")

    region = page.locator(".table-wrap[role=region]:visible").first
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label")
    region.focus()
    page.keyboard.press("ArrowRight")
    wait_until(page, "document.activeElement.scrollLeft > 0")

    # At a desktop width the same tables fit: no extra Tab stops.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("[data-scroll-region]")).to_have_count(0)

"""The main menu marks exactly one tab as the current page (aria-current="page"): the entry whose
address is the longest prefix of the page's, so 填報審核 (/projects/review/) is current on the
review queue and 列管案件 (/projects/) is not. The petitions pages draw one section menu with
one name per page."""

from __future__ import annotations

import re

import pytest

from tainan_rdec.navigation import menu_for

MAIN_NAV = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.S)
SECTION_NAV = re.compile(r'<nav class="section-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def main_tabs(html: str) -> list[tuple[str, bool, str]]:
    """(href, current, label) of each main-menu tab."""
    (nav,) = MAIN_NAV.findall(html)
    return [(href, bool(current), label) for href, current, label in LINK.findall(nav)]


def current_tabs(html: str) -> list[str]:
    return [label for _href, current, label in main_tabs(html) if current]


@pytest.mark.django_db
def test_every_main_menu_page_marks_exactly_its_own_tab_for_a_reviewer(client_as):
    client = client_as("reviewer")
    tabs = main_tabs(client.get("/").content.decode())
    assert len(tabs) >= 8  # 首頁, 列管案件, 填報審核, 列管總覽, 管制事項, 陳情, 服務品質, 獎項 …
    for href, _current, label in tabs:
        response = client.get(href, follow=True)
        assert response.status_code == 200, href
        assert current_tabs(response.content.decode()) == [label], href


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("/projects/review/", "填報審核"),
        ("/projects/dashboard/", "列管總覽"),
        ("/projects/warnings/", "列管案件"),
        ("/projects/directives/new/", "管制事項"),
        ("/petitions/dashboard/", "陳情及1999案件"),
        ("/awards/summary/", "獎項"),
        ("/", "首頁"),
    ],
)
def test_a_page_under_a_tab_marks_the_tab_with_the_longest_matching_address(client_as, path, tab):
    html = client_as("reviewer").get(path).content.decode()
    assert current_tabs(html) == [tab]


@pytest.mark.django_db
def test_a_page_outside_every_tab_marks_none(client_as):
    html = client_as("reviewer").get("/notifications/").content.decode()
    assert current_tabs(html) == []


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff_a", "manager_a", "reviewer", "admin"])
def test_the_menu_marks_one_entry_current_for_every_role(cast, who):
    for item in menu_for(cast[who], "/"):
        path = item["url"]
        marked = [entry["label"] for entry in menu_for(cast[who], path) if entry["current"]]
        assert marked == [item["label"]], path


@pytest.mark.django_db
def test_the_petitions_pages_draw_one_section_menu_with_one_name_per_page(client_as, cast):
    from datetime import date

    from petitions.models import Event
    from tests.petitions.builders import make_case

    case = make_case(cast["reviewer"].agency)
    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 2, 24), end_date=date(2024, 3, 10)
    )
    client = client_as("reviewer")
    names: dict[str, set[str]] = {}
    for path in [
        "/petitions/",
        "/petitions/mine/",
        "/petitions/dashboard/",
        "/petitions/events/",
        f"/petitions/events/{event.pk}/",
        f"/petitions/cases/{case.case_number}/",
    ]:
        html = client.get(path).content.decode()
        navs = SECTION_NAV.findall(html)
        assert len(navs) <= 1, path
        for nav in navs:
            for href, _current, label in LINK.findall(nav):
                names.setdefault(href, set()).add(label.strip())
    assert names, "no section menu on the petitions pages"
    assert {href: labels for href, labels in names.items() if len(labels) > 1} == {}
    assert names["/petitions/dashboard/"] == {"統計總覽"}


@pytest.mark.django_db
def test_the_section_menu_marks_the_page_it_is_on(client_as):
    html = client_as("reviewer").get("/petitions/dashboard/").content.decode()
    (nav,) = SECTION_NAV.findall(html)
    assert [label for _href, current, label in LINK.findall(nav) if current] == ["統計總覽"]

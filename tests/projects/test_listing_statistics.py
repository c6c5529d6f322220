"""列管統計 (projects/stats.py, /projects/listing/): projects listed per year of a range, by kind
and split at the major threshold, with budget in 億元 and every number opening its projects.

The listing year is the Taipei year of a project's first 納入列管; the executive briefing counts
with the same function, so the page and the briefing cannot disagree."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import briefing, services
from projects.choices import ProjectKind
from projects.models import ControlSettings
from projects.stats import ABOVE, BELOW, listed_projects, listing_statistics
from tainan_rdec.briefing.content import Span
from tainan_rdec.workdays import TAIPEI
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 15)
THRESHOLD = 50_000_000


def _listed(agency, reviewer, at: datetime, budget: int, kind=ProjectKind.MAJOR, **extra):
    extra.setdefault("forward_category", "rail" if kind == ProjectKind.FORWARD else "")
    project = make_project(
        agency, listed=False, start=date(2020, 1, 1), budget=budget, kind=kind, **extra
    )
    with time_machine.travel(at, tick=False):
        services.list_project(project, by=reviewer)
    return project


def _at(year: int, month: int = 3, day: int = 1, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


@pytest.fixture
def listed(cast, agency_a, agency_b):
    """Over 111–113: majors above and below the line, forward-looking plans below it, one
    project listed at 00:30 on 113.1.1 (112 in UTC), one suspended and listed again, one never
    listed, one listed in 110 (outside the range)."""
    reviewer = cast["reviewer"]
    made = {
        "major_111": _listed(agency_a, reviewer, _at(2022), 80_000_000),
        "at_line_112": _listed(agency_b, reviewer, _at(2023), THRESHOLD),
        "forward_112": _listed(
            agency_a, reviewer, _at(2023, 6), 12_000_000, kind=ProjectKind.FORWARD
        ),
        "new_year_113": _listed(agency_a, reviewer, _at(2024, 1, 1, 0, 30), 300_000_000),
        "forward_113": _listed(
            agency_b, reviewer, _at(2024, 5), THRESHOLD - 1, kind=ProjectKind.FORWARD
        ),
        "before": _listed(agency_a, reviewer, _at(2021), 70_000_000),
    }
    relisted = _listed(agency_a, reviewer, _at(2022, 8), 20_000_000, kind=ProjectKind.KEY_BUSINESS)
    with time_machine.travel(_at(2023, 2), tick=False):
        services.suspend_project(relisted, by=reviewer, reason="用地取得延宕")
        services.resume_project(relisted, by=reviewer, reason="用地取得完成")
    made["relisted_111"] = relisted
    make_project(agency_a, listed=False, start=date(2023, 1, 1), budget=90_000_000)
    return made


def _all_projects():
    from projects.models import Project

    return Project.objects.all()


def test_counts_and_budgets_by_year_kind_and_band(listed):
    table = listing_statistics(_all_projects(), 111, 113, THRESHOLD)
    by_year = {row.year: row for row in table.rows}
    assert list(by_year) == [111, 112, 113]

    y111, y112, y113 = by_year[111], by_year[112], by_year[113]
    # 111: the major above the line and the key-business project suspended and listed again
    # (once, in its first year).
    assert (y111.total.count, y111.total.budget) == (2, 100_000_000)
    assert (y111.by_band[ABOVE].count, y111.by_band[BELOW].count) == (1, 1)
    assert y111.by_kind[ProjectKind.KEY_BUSINESS].budget == 20_000_000
    # 112: a project exactly at the line is a major one.
    assert (y112.by_band[ABOVE].count, y112.by_band[ABOVE].budget) == (1, THRESHOLD)
    assert (y112.by_band[BELOW].count, y112.by_band[BELOW].budget) == (1, 12_000_000)
    assert y112.by_kind[ProjectKind.FORWARD].count == 1
    # 113: 00:30 on 113.1.1 in Taipei is 113, although it is still 112 in UTC.
    assert (y113.by_band[ABOVE].count, y113.by_band[ABOVE].budget) == (1, 300_000_000)
    assert (y113.by_band[BELOW].count, y113.by_band[BELOW].budget) == (1, THRESHOLD - 1)

    total = table.total
    assert (total.total.count, total.total.budget) == (6, 100_000_000 + 62_000_000 + 349_999_999)
    assert total.by_band[ABOVE].count + total.by_band[BELOW].count == total.total.count
    assert sum(cell.count for cell in total.by_kind.values()) == total.total.count
    assert sum(cell.budget for cell in total.by_kind.values()) == total.total.budget


def test_the_line_is_the_threshold_the_commission_sets(listed):
    table = listing_statistics(_all_projects(), 111, 113, 100_000_000)
    assert table.total.by_band[ABOVE].count == 1  # only the 3億 project
    assert table.total.by_band[BELOW].count == 5


def test_each_number_opens_exactly_its_projects(listed):
    def names(**number):
        return {
            project.pk
            for project, _day in listed_projects(_all_projects(), 111, 113, THRESHOLD, **number)
        }

    assert names(year=112, band=ABOVE) == {listed["at_line_112"].pk}
    assert names(year=113) == {listed["new_year_113"].pk, listed["forward_113"].pk}
    assert names(kind=ProjectKind.FORWARD) == {listed["forward_112"].pk, listed["forward_113"].pk}
    assert names(year=111, kind=ProjectKind.KEY_BUSINESS) == {listed["relisted_111"].pk}
    every = names()
    assert listed["before"].pk not in every and len(every) == 6
    days = dict(
        (project.pk, day)
        for project, day in listed_projects(_all_projects(), 111, 113, THRESHOLD, year=113)
    )
    assert days[listed["new_year_113"].pk] == date(2024, 1, 1)  # the Taipei day


def test_the_briefing_counts_the_same_as_the_page(listed):
    figures = briefing.listed_by_year(Span(111, 113, TODAY), THRESHOLD)
    table = listing_statistics(_all_projects(), 111, 113, THRESHOLD)
    for row in table.rows:
        assert figures[row.year]["major"] == [row.by_band[ABOVE].count, row.by_band[ABOVE].budget]
        assert figures[row.year]["minor"] == [row.by_band[BELOW].count, row.by_band[BELOW].budget]


def _cells(html: str, table_id: str) -> list[list[str]]:
    """The text of every row of the table ``table_id`` (tags stripped)."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
    return rows


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=TAIPEI), tick=False)
def test_the_page_shows_the_figures_and_opens_a_number(listed, client_as):
    client = client_as("reviewer")
    response = client.get("/projects/listing/", {"start_year": 111, "end_year": 113})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "111年至113年共列管 6 案：5,000萬元以上 3 案、未達5,000萬元 3 案，合計 5.12億元。" in html
    )
    rows = _cells(html, "by-band")
    years = [row for row in rows if row and row[0].endswith("年")]
    assert years[1] == ["112年", "1", "0.50", "1", "0.12", "2", "0.62"]
    assert rows[-1][0] == "合計" and rows[-1][5:] == ["6", "5.12"]
    kinds = _cells(html, "by-kind")
    assert kinds[-1][0] == "合計"
    # The first number of 113 in the band table opens the 3億 project only.
    link = re.search(r'href="(\?[^"#]*&amp;year=113&amp;band=above)', html).group(1)
    opened = client.get("/projects/listing/" + link.replace("&amp;", "&")).content.decode()
    listing = _cells(opened, "listed-projects")
    assert [row[1] for row in listing[1:]] == [listed["new_year_113"].name], link
    assert "113.1.1" in opened


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=TAIPEI), tick=False)
def test_the_default_is_the_last_five_complete_years(client_as, cast):
    html = client_as("official").get("/projects/listing/").content.decode()
    assert "110年至114年" in html
    years = [row[0] for row in _cells(html, "by-band") if row and row[0].endswith("年")]
    assert years == ["110年", "111年", "112年", "113年", "114年"]


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=TAIPEI), tick=False)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start_year": 113, "end_year": 111}, "結束年度不可早於起始年度。"),
        ({"start_year": 100, "end_year": 114}, "列管統計最多涵蓋10個年度。"),
        ({"start_year": "一一三", "end_year": 113}, "年度請填民國年的數字，例如 110。"),
        ({"start_year": 2024, "end_year": 2024}, "年度須介於100年至115年之間。"),
        ({"start_year": 111, "end_year": 113, "year": 109}, "年度須在統計範圍111年至113年之內。"),
    ],
)
def test_a_bad_range_or_number_says_why_in_chinese(client_as, cast, query, message):
    response = client_as("reviewer").get("/projects/listing/", query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="listed-projects"' not in response.content.decode()


def test_the_page_reads_a_flat_number_of_queries(cast, agency_a, client_as):
    reviewer = cast["reviewer"]

    def queries() -> int:
        client = client_as("reviewer")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                "/projects/listing/", {"start_year": 111, "end_year": 113, "every": 1}
            )
        assert response.status_code == 200
        return len(ctx)

    for month in (1, 2):
        _listed(agency_a, reviewer, _at(2023, month), 60_000_000)
    few = queries()
    for month in range(3, 13):
        _listed(agency_a, reviewer, _at(2023, month), 10_000_000, kind=ProjectKind.FORWARD)
    assert queries() == few


def test_a_raised_threshold_moves_the_page_line(listed, client_as):
    settings = ControlSettings.get()
    settings.major_threshold = 100_000_000
    settings.save()
    html = (
        client_as("reviewer")
        .get("/projects/listing/", {"start_year": 111, "end_year": 113})
        .content.decode()
    )
    assert "10,000萬元以上" in html
    assert _cells(html, "by-band")[-1][1] == "1"


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=TAIPEI), tick=False)
@pytest.mark.parametrize(("key", "table_id"), [("band", "by-band"), ("kind", "by-kind")])
@pytest.mark.parametrize("who", ["reviewer", "official"])
def test_each_table_downloads_the_figures_the_page_shows(listed, client_as, key, table_id, who):
    from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

    client = client_as(who)
    query = {"start_year": 111, "end_year": 113}
    page = page_table(client.get("/projects/listing/", query).content.decode(), table_id)
    response = client.get("/projects/listing/", {**query, "format": "xlsx", "table": key})
    assert response.status_code == 200
    sheet = sheet_table(b"".join(response.streaming_content))
    assert_same_table(page, sheet)
    assert "111年至113年" in sheet.filters
    assert sheet.row("合計")[-2:] == ["6", "5.12"]


def test_an_unknown_table_is_not_found(client_as, cast):
    response = client_as("reviewer").get("/projects/listing/", {"format": "xlsx", "table": "x"})
    assert response.status_code == 404

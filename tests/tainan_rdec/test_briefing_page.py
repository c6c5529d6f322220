"""The briefing's web page: the chapters in order with every part's figures (the dashboards'),
charts as accessible SVG, the years chosen with their rules in Chinese, the downloads, and a
number of queries that does not grow with the data."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tainan_rdec.briefing.assemble import build_briefing
from tainan_rdec.briefing.charts import draw
from tainan_rdec.briefing.content import Chart, ChartKind, Series, Span
from tests.tainan_rdec.briefing_city import TODAY, build_city
from tests.tainan_rdec.briefing_expected import expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_the_page_shows_every_part_with_the_dashboards_figures(cast, client_as):
    build_city(cast)
    with time_machine.travel(TODAY, tick=False):
        response = client_as("official").get("/briefing/")
        want = expected(client_as("reviewer"))
    assert response.status_code == 200
    html = response.content.decode()
    for title, figures in want.items():
        assert f">{title}</h3>" in html
        for table in figures["tables"]:
            for first, *cells in table:
                pattern = rf"<th scope=\"row\">{re.escape(first)}</th>\s*" + r"\s*".join(
                    rf"<td class=\"num\">{re.escape(cell)}</td>" for cell in cells
                )
                assert re.search(pattern, html), (title, first, cells)
        for headline in figures.get("headlines", []):
            assert f"<dd>{headline}</dd>" in html, (title, headline)


def test_the_chapters_come_in_the_briefings_order_with_the_cases_before_service_quality(today):
    briefing = build_briefing(Span(110, 114, TODAY.date()))
    assert [s.title for s in briefing.sections] == ["為民服務", "智慧管考", "前瞻基礎建設", "獎項"]
    assert [p.key for p in briefing.sections[0].parts] == [
        "petitions-cases",
        "petitions-timeliness",
        "evaluations-phone-tests",
        "evaluations-audits",
        "evaluations-service-award",
    ]


def test_by_default_the_last_five_complete_years(client_as, today):
    response = client_as("reviewer").get("/briefing/")
    span = response.context["briefing"].span
    assert (span.first, span.last) == (110, 114)
    assert "110年至114年（資料統計至115年1月15日）" in response.content.decode()
    assert 'href="/briefing/download.pdf?start_year=110&amp;end_year=114"' in (
        response.content.decode()
    )


def test_the_years_chosen_are_carried_into_the_downloads(client_as, today):
    response = client_as("reviewer").get("/briefing/?start_year=112&end_year=113")
    assert response.context["briefing"].span.years == [112, 113]
    assert 'href="/briefing/download.pptx?start_year=112&amp;end_year=113"' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start_year=114&end_year=110", "end_year", "結束年度不可早於起始年度。"),
        ("start_year=99&end_year=110", "start_year", "年度須介於100年至115年之間。"),
        ("start_year=110&end_year=116", "end_year", "年度須介於100年至115年之間。"),
        ("start_year=100&end_year=114", "end_year", "簡報最多涵蓋10個年度。"),
        ("start_year=一一零&end_year=114", "start_year", "年度請填民國年的數字，例如 110。"),
        ("start_year=110&end_year=", "end_year", "這個欄位是必須的。"),
    ],
)
def test_years_out_of_the_rules_get_their_message_next_to_the_field(
    client_as, today, query, field, message
):
    response = client_as("reviewer").get(f"/briefing/?{query}")
    assert response.status_code == 400
    assert response.context["briefing"] is None
    assert message in response.context["form"].errors[field]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html


def test_a_download_with_wrong_years_goes_back_to_the_page_that_says_why(client_as, today):
    response = client_as("reviewer").get("/briefing/download.pdf?start_year=114&end_year=110")
    assert response.status_code == 302
    assert response["Location"] == "/briefing/?start_year=114&end_year=110"


def test_each_chart_is_an_image_with_a_title_and_a_description_of_its_values(cast, client_as):
    build_city(cast)
    with time_machine.travel(TODAY, tick=False):
        html = client_as("reviewer").get("/briefing/").content.decode()
    charts = re.findall(r"<svg class=\"briefing-svg\"[^>]*>", html)
    assert len(charts) == 10
    assert all('role="img"' in svg and "aria-labelledby=" in svg for svg in charts)
    title, desc = re.search(
        r'<title id="petitions-cases-chart-1-title">([^<]*)</title>\s*'
        r'<desc id="petitions-cases-chart-1-desc">([^<]*)</desc>',
        html,
    ).groups()
    assert title == "各年度受理件數（依受理管道）"
    assert "112年 1999專線 2件" in desc


def test_a_chart_with_nothing_to_draw_says_so():
    drawing = draw(Chart("t", ["110年"], []))
    assert drawing.rects == []
    assert drawing.description == "期間內沒有資料。"


def test_a_stacked_chart_stacks_and_a_clustered_one_stands_side_by_side():
    chart = Chart("t", ["110年", "111年"], [Series("a", [30, 10]), Series("b", [10, 0])])
    side = draw(chart)
    first, second = side.rects[0], side.rects[1]  # 110年: a, then b beside it
    assert first.y + first.height == second.y + second.height  # both on the baseline
    assert second.x == pytest.approx(first.x + first.width)
    chart.kind = ChartKind.STACKED
    stacked = draw(chart)
    low, high = stacked.rects[0], stacked.rects[1]
    assert high.x == low.x
    assert high.y + high.height == pytest.approx(low.y)  # b sits on a
    assert [label.text for label in stacked.tick_labels][-1] == "40"
    assert "110年 a 30；110年 b 10" in stacked.description


def test_long_category_names_turn_columns_into_bars():
    chart = Chart("t", ["因應少子化友善育兒空間建設", "軌道建設"], [Series("經費", [3, 1])])
    drawing = draw(chart)
    assert drawing.horizontal
    assert drawing.rects[0].width > drawing.rects[1].width  # 3 against 1, drawn sideways


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/briefing/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_runs_as_many_queries_however_much_data_there_is(cast, client_as):
    """Two sizes of the same years: a query per year and per chapter, none per row (a year
    with no case at all needs no agency names: both sizes have cases in every year)."""
    from petitions.services import register_case
    from projects import services
    from tests.awards.factories import make_award
    from tests.evaluations.conftest import make_phone_test
    from tests.petitions.builders import subcategory
    from tests.projects.factories import filed_report, make_project

    def add(agency, i, copy):
        register_case(
            case_number=f"QC{agency.pk:03d}{i}{copy:04d}",
            received_at=TODAY.replace(year=2021 + i),
            subcategory=subcategory("0501"),
            handling_agency=agency,
            channel="web",
            description="路燈故障",
        )

    client = client_as("reviewer")
    build_city(cast)
    agencies = (cast["staff_a"].agency, cast["staff_b"].agency)
    with time_machine.travel(TODAY, tick=False):
        for i in range(5):
            add(agencies[0], i, 0)
        _queries(client)  # warm the per-process caches (working-day calendar, settings rows)
        small = _queries(client)
        for agency in agencies:
            for i in range(5):
                project = make_project(agency, listed=False, start=date(2024, 1, 1))
                services.list_project(project, by=cast["reviewer"])
                filed_report(project, date(2025, 12, 1), 1)
                make_award(agency, roc_year=110 + i)
                make_phone_test(cast["reviewer"], agency, date(2021 + i, 3, 26))
                add(agency, i, 1)
        large = _queries(client)
    assert large == small

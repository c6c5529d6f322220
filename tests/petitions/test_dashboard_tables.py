"""The petitions dashboard's tables as Excel: each download holds exactly the figures the page
shows for the months (and sort, and breakdown) in force; the timeliness by category, channel,
district and month; numbers link to the cases they count for the commission, not for senior
officials (the figures are theirs, the cases are not)."""

from __future__ import annotations

import pytest
import time_machine

from petitions.choices import Channel
from petitions.services import close_case
from tests.petitions.conftest import taipei
from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

pytestmark = pytest.mark.django_db

DASHBOARD = "/petitions/dashboard/"
PERIOD = {"start": "113.1", "end": "113.6"}
NOW = taipei("2024-06-03 10:00")


@pytest.fixture
def march(make_case, agency_a, agency_b):
    """工務局: three 1999 道路維修 cases received 113.3.4, closed on time. 水利局: two 網路 動物救援
    cases received 3.4, one closed late, one on time."""
    for _ in range(3):
        case = make_case("2024-03-04 09:00", code="0501")
        close_case(case, at=taipei("2024-03-05 10:00"))
    late = make_case("2024-03-04 09:00", code="0901", agency=agency_b, channel=Channel.WEB)
    close_case(late, at=taipei("2024-03-11 10:00"))
    on_time = make_case("2024-03-04 09:00", code="0901", agency=agency_b, channel=Channel.WEB)
    close_case(on_time, at=taipei("2024-03-05 10:00"))


def _get(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(DASHBOARD, {**PERIOD, **params})


def _page(client, table_id, **params):
    response = _get(client, **params)
    assert response.status_code == 200
    return page_table(response.content.decode(), table_id)


def _sheet(client, key, **params):
    response = _get(client, **params, format="xlsx", table=key)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return sheet_table(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    ("key", "table_id", "params"),
    [
        ("volume", "volume-table", {}),
        ("categories", "category-table", {}),
        ("agencies", "agency-table", {}),
        ("agencies", "agency-table", {"sort": "overdue"}),
        ("breakdown", "breakdown-table", {}),
        ("breakdown", "breakdown-table", {"by": "channel"}),
        ("breakdown", "breakdown-table", {"by": "district"}),
        ("breakdown", "breakdown-table", {"by": "month"}),
        ("calls_agency", "calls-by-agency", {}),
        ("calls_category", "calls-by-category", {}),
    ],
)
@pytest.mark.parametrize("who", ["reviewer", "official"])
def test_each_dashboard_table_downloads_the_figures_the_page_shows(
    client_as, march, key, table_id, params, who
):
    client = client_as(who)

    page = _page(client, table_id, **params)
    sheet = _sheet(client, key, **params)

    assert_same_table(page, sheet)
    assert sheet.title == page.title
    assert sheet.filters.startswith("篩選條件：統計期間：113年1月至113年6月")
    assert sheet.frozen == "A5"


def test_the_agency_timeliness_in_the_sheet(client_as, march):
    sheet = _sheet(client_as("reviewer"), "agencies", sort="overdue")

    assert sheet.header == [
        "承辦機關", "受理件數（件）", "結案件數（件）", "依限結案比率（%）", "屆期依限結案率（%）",
        "逾期率（%）", "平均處理天數（工作天）", "第90百分位處理天數（工作天）",
        "逾期未結案（件）", "備註",
    ]  # fmt: skip
    water, works = sheet.rows[0], sheet.rows[1]  # worst overdue rate first, as on the page
    assert water[:6] == ["臺南市政府水利局", "2", "2", "50.0", "50.0", "50.0"]
    assert works[:6] == ["臺南市政府工務局", "3", "3", "100.0", "100.0", "0.0"]
    assert sheet.notes == ["處理天數以工作天計，當日結案計 0.5 天。"]


def test_the_breakdown_by_channel_adds_up_to_the_period(client_as, march):
    sheet = _sheet(client_as("reviewer"), "breakdown", by="channel")

    assert sheet.filters == "篩選條件：統計期間：113年1月至113年6月；分析維度：受理管道"
    assert sheet.column("受理管道") == ["1999專線", "網路", "合計"]
    assert sheet.column("受理件數（件）") == ["3", "2", "5"]


def test_the_breakdown_by_month_has_the_cases_month(client_as, march):
    sheet = _sheet(client_as("reviewer"), "breakdown", by="month")

    assert sheet.row("113年3月")[1] == "5"
    assert sheet.rows[-1][:3] == ["合計", "5", "5"]


def test_the_volume_table_counts_each_channel_per_month(client_as, march):
    sheet = _sheet(client_as("reviewer"), "volume")

    assert sheet.row("113年3月") == ["113年3月", "3", "2", "5"]
    assert sheet.rows[-1] == ["合計", "3", "2", "5"]
    assert sheet.meta.endswith("單位：件")


def test_the_commission_drills_down_to_the_cases_and_officials_read_figures_only(
    client_as, march, agency_a
):
    reviewer = _get(client_as("reviewer")).content.decode()
    official = _get(client_as("official")).content.decode()

    case_list = f"/petitions/?agency={agency_a.pk}&amp;received_from=113.1.1&amp;received_to="
    assert case_list in reviewer
    assert "/petitions/?" in reviewer
    assert "/petitions/?" not in official  # the case list is not theirs (403)
    assert official.count(">下載 Excel<") == reviewer.count(">下載 Excel<") == 6  # no ratings


def test_the_download_links_keep_the_period_sort_and_breakdown(client_as, march):
    body = _get(client_as("reviewer"), sort="mean", by="district").content.decode()

    query = "?start=113.1&amp;end=113.6&amp;sort=mean&amp;by=district&amp;format=xlsx"
    assert f"{query}&amp;table=agencies" in body


def test_a_table_the_dashboard_does_not_have_is_not_found(client_as, march):
    assert _get(client_as("reviewer"), format="xlsx", table="nothing").status_code == 404


def test_the_dashboard_without_a_period_downloads_the_last_five_years(client_as, march):
    with time_machine.travel(NOW, tick=False):
        response = client_as("reviewer").get(DASHBOARD, {"format": "xlsx", "table": "volume"})
    sheet = sheet_table(b"".join(response.streaming_content))

    assert sheet.filters == "篩選條件：統計期間：108年7月至113年6月"
    assert len(sheet.rows) == 61  # 60 months and the total


@pytest.fixture
def rated(make_case, agency_a, agency_b):
    """工務局 closes 道路維修 cases rated 5, 4 and 2, 水利局 動物救援 cases rated 5 and 4."""
    for score in (5, 4, 2):
        close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-05 10:00"), satisfaction=score)
    for score in (5, 4):
        close_case(
            make_case("2024-03-04 09:00", code="0901", agency=agency_b),
            at=taipei("2024-03-05 10:00"),
            satisfaction=score,
        )


@pytest.mark.parametrize(
    ("key", "table_id", "first"),
    [
        ("satisfaction_categories", "satisfaction-by-category", "案件類別"),
        ("satisfaction_agencies", "satisfaction-by-agency", "承辦機關"),
    ],
)
def test_each_satisfaction_table_downloads_the_figures_the_page_shows(
    client_as, rated, key, table_id, first
):
    client = client_as("official")
    page = _page(client, table_id)

    sheet = _sheet(client, key)

    assert_same_table(page, sheet)
    assert sheet.header == [
        first,
        "回答件數（件）",
        "平均滿意度（1–5分）",
        "滿意比率（4–5分）（%）",
    ]
    assert sheet.rows[-1] == ["合計", "5", "4.00", "80.0"]


def test_calls_and_problems_side_by_side_for_every_reader(client_as, march, make_case):
    # Three more calls about one pothole on consecutive working days: one problem.
    at_one = {
        "address": "臺南市東區中華東路一段100號",
        "description": "中華東路一段路面坑洞，機車危險",
    }
    for day in (4, 5, 6):
        make_case(f"2024-03-0{day} 10:00", **at_one)

    for who in ("reviewer", "official"):
        page = _page(client_as(who), "calls-by-category")
        sheet = _sheet(client_as(who), "calls_category")

        assert_same_table(page, sheet)
        assert sheet.header == [
            "案件類別", "陳情件數（件）", "問題數（個）", "重複陳情件數（件）",
            "每個問題平均陳情件數",
        ]  # fmt: skip
        # 道路維修: the three of ``march`` and the pothole's three calls, four problems.
        assert sheet.row("道路維修") == ["道路維修", "6", "4", "2", "1.50"]
        assert sheet.rows[-1][:4] == ["合計", "8", "6", "2"]

"""The overview dashboard's tables as Excel (列管總覽): each download holds exactly the figures
the page shows with the filters in force, money in 億元, rates in %, the filters in the title
rows; a senior official downloads them too (figures, no personal data)."""

from __future__ import annotations

import pytest
import time_machine

from tests.projects.test_dashboard import NOW, data  # noqa: F401 (the nine projects)
from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

pytestmark = pytest.mark.django_db

DASHBOARD = "/projects/dashboard/"
TABLES = [
    ("kind", "by-kind"),
    ("status", "by-status"),
    ("lag", "lag-table"),
    ("forward", "forward-table"),
    ("compliance", "compliance-table"),
    ("serious", "serious-table"),
]


def _sheet(client, key, **params):
    response = client.get(DASHBOARD, {**params, "format": "xlsx", "table": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return sheet_table(b"".join(response.streaming_content))


@pytest.mark.parametrize(("key", "table_id"), TABLES)
@pytest.mark.parametrize("who", ["reviewer", "official"])
@time_machine.travel(NOW, tick=False)
def test_each_dashboard_table_downloads_the_figures_the_page_shows(
    client_as,
    data,  # noqa: F811
    key,
    table_id,
    who,
):
    client = client_as(who)
    page = page_table(client.get(DASHBOARD).content.decode(), table_id)

    sheet = _sheet(client, key)

    assert_same_table(page, sheet)
    assert sheet.title == page.title
    assert sheet.filters == "篩選條件：無（全部資料）"
    assert sheet.frozen == "A5"


@time_machine.travel(NOW, tick=False)
def test_the_kind_table_in_yi_yuan(
    client_as,
    data,  # noqa: F811
):
    sheet = _sheet(client_as("reviewer"), "kind")

    assert sheet.header == ["列管類別", "件數（件）", "總核定經費（億元）"]
    assert sheet.rows[0] == ["重大建設", "3", "4.80"]
    assert sheet.rows[-1] == ["合計", "9", "6.80"]
    assert sheet.formats[0][2] == "#,##0.00"


@time_machine.travel(NOW, tick=False)
def test_the_filters_in_force_are_in_the_sheet_and_in_the_figures(
    client_as,
    data,  # noqa: F811
    agency_b,
):
    client = client_as("reviewer")
    params = {"agency": agency_b.pk, "year": "113"}
    page = page_table(client.get(DASHBOARD, params).content.decode(), "forward-table")

    sheet = _sheet(client, "forward", **params)

    assert_same_table(page, sheet)
    assert sheet.filters.startswith("篩選條件：")
    assert agency_b.name in sheet.filters and "113年" in sheet.filters
    assert sheet.rows[-1][1] == "0"  # 水利局 has no forward-looking project


@time_machine.travel(NOW, tick=False)
def test_compliance_groups_its_months_in_the_header(
    client_as,
    data,  # noqa: F811
):
    sheet = _sheet(client_as("reviewer"), "compliance")

    assert sheet.header[:3] == ["主辦機關", "列管中（件）", "113年6月（填報中）應填報（件）"]
    assert sheet.header[-1] == "113年5月（已截止）準時填報率（%）"
    assert sheet.rows[-1][0] == "合計"


@time_machine.travel(NOW, tick=False)
def test_the_serious_table_lists_the_project_with_its_progress(
    client_as,
    data,  # noqa: F811
):
    sheet = _sheet(client_as("reviewer"), "serious")

    project = data["major_serious"]
    assert sheet.rows == [
        [
            project.control_number,
            project.name,
            project.host_agency.display_name,
            "113年5月",
            "40.00",
            "25.00",
            sheet.rows[0][6],
            sheet.rows[0][7],
        ]
    ]
    assert sheet.rows[0][7].startswith("嚴重落後")


@time_machine.travel(NOW, tick=False)
def test_every_table_has_its_download_link_with_the_filters(
    client_as,
    data,  # noqa: F811
    agency_b,
):
    html = client_as("reviewer").get(DASHBOARD, {"agency": agency_b.pk}).content.decode()

    for key, _table_id in TABLES[:-1]:
        assert f"?agency={agency_b.pk}&amp;format=xlsx&amp;table={key}" in html
    # 水利局 has no seriously-behind project: the sentence, no table and no file to download
    assert "目前沒有嚴重落後或停工的列管案件。" in html
    assert "table=serious" not in html


@pytest.mark.parametrize("level", ["high", "medium"])
@time_machine.travel(NOW, tick=False)
def test_each_warning_table_downloads_the_rows_and_reasons_the_page_shows(
    client_as,
    data,  # noqa: F811
    level,
):
    client = client_as("official")
    page = page_table(client.get("/projects/warnings/").content.decode(), f"{level}-table")

    response = client.get("/projects/warnings/", {"format": "xlsx", "table": level})
    sheet = sheet_table(b"".join(response.streaming_content))

    assert_same_table(page, sheet)
    assert sheet.header[-3:] == ["差異（百分點）", "落後狀態", "預警原因"]
    assert sheet.title == {"high": "高風險案件", "medium": "中風險案件"}[level]


@time_machine.travel(NOW, tick=False)
def test_the_high_risk_sheet_gives_the_reason_in_words(
    client_as,
    data,  # noqa: F811
):
    response = client_as("reviewer").get("/projects/warnings/", {"format": "xlsx", "table": "high"})
    sheet = sheet_table(b"".join(response.streaming_content))

    assert sheet.column("案件名稱") == [data["major_serious"].name]
    assert (
        "113年5月實際進度落後預定進度15個百分點，達嚴重落後門檻（10個百分點）。"
        in (sheet.rows[0][-1])
    )

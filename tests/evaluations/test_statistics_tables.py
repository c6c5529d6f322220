"""The evaluation pages' statistics tables as Excel: the annual ranking with its component
scores and the Government Service Award funnel; each download holds exactly what the page
shows the user (a bureau its own line once the year is final; officials every line)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from evaluations import coaching, evaluation
from evaluations.choices import AwardCategory
from tests.evaluations.test_pages import ranked_year  # noqa: F401 (two agencies' phone tests)
from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

pytestmark = pytest.mark.django_db

RANKING = reverse("evaluations:ranking", args=[2024])


def _sheet(client, url, key):
    response = client.get(url, {"format": "xlsx", "table": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return sheet_table(b"".join(response.streaming_content))


@pytest.mark.parametrize("who", ["reviewer", "official"])
def test_the_ranking_downloads_the_lines_the_page_shows(
    client_as,
    ranked_year,  # noqa: F811
    reviewer,
    who,
):
    if who == "official":
        evaluation.finalize_evaluation(2024, by=reviewer)  # officials read final years
    client = client_as(who)
    page = page_table(client.get(RANKING).text, "ranking-table")

    sheet = _sheet(client, RANKING, "ranking")

    assert_same_table(page, sheet)
    assert sheet.title == "113年度服務效能評比排名"
    assert sheet.filters == "篩選條件：評比年度：113年度"
    assert sheet.header == [
        "名次", "機關", "電話禮貌測試平均（分）", "電話禮貌測試次數（次）",
        "神秘客實地稽核平均（分）", "神秘客實地稽核次數（次）", "屆期依限結案率（%）",
        "總分（分）", "備註",
    ]  # fmt: skip
    assert [row[1] for row in sheet.rows] == ["臺南市政府工務局", "臺南市政府水利局"]
    assert sheet.rows[1][2:4] == ["72.73", "1"]
    assert sheet.rows[0][4] == "—"  # no audit that year: not scored


def test_a_bureau_downloads_its_own_line_once_the_year_is_final(
    client_as,
    ranked_year,  # noqa: F811
    reviewer,
):
    client = client_as("staff_a")
    evaluation.finalize_evaluation(2024, by=reviewer)
    page = page_table(client.get(RANKING).text, "ranking-table")

    sheet = _sheet(client, RANKING, "ranking")

    assert_same_table(page, sheet)
    assert [row[1] for row in sheet.rows] == ["臺南市政府工務局"]


def test_the_funnel_downloads_the_counts_the_page_shows(client_as, reviewer, agency_a, agency_b):
    for agency, title in ((agency_a, "行動支付便民繳費"), (agency_b, "防汛資訊即時通")):
        coaching.create_coaching(
            by=reviewer,
            year=2023,
            agency=agency,
            category=AwardCategory.DIGITAL,
            title=title,
            on_date=date(2023, 3, 1),
        )
    url = reverse("evaluations:coaching_year", args=[2023])
    client = client_as("official")
    page = page_table(client.get(url).text, "funnel-table")

    sheet = _sheet(client, url, "funnel")

    assert_same_table(page, sheet)
    assert sheet.title == "112年度政府服務獎輔導歷程"
    assert sheet.rows[0] == ["輔導", "2", "—"]
    assert sheet.rows[1] == ["推薦", "0", "0.0"]


@pytest.fixture
def two_years_of_records(reviewer, agency_a, agency_b):
    from tests.evaluations.conftest import make_audit, make_phone_test

    make_phone_test(reviewer, agency_a, date(2024, 3, 26))
    make_phone_test(reviewer, agency_a, date(2024, 4, 2), U5=0)
    make_phone_test(reviewer, agency_b, date(2024, 3, 27), U5=0, U6=0)
    make_phone_test(reviewer, agency_b, date(2023, 5, 1))  # another year
    make_audit(reviewer, agency_a, date(2024, 3, 26), E3=0)
    make_audit(reviewer, agency_b, date(2024, 5, 6))


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("evaluations:phone_list", "電話禮貌測試統計（依機關）"),
        ("evaluations:audit_list", "神秘客實地稽核統計（依機關）"),
    ],
)
@pytest.mark.parametrize("who", ["reviewer", "official", "staff_a"])
def test_each_register_summary_downloads_what_the_page_shows(
    client_as, two_years_of_records, url_name, title, who
):
    client = client_as(who)
    url = reverse(url_name)
    page = page_table(client.get(url, {"year": "113"}).text, "summary-table")

    sheet = _sheet_with(client, url, "summary", year="113")

    assert_same_table(page, sheet)
    assert sheet.title == title
    assert "113" in sheet.filters
    assert sheet.header == ["機關", "次數（次）", "平均成績（分）", "最低（分）", "最高（分）"]
    if who == "staff_a":  # a bureau sums up its own records only
        assert [row[0] for row in sheet.rows] == ["臺南市政府工務局", "合計"]


def test_the_phone_summary_counts_the_chosen_year_per_agency(client_as, two_years_of_records):
    sheet = _sheet_with(
        client_as("reviewer"), reverse("evaluations:phone_list"), "summary", year="113"
    )

    assert sheet.column("次數（次）") == ["2", "1", "3"]
    works, water, total = sheet.rows
    assert works[4] == "100.00" and float(works[3]) < 100  # one full marks, one not
    assert total[3] == water[3]  # the lowest of the year is 水利局's


def test_the_register_without_filters_sums_every_year(client_as, two_years_of_records):
    sheet = _sheet_with(client_as("reviewer"), reverse("evaluations:phone_list"), "summary")

    assert sheet.filters == "篩選條件：無（全部資料）"
    assert sheet.rows[-1][:2] == ["合計", "4"]


def _sheet_with(client, url, key, **params):
    response = client.get(url, {**params, "format": "xlsx", "table": key})
    assert response.status_code == 200
    return sheet_table(b"".join(response.streaming_content))

"""Each table of the awards summary downloads as Excel with exactly the page's figures, for the
years the page shows."""

import pytest
from django.urls import reverse

from awards.choices import AwardClass, AwardState
from tests.awards.factories import make_award
from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

pytestmark = pytest.mark.django_db

RANGE = {"start_year": "110", "end_year": "112"}


@pytest.fixture
def published(agency_a, agency_b):
    make_award(agency_a, roc_year=112, award_class=AwardClass.NATIONAL, is_top=True)
    make_award(agency_a, roc_year=111, award_class=AwardClass.MERIT)
    make_award(agency_a, roc_year=110, award_class=AwardClass.MERIT)
    make_award(agency_b, roc_year=112, award_class=AwardClass.INTERNATIONAL, is_top=True)
    make_award(agency_b, roc_year=109, award_class=AwardClass.GRADE_A)  # before the range
    make_award(agency_b, roc_year=112, award_class=AwardClass.OTHER, state=AwardState.REGISTERED)


def download(client, **params) -> bytes:
    response = client.get(reverse("awards:summary"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("key", "table_id"),
    [("classes", "class-table"), ("years", "year-table"), ("agencies", "agency-table")],
)
def test_each_summary_table_downloads_the_figures_the_page_shows(
    client_as, published, key, table_id
):
    client = client_as("staff_a")
    page = page_table(client.get(reverse("awards:summary"), RANGE).content.decode(), table_id)

    sheet = sheet_table(download(client, **RANGE, format="xlsx", table=key))

    assert_same_table(page, sheet)
    assert sheet.title == page.title
    assert sheet.filters == "篩選條件：年度：110年至112年"
    assert sheet.frozen == "A5"


def test_the_class_table_counts_confirmed_awards_of_the_chosen_years_only(client_as, published):
    sheet = sheet_table(download(client_as("reviewer"), **RANGE, format="xlsx", table="classes"))

    assert sheet.header == ["獎項", "小計（項）", "其中首獎及卓越成績（項）"]
    assert sheet.row("績優") == ["績優", "2", "0"]
    assert sheet.row("甲等") == ["甲等", "0", "0"]  # 109年 is outside the range
    assert sheet.rows[-1] == ["合計", "4", "2"]


def test_the_year_table_has_a_row_a_year_and_the_total(client_as, published):
    sheet = sheet_table(download(client_as("reviewer"), **RANGE, format="xlsx", table="years"))

    assert [row[0] for row in sheet.rows] == ["110年", "111年", "112年", "合計"]
    assert sheet.column("合計") == ["1", "1", "2", "4"]
    assert sheet.meta.endswith("單位：項")


def test_a_table_the_page_does_not_have_is_not_found(client_as, published):
    response = client_as("reviewer").get(
        reverse("awards:summary"), {**RANGE, "format": "xlsx", "table": "nothing"}
    )

    assert response.status_code == 404


def test_a_bad_range_shows_the_page_with_its_error_instead_of_a_file(client_as, published):
    response = client_as("reviewer").get(
        reverse("awards:summary"),
        {"start_year": "112", "end_year": "108", "format": "xlsx", "table": "classes"},
    )

    assert response.status_code == 400
    assert "結束年度不可早於起始年度。" in response.content.decode()


def test_the_page_links_each_table_to_its_download_with_the_years(client_as, published):
    html = client_as("reviewer").get(reverse("awards:summary"), RANGE).content.decode()

    for key in ("classes", "years", "agencies"):
        assert f"?start_year=110&amp;end_year=112&amp;format=xlsx&amp;table={key}" in html
    assert html.count(">下載 Excel<") == 3


def test_the_page_without_years_downloads_the_default_years(client_as, published):
    client = client_as("reviewer")
    page = client.get(reverse("awards:summary")).content.decode()

    sheet = sheet_table(download(client, format="xlsx", table="classes"))

    assert "?format=xlsx&amp;table=classes" in page
    assert_same_table(page_table(page, "class-table"), sheet)

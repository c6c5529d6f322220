"""The summary's workbook (the three tables and 獎項明細, written by the statistics tables'
writer): the same figures as the page, the awards behind them that the user may see, and text
that a spreadsheet would run as a formula kept as text."""

import zipfile
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards.choices import AwardClass, AwardState
from tests.awards.factories import make_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(agency_a, agency_b):
    make_award(
        agency_a,
        roc_year=112,
        award_class=AwardClass.NATIONAL,
        is_top=True,
        name='=HYPERLINK("http://evil.example","點我")',
        awarding_body="@SUM(1+1)",
        note="-2+3",
    )
    make_award(
        agency_a, roc_year=111, award_class=AwardClass.MERIT, name="全國環境清潔維護評比績優"
    )
    make_award(
        agency_b, roc_year=112, award_class=AwardClass.INTERNATIONAL, is_top=True, name="iF設計獎"
    )
    make_award(agency_b, roc_year=112, award_class=AwardClass.OTHER, state=AwardState.REGISTERED)


def workbook(client, **params):
    response = client.get(reverse("awards:summary_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.body = b"".join(response.streaming_content)  # a file, streamed
    return response, load_workbook(BytesIO(response.body))


def rows(sheet):
    """The sheet's rows without the trailing empty cells write-only rows may not have."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]


HEADER = 3  # index of the header row: title, filters and data date come first


def test_export_carries_the_nine_class_table_and_headline(client_as, published):
    response, book = workbook(client_as("reviewer"), start_year="110", end_year="112")

    assert response["Content-Disposition"] == 'attachment; filename="awards-110-112.xlsx"'
    assert book.sheetnames == ["獎項統計", "各年度", "各機關", "獎項明細"]
    table = rows(book["獎項統計"])
    assert table[0][0] == "110年至112年獲獎統計表"
    assert table[1][0] == "篩選條件：年度：110年至112年"
    assert table[HEADER] == ["獎項", "小計（項）", "其中首獎及卓越成績（項）"]
    assert table[HEADER + 1 : HEADER + 11] == [
        ["國際大獎", 1, 1],
        ["國內大獎", 1, 1],
        ["第1名", 0, 0],
        ["第2名", 0, 0],
        ["第3名", 0, 0],
        ["績優", 1, 0],
        ["優等", 0, 0],
        ["甲等", 0, 0],
        ["其他", 0, 0],  # the waiting award does not count
        ["合計", 3, 2],
    ]
    assert book["獎項統計"].freeze_panes == "A5"


def test_export_by_year_and_by_agency(client_as, published):
    _response, book = workbook(client_as("reviewer"), start_year="111", end_year="112")

    years = rows(book["各年度"])
    assert years[HEADER] == ["年度", "國際大獎", "國內大獎", "第1名", "第2名", "第3名", "績優",
                             "優等", "甲等", "其他", "合計", "首獎及卓越成績"]  # fmt: skip
    assert years[HEADER + 1] == ["111年", 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]
    assert years[HEADER + 2] == ["112年", 1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 2]
    assert years[HEADER + 3] == ["合計", 1, 1, 0, 0, 0, 1, 0, 0, 0, 3, 2]
    agencies = rows(book["各機關"])
    names = [row[0] for row in agencies[HEADER + 1 : HEADER + 4]]
    assert names == ["臺南市政府工務局", "臺南市政府水利局", "合計"]
    assert agencies[HEADER + 1][10:] == [2, 1]


def test_formula_like_text_is_exported_as_text(client_as, published):
    response, book = workbook(client_as("reviewer"), start_year="110", end_year="112")

    sheet = book["獎項明細"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=HEADER + 2) for cell in row}
    for text in ('=HYPERLINK("http://evil.example","點我")', "@SUM(1+1)", "-2+3"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    with zipfile.ZipFile(BytesIO(response.body)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)


def test_details_list_only_the_awards_the_user_may_see_but_tables_are_city_wide(
    client_as, published
):
    _response, book = workbook(client_as("staff_b"), start_year="110", end_year="112")

    names = [row[4] for row in rows(book["獎項明細"])[HEADER + 1 :] if row and row[4]]
    assert names == ["iF設計獎"]  # agency B's own confirmed award only
    table = rows(book["獎項統計"])
    assert ["合計", 3, 2] in table  # the published figure counts agency A's awards too


def test_details_are_the_confirmed_awards_in_roc_dates(client_as, published):
    _response, book = workbook(client_as("reviewer"), start_year="111", end_year="111")

    details = rows(book["獎項明細"])
    assert details[HEADER][:4] == ["年度", "獲獎日期", "機關代碼", "獲獎機關"]
    assert details[HEADER + 1][:8] == [
        111,
        "111/06/01",
        "B06",
        "臺南市政府工務局",
        "全國環境清潔維護評比績優",
        "國家發展委員會",
        "績優",
        "否",
    ]
    assert [row[0] for row in details[HEADER + 2 :]] == [None, "僅計研考會已確認之獎項。"]


def test_export_with_a_bad_range_goes_back_to_the_page_with_the_error(client_as, published):
    response = client_as("reviewer").get(
        reverse("awards:summary_xlsx"), {"start_year": "112", "end_year": "108"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("awards:summary") + "?")

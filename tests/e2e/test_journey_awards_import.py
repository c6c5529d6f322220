"""Browser journey 3 of issue 8: an admin downloads the awards import template, fills it, imports
it with a dry run then a confirmation, and sees the awards summary rise by the confirmed awards
only; a broken file shows its row errors and changes nothing.

The awards register (``awards.resources``): an admin's file may set 已確認, which confirms the
award in the admin's name; a blank state registers it as 待確認, which the summary does not count.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from playwright.sync_api import Page, expect

from awards.choices import AwardClass, AwardState
from awards.models import Award
from tainan_rdec.importing.files import CHOICES_SHEET
from tests.awards.factories import make_award
from tests.e2e.conftest import log_in

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 113  # a complete ROC year, inside the summary's range

HEADERS = [
    "獲獎機關代碼",
    "獎項年度",
    "獲獎日期",
    "獎項名稱",
    "頒獎單位",
    "獎項類別",
    "首獎及卓越成績",
    "相關列管編號",
    "佐證連結",
    "備註",
    "狀態",
]
CLASSES = [str(label) for _value, label in AwardClass.choices]

GOLD = "公共工程金質獎"
WATER = "水環境優質獎"
SERVICE = "為民服務績優機關"


def award_row(agency, name, body, award_class, *, top="否", state="", year=YEAR, day="113/05/20"):
    """One line of the template, as an admin types it."""
    values = {
        "獲獎機關代碼": agency,
        "獎項年度": year,
        "獲獎日期": day,
        "獎項名稱": name,
        "頒獎單位": body,
        "獎項類別": award_class,
        "首獎及卓越成績": top,
        "佐證連結": "https://www.ndc.gov.tw/News.aspx?n=award",
        "狀態": state,
    }
    return [values.get(header, "") for header in HEADERS]


GOOD_ROWS = [
    award_row("B06", GOLD, "行政院公共工程委員會", "國內大獎", top="是", state="已確認"),
    award_row("B07", WATER, "經濟部水利署", "第1名", state="已確認", day="113/09/10"),
    award_row("B06", SERVICE, "臺南市政府", "績優", day="113/12/02"),  # no state: 待確認
]
BROKEN_ROWS = [
    award_row("B99", "智慧城市創新應用獎", "台灣智慧城市產業聯盟", "國內大獎", state="已確認"),
    award_row("B07", "永續發展獎", "行政院國家永續發展委員會", "其他", year=2024),
    award_row("B06", "金檔獎", "國家發展委員會檔案管理局", "國內大獎", state="已確認"),
]


@pytest.fixture
def media_root(settings, tmp_path):
    """The uploaded file waits between the dry run and the confirmation in MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def awards_before(cast, agency_a, agency_b):
    """What the register holds already: one confirmed award in 113 (counted), one waiting for
    confirmation in 113 and one confirmed in 112 (neither counted in 113's summary)."""
    make_award(agency_b, roc_year=YEAR, award_class=AwardClass.NATIONAL, is_top=True)
    make_award(agency_a, roc_year=YEAR, award_class=AwardClass.MERIT, state=AwardState.REGISTERED)
    make_award(agency_a, roc_year=YEAR - 1, award_class=AwardClass.FIRST_PLACE)


def number(text: str) -> int:
    return int(re.fullmatch(r"([\d,]+) 項", text.strip()).group(1).replace(",", ""))


def open_summary(page: Page) -> dict[str, int]:
    """Open 獎項統計 from the menu for YEAR and read its figures: 獲獎總數, 首獎及卓越成績 and
    each class's 小計."""
    if page.locator("#user-tools").count():  # on an admin page: back to the portal
        page.locator("#user-tools").get_by_role("link", name="檢視網站").click()
    page.get_by_role("navigation", name="主選單").get_by_role("link", name="獎項").click()
    page.get_by_role("navigation", name="獎項").get_by_role("link", name="獎項統計").click()
    page.get_by_label("起始年度（民國）").fill(str(YEAR))
    page.get_by_label("結束年度（民國）").fill(str(YEAR))
    page.get_by_role("button", name="查詢").click()
    expect(page.locator("#total-awards")).to_be_visible()
    assert page.url.endswith(f"?start_year={YEAR}&end_year={YEAR}")
    figures = {
        "total": number(page.locator("#total-awards").inner_text()),
        "top": number(page.locator("#top-awards").inner_text()),
    }
    rows = page.locator("#class-table tbody tr")
    expect(rows.locator("th")).to_have_text(CLASSES)
    for label, count in zip(
        CLASSES, rows.locator("td:nth-child(2)").all_inner_texts(), strict=True
    ):
        figures[label] = int(count.replace(",", ""))
    return figures


def open_award_admin(page: Page) -> None:
    page.get_by_role("navigation", name="主選單").get_by_role("link", name="系統管理").click()
    page.locator("tr.model-award").get_by_role("link", name="獎項", exact=True).click()
    expect(page.get_by_role("link", name="下載匯入範本")).to_be_visible()


def column_of(header: str) -> str:
    return get_column_letter(HEADERS.index(header) + 1)


def choice_list(workbook, column_letter: str) -> list[str]:
    """The values a cell of ``column_letter`` offers from its list data validation."""
    sheet = workbook.worksheets[0]
    found = [
        v
        for v in sheet.data_validations.dataValidation
        if any(r.min_col == r.max_col and r.coord.startswith(column_letter) for r in v.sqref.ranges)
    ]
    assert len(found) == 1, f"column {column_letter} has {len(found)} validations"
    validation = found[0]
    assert validation.type == "list"
    assert f"{column_letter}2:{column_letter}" in str(validation.sqref)
    sheet_name, cells = re.fullmatch(
        r"'(.+)'!(\$\w+\$\d+:\$\w+\$\d+)", validation.formula1
    ).groups()
    assert sheet_name == CHOICES_SHEET
    assert workbook[sheet_name].sheet_state == "hidden"
    return [row[0].value for row in workbook[sheet_name][cells.replace("$", "")]]


def fill(template, rows, path) -> None:
    """The downloaded template with its example row removed and ``rows`` typed in."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=row_number, column=column, value=value if value != "" else None)
    workbook.save(path)


def upload(page: Page, path) -> None:
    page.get_by_label("匯入檔案（.xlsx 或 .csv）").set_input_files(path)
    page.get_by_role("button", name="上傳並試算").click()


def register_rows() -> list[tuple]:
    return list(
        Award.objects.order_by("pk").values_list(
            "agency__code", "roc_year", "name", "award_class", "is_top", "state", "reviewed_by"
        )
    )


def test_journey_3_an_admin_imports_awards_and_the_summary_counts_the_confirmed_ones(
    page: Page, live_server, cast, awards_before, media_root, screenshots, tmp_path
):
    admin = cast["admin"]
    log_in(page, live_server, "admin")
    before = open_summary(page)
    assert (before["total"], before["top"], before["國內大獎"], before["績優"]) == (1, 1, 1, 0)
    screenshots(page, "summary-before")

    # The template: the register's columns, an example row, 獎項類別 offered as a list.
    open_award_admin(page)
    screenshots(page, "award-admin-list")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下載匯入範本").click()
    download = download_info.value
    assert re.fullmatch(r"獎項_匯入範本_\d{7}\.xlsx", download.suggested_filename)
    template = tmp_path / "template.xlsx"
    download.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    assert sheet.title == "獎項"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet["D2"].value == "範例：政府服務獎"
    assert choice_list(workbook, column_of("獎項類別")) == CLASSES
    assert choice_list(workbook, column_of("狀態")) == ["待確認", "已確認", "退回補正"]

    filled = tmp_path / "113年度獎項.xlsx"
    fill(template, GOOD_ROWS, filled)
    rows_before = register_rows()

    # Dry run: the preview counts the rows and writes nothing.
    page.get_by_role("link", name="匯入獎項").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("匯入獎項")
    upload(page, filled)
    expect(page.get_by_role("heading", name="試算結果")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "試算結果（尚未寫入）：共 3 列：新增 3 筆、更新 0 筆、未變更 0 筆。"
    )
    expect(page.locator("#import-problems")).to_have_count(0)
    assert register_rows() == rows_before
    screenshots(page, "dry-run")

    page.get_by_role("button", name="確認匯入").click()
    expect(page.locator(".messagelist")).to_have_text(
        "「獎項」匯入完成：共 3 列：新增 3 筆、更新 0 筆、未變更 0 筆。"
    )
    results = page.locator("#result_list")
    for name in (GOLD, WATER, SERVICE):
        expect(results).to_contain_text(name)
    screenshots(page, "imported")

    imported = {a.name: a for a in Award.objects.filter(name__in=[GOLD, WATER, SERVICE])}
    assert {name: a.state for name, a in imported.items()} == {
        GOLD: AwardState.CONFIRMED,
        WATER: AwardState.CONFIRMED,
        SERVICE: AwardState.REGISTERED,
    }
    assert all(a.registered_by == admin for a in imported.values())
    assert [imported[GOLD].reviewed_by, imported[WATER].reviewed_by] == [admin, admin]
    assert imported[SERVICE].reviewed_by is None
    assert imported[GOLD].is_top and not imported[WATER].is_top
    assert imported[WATER].award_date == date(2024, 9, 10)

    # The summary counts the two confirmed awards and not the one waiting.
    after = open_summary(page)
    rises = {key: after[key] - before[key] for key in before if after[key] != before[key]}
    assert rises == {"total": 2, "top": 1, "國內大獎": 1, "第1名": 1}
    screenshots(page, "summary-after")

    # A broken file: every row's problem in Chinese, and nothing written (not even the good row).
    broken = tmp_path / "有錯的檔案.xlsx"
    fill(template, BROKEN_ROWS, broken)
    rows_before = register_rows()
    open_award_admin(page)
    page.get_by_role("link", name="匯入獎項").click()
    upload(page, broken)
    expect(page.get_by_role("heading", name="檔案有問題，沒有寫入任何資料")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "「獎項」匯入未執行：發現 2 個問題，沒有寫入任何資料。"
    )
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0).locator("td")).to_have_text(
        ["第2列", "獲獎機關代碼", "找不到獲獎機關代碼「B99」。"]
    )
    expect(problems.nth(1).locator("td")).to_have_text(
        ["第3列", "獎項年度", "「2024」是西元年，獎項年度請填民國年：113。"]
    )
    expect(page.get_by_role("button", name="確認匯入")).to_have_count(0)
    screenshots(page, "broken-file")

    assert Award.objects.count() == 6  # 3 made beforehand, 3 imported
    assert register_rows() == rows_before
    assert open_summary(page) == after

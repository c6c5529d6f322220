"""Every bad input the issue lists, in real files written by openpyxl (or as raw bytes): each gets
its clear Chinese message, with the spreadsheet's row and column, and nothing is written."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied

from projects.models import MonthlyReport, PlanBaseline, Project
from tainan_rdec.importing.runner import run_import
from tainan_rdec.models import Agency
from tests.imports import builders
from tests.imports.conftest import messages

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "列管編號",
    "案件名稱",
    "主辦機關代碼",
    "列管類別",
    "總核定經費（元）",
    "預定開工日期",
    "預定完工日期",
]


def project_row(number="P113-0101", **changes):
    row = {
        "列管編號": number,
        "案件名稱": "東區道路人行環境改善工程",
        "主辦機關代碼": "B06",
        "列管類別": "重大建設",
        "總核定經費（元）": 60_000_000,
        "預定開工日期": "113/02/01",
        "預定完工日期": "113/11/30",
    }
    row.update(changes)
    return [row[h] for h in PROJECT_HEADERS]


@pytest.fixture
def admin(cast):
    return cast["admin"]


def import_projects(path, admin, **kwargs):
    return run_import("projects", path, user=admin, **kwargs)


# -- headers and sheets ------------------------------------------------------------------------


def test_a_misspelt_header_is_named_and_nothing_is_written(write_xlsx, admin, agency_a):
    headers = ["列管編號", "案件名稱", "主辦機關", *PROJECT_HEADERS[3:]]
    path = write_xlsx(headers, [project_row()], sheet="列管案件")

    outcome = import_projects(path, admin)

    assert not Project.objects.exists()
    text = messages(outcome)
    assert any("無法辨識的欄位「主辦機關」（第3欄）" in m for m in text)
    assert any("缺少必要欄位：「主辦機關代碼」" in m for m in text)
    assert all(m.startswith("第1列") for m in text)  # the header row


def test_a_missing_required_column_is_listed(write_xlsx, admin, agency_a):
    headers = [h for h in PROJECT_HEADERS if h != "總核定經費（元）"]
    rows = [
        [v for h, v in zip(PROJECT_HEADERS, project_row(), strict=True) if h != "總核定經費（元）"]
    ]
    outcome = import_projects(write_xlsx(headers, rows), admin)

    assert messages(outcome) == [
        "第1列：工作表「Sheet」缺少必要欄位：「總核定經費（元）」。請使用下載的範本，欄位名稱須與範本相同。"
    ]
    assert not Project.objects.exists()


def test_a_column_given_twice_is_refused(write_xlsx, admin, agency_a):
    headers = [*PROJECT_HEADERS, "案件名稱"]
    outcome = import_projects(write_xlsx(headers, [[*project_row(), "另一個名稱"]]), admin)
    assert "欄位「案件名稱」出現兩次（第2欄與第8欄）。" in messages(outcome)[0]


def test_a_workbook_without_the_registers_sheet_names_the_sheets_it_has(
    write_xlsx, admin, agency_a
):
    def second_sheet(workbook, _sheet):
        workbook.create_sheet("統計")

    path = write_xlsx(PROJECT_HEADERS, [project_row()], sheet="工作表1", before=second_sheet)
    outcome = import_projects(path, admin)

    assert messages(outcome) == [
        "找不到工作表「列管案件」。檔案中的工作表：工作表1、統計。"
        "請把資料放在名為「列管案件」的工作表，或使用下載的範本。"
    ]


def test_another_registers_file_is_refused_by_its_headers(write_xlsx, admin, agency_a):
    path = write_xlsx(
        ["機關代碼", "機關名稱", "機關類別"], [["B99", "範例局", "其他"]], sheet="機關"
    )
    outcome = import_projects(path, admin)
    [message] = messages(outcome)
    assert message.startswith("工作表「機關」前10列找不到標題列：應有「列管編號」「案件名稱」")
    assert not Agency.objects.filter(code="B99").exists()


def test_the_data_sheet_is_found_by_name_among_others(write_xlsx, admin, agency_a):
    def notes_first(workbook, sheet):
        workbook.create_sheet("說明", 0)

    path = write_xlsx(PROJECT_HEADERS, [project_row()], sheet="列管案件", before=notes_first)
    assert import_projects(path, admin).ok
    assert Project.objects.filter(control_number="P113-0101").exists()


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers(
    write_xlsx, admin, agency_a
):
    def title(workbook, sheet):
        sheet.insert_rows(1, 2)
        sheet["A1"] = "臺南市政府113年度列管案件"
        sheet.merge_cells("A1:G1")

    rows = [project_row("P113-0101"), project_row("P113-0102", **{"主辦機關代碼": "B99"})]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows, before=title), admin)

    assert messages(outcome) == ["第5列「主辦機關代碼」：找不到主辦機關代碼「B99」。"]


def test_data_under_no_header_is_refused(write_xlsx, admin, agency_a):
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, [[*project_row(), "", "備註"]]), admin)
    assert messages(outcome) == ["第2列：第I欄有資料「備註」，但這一欄沒有欄位名稱。"]
    assert not Project.objects.exists()


# -- cells -------------------------------------------------------------------------------------


def test_merged_cells_are_refused_with_their_rows_and_column(write_xlsx, admin, agency_a):
    def merge(workbook, sheet):
        sheet.merge_cells("C3:C4")  # one agency cell spanning two projects

    rows = [project_row("P113-0101"), project_row("P113-0102"), project_row("P113-0103")]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows, before=merge), admin)

    assert (
        "第3列「主辦機關代碼」：第3列至第4列是合併儲存格（C3:C4），請取消合併，並在每一列填入完整的值。"
        in messages(outcome)
    )
    assert not Project.objects.exists()


def test_empty_rows_are_skipped_and_errors_name_the_sheet_row(write_xlsx, admin, agency_a):
    rows = [
        project_row("P113-0101"),
        [None] * 7,
        ["", "  ", None, "", None, None, None],
        project_row("P113-0102", **{"總核定經費（元）": "約六千萬"}),
    ]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin)

    assert messages(outcome) == [
        "第5列「總核定經費（元）」：請以阿拉伯數字輸入金額（元），可用千分位逗號，例如 1,234,567。"
    ]
    assert not Project.objects.exists()


def test_excel_date_cells_and_serial_numbers_are_dates(write_xlsx, admin, agency_a):
    rows = [
        project_row("P113-0101", 預定開工日期=datetime(2024, 2, 1), 預定完工日期=45626),
        project_row("P113-0102", 預定開工日期=date(2024, 2, 1), 預定完工日期="45626"),
    ]
    assert import_projects(write_xlsx(PROJECT_HEADERS, rows), admin).ok
    assert set(Project.objects.values_list("planned_start", "planned_completion")) == {
        (date(2024, 2, 1), date(2024, 11, 30))
    }


def test_roc_and_gregorian_years_are_both_read(write_xlsx, admin, agency_a):
    rows = [
        project_row("P113-0101", 預定開工日期="2024.2.1", 預定完工日期="113-11-30"),
        project_row("P113-0102", 預定開工日期="1130201", 預定完工日期="民國113年11月30日"),
    ]
    assert import_projects(write_xlsx(PROJECT_HEADERS, rows), admin).ok
    assert set(Project.objects.values_list("planned_start", "planned_completion")) == {
        (date(2024, 2, 1), date(2024, 11, 30))
    }


def test_roc_gregorian_mix_ups_are_caught_with_the_likely_mistake(write_xlsx, admin, agency_a):
    rows = [
        # a 2-digit Gregorian year read as ROC 24 (1935)
        project_row("P113-0101", 預定開工日期="24.2.1"),
        # 1911 added to a Gregorian year
        project_row("P113-0102", 預定完工日期=datetime(3935, 11, 30)),
        # a Gregorian year written as an ROC one
        project_row("P113-0103", 預定開工日期="民國2024年2月1日"),
    ]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin)

    text = messages(outcome)
    assert text[0].startswith("第2列「預定開工日期」：「24.2.1」讀作民國24年2月1日")
    assert "民國年與西元年混用" in text[0]
    assert text[1].startswith("第3列「預定完工日期」：「3935-11-30 00:00:00」的年份是西元3935年")
    assert "西元2024年即民國113年" in text[1]
    assert text[2] == (
        "第4列「預定開工日期」：「民國2024年2月1日」的民國年是4位數："
        "西元2024年即民國113年，請寫民國113年或 2024-月-日。"
    )
    assert not Project.objects.exists()


def test_text_in_number_columns_gets_the_forms_message(write_xlsx, admin, agency_a):
    project, _b = builders.make_projects(agency_a, agency_a)
    builders.make_curve(project)
    headers = [
        "列管編號",
        "填報月份",
        "實際進度",
        "累計分配數（元）",
        "實支數（元）",
        "應付未付數（元）",
        "節餘數（元）",
    ]
    rows = [
        ["P113-0001", "113/01", "8.33", 10_000_000, 0, 0, 0],
        ["P113-0001", "113/02", "約50%", 20_000_000, "五百萬", 0, 0],
    ]
    outcome = run_import("reports", write_xlsx(headers, rows, sheet="每月填報"), user=admin)

    assert messages(outcome) == [
        "第3列「實際進度」：請以數字輸入進度百分比，例如 45.5。",
        "第3列「實支數（元）」：請以阿拉伯數字輸入金額（元），可用千分位逗號，例如 1,234,567。",
    ]
    assert not MonthlyReport.objects.exists()


def test_a_percentage_cell_means_its_percent(write_xlsx, admin, agency_a):
    project, _b = builders.make_projects(agency_a, agency_a)
    builders.make_curve(project)
    headers = [
        "列管編號",
        "填報月份",
        "實際進度",
        "累計分配數（元）",
        "實支數（元）",
        "應付未付數（元）",
        "節餘數（元）",
    ]

    def percent_format(workbook, sheet):
        sheet["C2"].number_format = "0.00%"

    path = write_xlsx(
        headers, [["P113-0001", "113/01", 0.0925, 10_000_000, 0, 0, 0]], before=percent_format
    )
    assert run_import("reports", path, user=admin).ok
    assert MonthlyReport.objects.get().actual_percent == 9.25


def test_unknown_agencies_are_named(write_xlsx, admin, agency_a):
    rows = [project_row(主辦機關代碼="B99"), project_row("P113-0102", 主辦機關代碼="工務處")]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin)
    assert messages(outcome) == [
        "第2列「主辦機關代碼」：找不到主辦機關代碼「B99」。",
        # A name close to an agency's is answered with it (full name and code).
        "第3列「主辦機關代碼」：找不到機關「工務處」，是否為：臺南市政府工務局（B06）？",
    ]


def test_an_agency_may_be_given_by_its_full_name(write_xlsx, admin, agency_a):
    rows = [project_row(主辦機關代碼="臺南市政府工務局")]
    assert import_projects(write_xlsx(PROJECT_HEADERS, rows), admin).ok
    assert Project.objects.get().host_agency == agency_a


@pytest.mark.parametrize(
    "written", ["B06", "b06", "臺南市政府工務局", "台南市政府工務局", "工務局"]
)
def test_an_agency_may_be_given_by_code_full_name_or_short_name(
    write_xlsx, admin, agency_a, agency_b, written
):
    headers = [*PROJECT_HEADERS, "協辦機關代碼"]
    rows = [[*project_row(主辦機關代碼=written), "水利局、B06"]]
    outcome = import_projects(write_xlsx(headers, rows), admin)
    assert outcome.ok, messages(outcome)
    project = Project.objects.get()
    assert project.host_agency == agency_a
    assert set(project.co_agencies.all()) == {agency_a, agency_b}


def test_an_unknown_agency_name_gets_the_closest_matches(write_xlsx, admin, agency_a):
    headers = [*PROJECT_HEADERS, "協辦機關代碼"]
    rows = [
        [*project_row(主辦機關代碼="環保處"), ""],
        [*project_row("P113-0102"), "B07、臺南市政府環境保護處"],
    ]
    outcome = import_projects(write_xlsx(headers, rows), admin)
    assert messages(outcome) == [
        "第2列「主辦機關代碼」：找不到機關「環保處」，"
        "是否為：臺南市政府環境保護局（B17）、臺南市動物防疫保護處（S03）？",
        "第3列「協辦機關代碼」：找不到機關「臺南市政府環境保護處」，"
        "是否為：臺南市政府環境保護局（B17）？",
    ]
    assert not Project.objects.exists()


def test_a_short_name_two_agencies_share_names_neither(write_xlsx, admin, agency_a):
    Agency.objects.filter(code="B07").update(short_name="工務局")
    outcome = import_projects(
        write_xlsx(PROJECT_HEADERS, [project_row(主辦機關代碼="工務局")]), admin
    )
    [message] = messages(outcome)
    assert message.startswith("第2列「主辦機關代碼」：找不到機關「工務局」，是否為：")
    assert "臺南市政府工務局（B06）" in message


# -- duplicates --------------------------------------------------------------------------------


def test_a_row_repeated_in_the_file_is_refused(write_xlsx, admin, agency_a):
    rows = [project_row("P113-0101"), project_row("P113-0102"), project_row(" P113-0101 ")]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin)
    assert messages(outcome) == ["第4列：與第2列重複（「列管編號」相同），同一筆資料只能出現一次。"]
    assert not Project.objects.exists()


def test_the_same_month_written_two_ways_is_a_duplicate(write_xlsx, admin, agency_a):
    project, _b = builders.make_projects(agency_a, agency_a)
    builders.make_curve(project)
    headers = [
        "列管編號",
        "填報月份",
        "實際進度",
        "累計分配數（元）",
        "實支數（元）",
        "應付未付數（元）",
        "節餘數（元）",
    ]
    rows = [
        ["P113-0001", "113/01", "8", 10_000_000, 0, 0, 0],
        ["P113-0001", "2024-01", "9", 10_000_000, 0, 0, 0],
    ]
    outcome = run_import("reports", write_xlsx(headers, rows), user=admin)
    assert messages(outcome) == [
        "第3列：與第2列重複（「列管編號」「填報月份」相同），同一筆資料只能出現一次。"
    ]


def test_a_new_agency_with_an_existing_name_is_refused(write_xlsx, admin, agency_a):
    path = write_xlsx(
        ["機關代碼", "機關名稱", "機關類別"], [["B98", "臺南市政府工務局", "一級機關/局處"]]
    )
    outcome = run_import("agencies", path, user=admin)
    [problem] = outcome.problems
    assert (problem.row, problem.column) == (2, "機關名稱")
    assert "已經存在" in problem.message or "已存在" in problem.message
    assert not Agency.objects.filter(code="B98").exists()


def test_a_tender_number_of_another_project_is_refused(write_xlsx, admin, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    headers = [*PROJECT_HEADERS, "標案案號"]
    outcome = import_projects(write_xlsx(headers, [[*project_row(), "1130115A02"]]), admin)
    assert messages(outcome) == [
        "第2列「標案案號」：標案案號已屬於其他列管案件：1130115A02（P113-0001）。"
    ]


def test_a_tender_number_given_to_two_projects_of_one_file_is_refused(write_xlsx, admin, agency_a):
    headers = [*PROJECT_HEADERS, "標案案號"]
    rows = [[*project_row("P113-0101"), "T1、T2"], [*project_row("P113-0102"), "T3、T2"]]
    outcome = import_projects(write_xlsx(headers, rows), admin)
    assert messages(outcome) == ["第3列「標案案號」：標案案號已屬於其他列管案件：T2（P113-0101）。"]
    assert not Project.objects.exists()


def test_a_project_may_keep_and_swap_its_tender_numbers(write_xlsx, admin, agency_a, agency_b):
    from projects.models import TenderNumber

    builders.make_projects(agency_a, agency_b)  # P113-0001 holds 1130115A01 and 1130115A02
    headers = [*PROJECT_HEADERS, "標案案號"]
    rows = [
        [*project_row("P113-0001"), "1130115A02、1130115A03"],
        [*project_row("P113-0102"), "1130115A01"],  # given up by P113-0001 just above
    ]
    assert import_projects(write_xlsx(headers, rows), admin).ok
    assert dict(TenderNumber.objects.values_list("number", "project__control_number")) == {
        "1130115A01": "P113-0102",
        "1130115A02": "P113-0001",
        "1130115A03": "P113-0001",
    }


def test_a_registered_case_with_other_content_is_refused(write_csv, admin, agency_a, agency_b):
    builders.make_cases(agency_a, agency_b)
    headers = ["案件編號", "受理管道", "受理時間", "案件類別", "細項", "案情描述", "承辦機關代碼"]
    path = write_csv(
        headers,
        [
            [
                "UN202402070001",
                "1999專線",
                "113/02/07 10:15",
                "道路維修",
                "路面坑洞",
                "另一件事",
                "B06",
            ]
        ],
    )
    outcome = run_import("cases", path, user=admin)
    assert messages(outcome) == [
        "第2列：案件編號「UN202402070001」已登錄，內容與檔案不同；案件匯入只新增案件，"
        "已登錄的案件請在案件頁面處理。"
    ]


# -- whole-file limits and hostile files --------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings, tmp_path, admin):
    settings.IMPORT_MAX_FILE_BYTES = 20 * 1024 * 1024
    path = tmp_path / "cases.csv"
    with path.open("wb") as out:
        out.write("案件編號,受理管道\n".encode())
        out.seek(50 * 1024 * 1024 - 1)
        out.write(b"\n")  # 50 MB (sparse: the test does not write 50 MB of data)

    outcome = run_import("cases", path, user=admin)

    assert messages(outcome) == ["檔案大小 50.0 MB 超過上限 20.0 MB，請分成幾個檔案匯入。"]


def _rezip(path, extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None):
    """Rewrite the workbook at ``path`` with parts added or replaced."""
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_zip_bomb_is_refused_without_inflating_it(settings, write_xlsx, admin, agency_a):
    settings.IMPORT_MAX_XLSX_UNZIPPED_BYTES = 10 * 1024 * 1024
    path = _rezip(
        write_xlsx(PROJECT_HEADERS, [project_row()]),
        extra={"xl/media/image1.bin": b"\0" * (64 * 1024 * 1024)},
    )
    assert path.stat().st_size < 1024 * 1024  # 64 MB of zeros packs into well under 1 MB

    outcome = import_projects(path, admin)

    [message] = messages(outcome)
    assert "疑似壓縮炸彈" in message and "超過上限 10.0 MB" in message
    assert not Project.objects.exists()


def _with_entity(path, *, padding: int = 0):
    """Declare an external entity in the data sheet's XML and use it in a cell, optionally
    behind a long comment."""
    part = "xl/worksheets/sheet1.xml"
    sheet = zipfile.ZipFile(path).read(part)
    declaration = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + (b"<!--" + b" " * padding + b"-->" if padding else b"")
        + b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    )
    sheet = declaration + sheet.replace("東區道路人行環境改善工程".encode(), b"&secret;")
    return _rezip(path, replace={part: sheet})


def test_external_entities_are_refused(write_xlsx, admin, agency_a):
    path = _with_entity(write_xlsx(PROJECT_HEADERS, [project_row()]))

    outcome = import_projects(path, admin)

    [message] = messages(outcome)
    assert "XML 文件類型或實體宣告" in message and "sheet1.xml" in message
    assert not Project.objects.exists()


def test_entities_hidden_past_the_first_bytes_are_still_refused(write_xlsx, admin, agency_a):
    # A long comment before the declaration gets past the quick scan; defusedxml refuses it.
    path = _with_entity(write_xlsx(PROJECT_HEADERS, [project_row()]), padding=80 * 1024)

    outcome = import_projects(path, admin)

    assert messages(outcome) == ["活頁簿含有不允許的 XML 實體宣告，已拒絕。"]
    assert not Project.objects.exists()


def test_an_old_xls_file_is_refused_with_what_to_do(tmp_path, admin):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    outcome = import_projects(path, admin)
    assert messages(outcome) == [
        "這是舊版 Excel（.xls）或加密的活頁簿，請另存為 .xlsx 或 CSV（UTF-8）後再匯入。"
    ]


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path, admin):
    path = tmp_path / "projects.xlsx"
    path.write_text("列管編號,案件名稱\n")
    assert messages(import_projects(path, admin)) == [
        "檔名是 .xlsx，但內容不是 Excel 活頁簿，請確認檔案。"
    ]


def test_a_big5_csv_from_excel_is_read(write_csv, admin, agency_a):
    path = write_csv(PROJECT_HEADERS, [project_row()], encoding="cp950")
    assert import_projects(path, admin).ok
    assert Project.objects.get().name == "東區道路人行環境改善工程"


def test_a_csv_in_an_unknown_encoding_is_refused(tmp_path, admin):
    path = tmp_path / "projects.csv"
    path.write_bytes("列管編號\n".encode("utf-16"))
    assert "無法辨識檔案的文字編碼" in messages(import_projects(path, admin))[0]


def test_the_templates_example_row_left_in_is_refused(write_xlsx, admin, agency_a):
    from tainan_rdec.importing import get_register
    from tainan_rdec.importing.workbooks import example_value

    resource = get_register("projects").resource()
    columns = resource.import_columns()
    example = [example_value(c) for c in columns]
    path = write_xlsx([c.column_name for c in columns], [example, project_row()[:0] or example])
    outcome = import_projects(path, admin)
    assert "第2列：這一列是範本的範例資料，請改為實際資料或刪除後再匯入。" in messages(outcome)


# -- all or nothing ----------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing(write_xlsx, admin, agency_a):
    rows = [project_row(f"P113-01{n:02d}") for n in range(1, 6)]
    rows.append(project_row("P113-0199", 預定完工日期="113/01/01"))
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin)

    assert messages(outcome) == [
        "第7列「預定完工日期」：預定完工日期（113.1.1）不可早於預定開工日期（113.2.1）。"
    ]
    assert outcome.total == 6
    assert not Project.objects.exists()


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(write_xlsx, admin, agency_a):
    rows = [project_row("P113-0101"), project_row("P113-0102")]
    outcome = import_projects(write_xlsx(PROJECT_HEADERS, rows), admin, dry_run=True)

    assert outcome.ok and (outcome.new, outcome.updated) == (2, 0)
    assert outcome.summary().startswith("試算結果（尚未寫入）")
    assert not Project.objects.exists()
    assert not PlanBaseline.objects.exists()


def test_only_admins_import(write_xlsx, cast, agency_a):
    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    for who in ("staff_a", "manager_a", "reviewer"):
        with pytest.raises(PermissionDenied):
            run_import("projects", path, user=cast[who])
    assert not Project.objects.exists()


# -- formula injection -------------------------------------------------------------------------


def test_xlsx_exports_hold_formula_like_text_as_text(agency_a, agency_b, admin, tmp_path):
    from openpyxl import load_workbook

    from tainan_rdec.importing import get_register
    from tainan_rdec.importing.workbooks import export_file

    builders.make_projects(agency_a, agency_b)
    made = export_file(get_register("projects").resource(user=admin), fmt="xlsx")
    path = tmp_path / "projects.xlsx"
    with made.handle:
        path.write_bytes(made.handle.read())

    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml  # no formula in the file
    cell = next(c for c in load_workbook(path).active["B"] if c.value == builders.FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix

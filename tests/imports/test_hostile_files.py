"""Files made to hurt: a 1.6 MB workbook that unzips to 470 MB of rows, sheets that lie about
their size, files past a register's row limit, NUL bytes. Each is refused with its Chinese
message within seconds, in flat memory, and writes nothing; no web request parses a big sheet.

The bomb tests run ``manage.py import_records`` as a process of its own and read its peak
memory from the kernel (``wait4``), under an address-space limit so that a regression fails
the test instead of the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.models import Case
from projects.models import Project
from tainan_rdec.importing import all_registers, get_register
from tainan_rdec.importing.runner import run_import
from tainan_rdec.importing.workbooks import example_value
from tests.conftest import subprocess_env
from tests.imports import sheets
from tests.imports.conftest import messages
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MEGABYTE = 1024 * 1024
# Peak memory allowed to the importing process, and the address space it may have at all.
MAX_RSS = 300 * MEGABYTE
ADDRESS_SPACE = 2048 * MEGABYTE


@pytest.fixture
def admin(cast):
    return cast["admin"]


@pytest.fixture(scope="module")
def bomb_path(tmp_path_factory) -> Path:
    """The issue's bomb, written once for the module (~3 s): the projects register's header,
    then 6.1 million identical two-cell rows, 470 MB unzipped from 1.6 MB, no declared size."""
    path = tmp_path_factory.mktemp("bomb") / "projects.xlsx"
    return sheets.bomb(path, headers=PROJECT_HEADERS)


def _address_space_limit():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def import_in_process_of_its_own(register, path, tmp_path, timeout=60, **env):
    """``manage.py import_records register path`` in a process of its own, on an empty SQLite
    file: (exit status, stderr, seconds, peak RSS in bytes)."""
    environment = subprocess_env(
        SQLITE_PATH=str(tmp_path / "empty.sqlite3"), MEDIA_ROOT=str(tmp_path / "media"), **env
    )
    environment.pop("DATABASE_URL", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_records", register, str(path)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
            preexec_fn=_address_space_limit,
        )
        while True:
            # wait4 gives the peak memory of this child alone (RUSAGE_CHILDREN would be the
            # peak of every child this test process ever had).
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                process.kill()
                _pid, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                pytest.fail(f"import_records still running after {timeout} s")
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return process.returncode, err.read().decode(), elapsed, usage.ru_maxrss * 1024


# -- the bomb ------------------------------------------------------------------------------------


def test_a_zip_bomb_of_millions_of_rows_is_refused_in_seconds_in_flat_memory(bomb_path, tmp_path):
    status, stderr, seconds, peak = import_in_process_of_its_own("projects", bomb_path, tmp_path)

    assert status == 1
    assert "xl/worksheets/sheet1.xml 解壓縮後為 447.9 MB" in stderr
    assert "超過上限 100 倍（疑似壓縮炸彈），已拒絕" in stderr
    assert seconds < 20
    assert peak < MAX_RSS, f"peak memory {peak / MEGABYTE:.0f} MB"


def test_past_the_ratio_check_the_bombs_rows_are_counted_before_it_is_parsed(bomb_path, tmp_path):
    # With the ratio check off: the sheet declares no size (openpyxl would parse all of it to
    # find one), so its rows are counted before it is parsed, and the count stops at 10,010.
    status, stderr, seconds, peak = import_in_process_of_its_own(
        "projects", bomb_path, tmp_path, IMPORT_MAX_XLSX_RATIO="100000"
    )

    assert status == 1
    assert "此名冊一次最多匯入 5,000 列，這個檔案的工作表超過 10,010 列（含空白列）" in stderr
    assert seconds < 30
    assert peak < MAX_RSS, f"peak memory {peak / MEGABYTE:.0f} MB"


def test_a_bomb_uploaded_on_the_admin_page_is_refused_at_once(client_as, bomb_path, settings):
    response = client_as("admin").post(
        reverse("admin:projects_project_import"),
        {"file": SimpleUploadedFile("projects.xlsx", bomb_path.read_bytes())},
    )

    assert response.status_code == 200  # answered in the request: nothing was parsed
    assert "疑似壓縮炸彈" in response.content.decode()
    assert not list((Path(settings.MEDIA_ROOT) / "imports").iterdir())  # the upload is gone


# -- declared and real sizes ---------------------------------------------------------------------


def _rows(count):
    return [project_row(f"P113-{n:04d}") for n in range(1, count + 1)]


def _inline_workbook(tmp_path, rows, *, dimension):
    body = [sheets.text_row(PROJECT_HEADERS)]
    body += [sheets.text_row([str(v) for v in row]) for row in rows]
    return sheets.write_workbook(tmp_path / "projects.xlsx", body, dimension=dimension)


def test_a_sheet_declaring_more_rows_than_the_limit_is_refused_before_it_is_parsed(
    settings, tmp_path, admin, agency_a
):
    settings.IMPORT_MAX_ROWS = 20
    # Three good rows, but the sheet says it has 5,000: refused on its word, before reading.
    path = _inline_workbook(tmp_path, _rows(3), dimension="A1:G5000")

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "此名冊一次最多匯入 20 列，工作表宣告的範圍 A1:G5000 有 5,000 列，"
        "沒有讀取、沒有寫入任何資料。請分成每個不超過 20 列的檔案匯入（若其中多為空白列，"
        "請刪除後再存檔）。"
    ]
    assert not Project.objects.exists()


def test_a_sheet_that_understates_its_size_is_stopped_at_the_limit_while_reading(
    settings, tmp_path, admin, agency_a
):
    settings.IMPORT_MAX_ROWS = 20
    path = _inline_workbook(tmp_path, _rows(21), dimension="A1")

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "此名冊一次最多匯入 20 列，這個檔案超過 20 列，已停止讀取、沒有寫入任何資料。"
        "請分成每個不超過 20 列的檔案匯入。"
    ]
    assert not Project.objects.exists()


def test_a_sheet_that_declares_no_size_is_counted_before_it_is_parsed(
    settings, tmp_path, admin, agency_a
):
    # Without a declared size openpyxl would parse the whole sheet to find it: the rows are
    # counted first (blank ones too, up to the limit and 1,000 more).
    settings.IMPORT_MAX_ROWS = 20
    body = [sheets.text_row(PROJECT_HEADERS), *[b"<row/>"] * 1_100]
    path = sheets.write_workbook(tmp_path / "projects.xlsx", body)

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "此名冊一次最多匯入 20 列，這個檔案的工作表超過 1,030 列（含空白列），沒有讀取、"
        "沒有寫入任何資料。請分成每個不超過 20 列的檔案匯入，並刪除多餘的空白列。"
    ]


def test_a_sheet_of_a_few_rows_of_thousands_of_cells_is_refused(
    settings, tmp_path, admin, agency_a
):
    settings.IMPORT_MAX_ROWS = 20
    wide = sheets.text_row([str(n) for n in range(60_000)])  # (varied: under the ratio)
    path = sheets.write_workbook(
        tmp_path / "p.xlsx", [sheets.text_row(PROJECT_HEADERS), wide, wide]
    )

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "這個檔案的工作表超過 103,000 個儲存格，遠多於此名冊的欄位，沒有讀取、沒有寫入任何資料。"
        "請只保留範本的欄位，並刪除多餘的欄與空白列。"
    ]


def test_a_file_at_the_limit_is_imported(settings, tmp_path, admin, agency_a, write_csv):
    settings.IMPORT_MAX_ROWS = 20
    path = _inline_workbook(tmp_path, _rows(20), dimension="A1:G21")
    assert run_import("projects", path, user=admin).ok
    assert Project.objects.count() == 20


def test_a_csv_past_the_limit_is_refused(settings, admin, agency_a, write_csv):
    settings.IMPORT_MAX_ROWS = 20
    outcome = run_import("projects", write_csv(PROJECT_HEADERS, _rows(21)), user=admin)
    assert "此名冊一次最多匯入 20 列" in messages(outcome)[0]
    assert not Project.objects.exists()


@pytest.mark.parametrize("entry", all_registers(), ids=lambda entry: entry.name)
def test_every_register_refuses_a_100000_row_file_up_front(entry, tmp_path, admin):
    """A register either checks 100,000 rows in two minutes or refuses them before checking
    one. The ordinary path checks 60 to 1,100 rows a second (tests/imports/RATES.md): it
    refuses them; the case CSV's fast path takes them (tests/perf/bench_case_import.py)."""
    columns = entry.resource().import_columns()
    row = ",".join(f'"{example_value(c)}"' for c in columns) + "\n"
    path = tmp_path / f"{entry.name}.csv"
    with path.open("w", encoding="utf-8-sig") as out:
        out.write(",".join(c.column_name for c in columns) + "\n")
        out.write(row * 100_000)
    before = entry.model.objects.count()
    started = time.monotonic()

    outcome = run_import(entry, path, user=admin, fast=False)

    assert messages(outcome) == [
        "此名冊一次最多匯入 5,000 列，這個檔案超過 5,000 列，已停止讀取、沒有寫入任何資料。"
        "請分成每個不超過 5,000 列的檔案匯入。"
    ]
    assert time.monotonic() - started < 10
    assert entry.model.objects.count() == before


# -- the case CSV's fast path --------------------------------------------------------------------


def test_a_case_csv_past_the_fast_paths_limit_is_refused_before_any_row_is_checked(
    settings, admin, agency_a, write_csv
):
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import HEADERS, good_rows

    ensure_categories()
    settings.IMPORT_MAX_FAST_ROWS = 5
    outcome = run_import("cases", write_csv(HEADERS, good_rows(6)), user=admin)

    assert messages(outcome) == [
        "此名冊一次最多匯入 5 列，這個檔案超過 5 列，已停止讀取、沒有寫入任何資料。"
        "請分成每個不超過 5 列的檔案匯入。"
    ]
    assert not Case.objects.exists()


def test_line_breaks_inside_cells_do_not_count_as_rows(settings, admin, agency_a, write_csv):
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import HEADERS, good_rows

    ensure_categories()
    settings.IMPORT_MAX_FAST_ROWS = 5
    rows = good_rows(5)
    description = HEADERS.index("案情描述")
    for row in rows:
        row[description] = "第一行\n第二行"  # ten lines more than rows

    assert run_import("cases", write_csv(HEADERS, rows), user=admin).ok
    assert Case.objects.count() == 5


def test_the_fast_path_stops_at_its_limit_while_reading(settings, admin, agency_a, tmp_path):
    """Called directly (a script), the fast path counts rows itself."""
    from petitions.bulk import import_cases_csv
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import csv_bytes, good_rows

    ensure_categories()
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(good_rows(6)))

    outcome = import_cases_csv(path, user=admin, max_rows=5)

    assert [str(p) for p in outcome.problems] == [
        "此名冊一次最多匯入 5 列，這個檔案超過 5 列，已停止讀取、沒有寫入任何資料。"
        "請分成每個不超過 5 列的檔案匯入。"
    ]
    assert not Case.objects.exists()


# -- the admin page -----------------------------------------------------------------------------


def test_a_sheet_understating_its_size_goes_to_the_background_not_the_request(
    client_as, settings, tmp_path, agency_a
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    # It says "A1" (one row); it has 30: counted without parsing, it is a background job.
    path = _inline_workbook(tmp_path, _rows(30), dimension="A1")

    response = client_as("admin").post(
        reverse("admin:projects_project_import"),
        {"file": SimpleUploadedFile("projects.xlsx", path.read_bytes())},
    )

    assert response.status_code == 302
    assert "/import/job/" in response["Location"]


def test_a_small_sheet_is_still_checked_in_the_request(client_as, settings, tmp_path, agency_a):
    settings.IMPORT_BACKGROUND_ROWS = 10
    path = _inline_workbook(tmp_path, _rows(3), dimension="A1")

    response = client_as("admin").post(
        reverse("admin:projects_project_import"),
        {"file": SimpleUploadedFile("projects.xlsx", path.read_bytes())},
    )

    assert response.status_code == 200
    assert "試算結果（尚未寫入）：共 3 列：新增 3 筆" in response.content.decode()


# -- NUL bytes and what XML forbids -----------------------------------------------------------


def test_a_nul_byte_in_a_csv_cell_gets_the_cells_chinese_message(write_csv, admin, agency_a):
    rows = [project_row("P113-0001"), project_row("P113-0002", 案件名稱="東區\x00道路工程")]

    outcome = run_import("projects", write_csv(PROJECT_HEADERS, rows), user=admin)

    assert messages(outcome) == [
        "第3列「案件名稱」：含有 NUL 空字元（\\x00），無法儲存；"
        "請刪除該字元（常見於從其他系統匯出的檔案）後再匯入。"
    ]
    assert not Project.objects.exists()


def test_a_nul_byte_in_a_case_csv_gets_the_same_message_on_the_fast_path(
    write_csv, admin, agency_a
):
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import HEADERS, good_rows

    ensure_categories()
    rows = good_rows(3)
    rows[1][HEADERS.index("地址")] = "臺南市東區\x00中華東路"

    outcome = run_import("cases", write_csv(HEADERS, rows), user=admin)

    assert messages(outcome) == [
        "第3列「地址」：含有 NUL 空字元（\\x00），無法儲存；"
        "請刪除該字元（常見於從其他系統匯出的檔案）後再匯入。"
    ]
    assert not Case.objects.exists()


@pytest.mark.parametrize("bad", ["東區\x00道路", "東區&#0;道路", "東區&#1;道路"])
def test_a_character_xml_forbids_in_a_sheet_names_its_row(bad, tmp_path, admin, agency_a):
    body = [
        sheets.text_row(PROJECT_HEADERS),
        sheets.text_row([str(v) for v in project_row("P113-0001")]),
        sheets.text_row([str(v) for v in project_row("P113-0002", 案件名稱=bad)], raw=True),
    ]
    # (with its size declared, as Excel writes it: the sheet is read row by row)
    path = sheets.write_workbook(tmp_path / "projects.xlsx", body, dimension="A1:G3")

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "第3列：含有無法讀取的字元（例如 NUL 空字元或其他控制字元），請刪除該字元，"
        "或以 Excel 開啟後另存新檔再匯入。"
    ]
    assert not Project.objects.exists()


@pytest.mark.parametrize("where", ["shared strings", "a sheet that declares no size"])
def test_a_character_xml_forbids_read_with_the_workbook_is_refused_in_chinese(
    where, tmp_path, admin, agency_a
):
    # Both are parsed as the workbook is opened, before any row is read: no row to name.
    row = [str(v) for v in project_row(案件名稱="東區\x00道路")]
    if where == "shared strings":
        body = [sheets.string_row(range(7)), sheets.string_row(range(7, 14))]
        strings = [*PROJECT_HEADERS, *row]
        path = sheets.write_workbook(tmp_path / "p.xlsx", body, strings=strings, raw_strings=True)
    else:
        body = [sheets.text_row(PROJECT_HEADERS), sheets.text_row(row, raw=True)]
        path = sheets.write_workbook(tmp_path / "p.xlsx", body)

    outcome = run_import("projects", path, user=admin)

    assert messages(outcome) == [
        "活頁簿含有無法讀取的字元（例如 NUL 空字元或其他控制字元），請刪除該字元，"
        "或以 Excel 開啟後另存新檔再匯入。"
    ]


def test_the_limit_is_each_registers_setting(settings):
    from tainan_rdec.importing.runner import row_limit

    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_FAST_ROWS = 7, 9
    assert row_limit(get_register("projects"), fast=False) == 7
    assert row_limit(get_register("cases"), fast=True) == 9


def test_rows_are_counted_without_parsing_across_the_chunks_read(tmp_path):
    from tainan_rdec.importing.files import count_rows

    # ~3 MB of sheet XML read in 1 MB chunks: tags cut at a chunk's end are counted once.
    body = [sheets.text_row(PROJECT_HEADERS)]
    body += [sheets.text_row([f"P{n}", "x" * (n % 37)]) for n in range(40_000)]
    path = sheets.write_workbook(tmp_path / "big.xlsx", body, dimension="A1")

    assert count_rows(path, stop_after=100_000) == 40_000
    assert 10 < count_rows(path, stop_after=10) < 40_000  # stops a chunk past what it asked
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("a\n" + "1\n" * 500)
    assert count_rows(csv_path, stop_after=100_000) == 500

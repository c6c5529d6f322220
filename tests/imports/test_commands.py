"""``import_records`` and ``export_records``: the same path as the admin's import."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Project
from tainan_rdec.importing import all_registers
from tests.imports import builders
from tests.imports.conftest import read_csv
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_registers_of_this_issue_are_all_there():
    assert {r.name for r in all_registers()} >= {
        "agencies",
        "users",
        "calendar",
        "projects",
        "milestones",
        "scurves",
        "reports",
        "directives",
        "categories",
        "subcategories",
        "cases",
    }


def test_the_kernels_import_machinery_imports_no_domain_app():
    package = Path(__file__).resolve().parents[2] / "tainan_rdec" / "importing"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                for name in names:
                    assert name.split(".")[0] not in {
                        "projects",
                        "petitions",
                        "evaluations",
                        "awards",
                    }, (path.name, name)


def test_dry_run_reports_and_writes_nothing(write_xlsx, agency_a):
    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    out, _err = run("import_records", "projects", str(path), "--dry-run")
    assert (
        out.splitlines()[-1] == "試算結果（尚未寫入）：共 1 列：新增 1 筆、更新 0 筆、未變更 0 筆。"
    )
    assert not Project.objects.exists()


def test_import_writes_and_says_so(write_xlsx, agency_a, cast):
    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    out, _err = run("import_records", "projects", str(path), "--user", "admin")
    assert out.splitlines()[-1].startswith("「列管案件」匯入完成：共 1 列：新增 1 筆")
    assert Project.objects.get().created_by == cast["admin"]


def test_a_bad_file_prints_each_problem_and_fails(write_xlsx, agency_a):
    path = write_xlsx(PROJECT_HEADERS, [project_row(主辦機關代碼="B99")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="發現 1 個問題，沒有寫入任何資料"):
        call_command("import_records", "projects", str(path), stderr=err)
    assert err.getvalue().strip() == "第2列「主辦機關代碼」：找不到主辦機關代碼「B99」。"
    assert not Project.objects.exists()


def test_an_unknown_register_lists_the_known_ones(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(
        CommandError, match=r"沒有名為「award」的名冊。可匯入的名冊：.*projects（列管案件）"
    ):
        call_command("import_records", "award", str(path))


def test_a_non_admin_user_may_not_import(write_xlsx, cast, agency_a):
    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    with pytest.raises(Exception, match="只有系統管理者可以匯入資料"):
        call_command("import_records", "projects", str(path), "--user", "staff_a")


def test_export_then_import_by_command_changes_nothing(tmp_path, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    target = tmp_path / "projects.csv"
    run("export_records", "projects", "--format", "csv", "--output", str(target))

    out, _err = run("import_records", "projects", str(target))

    assert (
        out.splitlines()[-1] == "「列管案件」匯入完成：共 2 列：新增 0 筆、更新 0 筆、未變更 2 筆。"
    )


def test_the_template_command_writes_the_template(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    run("export_records", "reports", "--template", "--output", str(target))
    workbook = load_workbook(target)
    assert workbook.sheetnames[0] == "每月填報"
    assert workbook["每月填報"]["C1"].value == "預定進度"


# -- progress, help, where files go ------------------------------------------------------------


def test_progress_is_printed_as_rows_are_checked(write_xlsx, agency_a):
    rows = [project_row(f"P113-{n:04d}") for n in range(1, 21)]
    out, _err = run("import_records", "projects", str(write_xlsx(PROJECT_HEADERS, rows)))

    *progress, summary = out.splitlines()
    assert progress == [f"已檢查 {n}／20 列" for n in range(2, 21, 2)]  # each tenth
    assert summary.startswith("「列管案件」匯入完成：共 20 列")


def test_progress_counts_the_rows_with_problems(write_xlsx, agency_a):
    rows = [project_row("P113-0001"), project_row("P113-0002", 主辦機關代碼="B99")]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records",
            "projects",
            str(write_xlsx(PROJECT_HEADERS, rows)),
            stdout=out,
            stderr=io.StringIO(),
        )
    assert out.getvalue().splitlines()[-1] == "已檢查 2／2 列，1 列有問題"


@pytest.mark.parametrize("command", ["import_records", "export_records"])
def test_help_lists_the_registers_with_their_names(command):
    from django.core.management import load_command_class

    parser = load_command_class("tainan_rdec", command).create_parser("manage.py", command)
    listed = [
        line.split() for line in parser.format_help().split("名冊（register）：")[1].splitlines()
    ]
    assert [entry for entry in listed if entry] == [[r.name, r.label] for r in all_registers()]


def test_an_export_says_the_full_path_it_wrote_in_the_current_folder(
    tmp_path, monkeypatch, agency_a, agency_b
):
    builders.make_projects(agency_a, agency_b)
    monkeypatch.chdir(tmp_path)

    out, _err = run("export_records", "projects", "--format", "csv")

    [written] = list(tmp_path.glob("列管案件_*.csv"))
    assert out.strip() == f"已寫入 {written}"
    assert written.is_absolute() and len(read_csv(written.read_bytes())) == 3


def test_an_export_into_a_folder_takes_the_registers_file_name(tmp_path, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    folder = tmp_path / "exports"
    folder.mkdir()

    out, _err = run("export_records", "projects", "--output", str(folder))

    [written] = list(folder.glob("列管案件_*.xlsx"))
    assert out.strip() == f"已寫入 {written}"


def test_an_export_to_a_place_that_cannot_be_written_says_so(tmp_path):
    with pytest.raises(CommandError, match=r"無法寫入「.*missing/x\.xlsx」"):
        run("export_records", "projects", "--output", str(tmp_path / "missing" / "x.xlsx"))


def test_a_csv_template_is_a_csv_with_the_header_and_the_example(tmp_path, agency_a):
    target = tmp_path / "projects-template.csv"
    run("export_records", "projects", "--template", "--format", "csv", "--output", str(target))

    header, example = read_csv(target.read_bytes())
    assert header[:3] == ["列管編號", "案件名稱", "主辦機關代碼"]
    assert example[:3] == ["P113-0001", "範例：運河北岸自行車道改善工程", "B06"]
    # A template, as the xlsx one: its example row left in is refused.
    with pytest.raises(CommandError):
        call_command("import_records", "projects", str(target), stderr=io.StringIO())

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
    assert out.strip() == "試算結果（尚未寫入）：共 1 列：新增 1 筆、更新 0 筆、未變更 0 筆。"
    assert not Project.objects.exists()


def test_import_writes_and_says_so(write_xlsx, agency_a, cast):
    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    out, _err = run("import_records", "projects", str(path), "--user", "admin")
    assert out.startswith("「列管案件」匯入完成：共 1 列：新增 1 筆")
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

    assert out.strip() == "「列管案件」匯入完成：共 2 列：新增 0 筆、更新 0 筆、未變更 2 筆。"


def test_the_template_command_writes_the_template(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    run("export_records", "reports", "--template", "--output", str(target))
    workbook = load_workbook(target)
    assert workbook.sheetnames[0] == "每月填報"
    assert workbook["每月填報"]["C1"].value == "預定進度"

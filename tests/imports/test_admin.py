"""The admin's pages: upload → dry-run preview → confirm, the template, the exports."""

from __future__ import annotations

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import PlanBaseline, Project
from tainan_rdec.importing import all_registers
from tainan_rdec.importing.files import CHOICES_SHEET, EXPLANATION_SHEET
from tests.imports import builders
from tests.imports.conftest import read_csv, read_xlsx
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:projects_project_import"


def upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def admin_client_(client_as):
    return client_as("admin")


def admin_url(entry, suffix, *args):
    # The S-curve points are listed in the admin by their versions (PlanBaseline).
    opts = (PlanBaseline if entry.name == "scurves" else entry.model)._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{suffix}", args=args)


ADMINS = {
    entry.name: entry
    for entry in all_registers()
    if entry.name
    in {
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
}


@pytest.mark.parametrize("name", sorted(ADMINS))
def test_every_registers_change_list_links_import_template_and_exports(name, admin_client_):
    entry = ADMINS[name]
    page = admin_client_.get(admin_url(entry, "changelist")).content.decode()
    for suffix in ("import", "import_template"):
        assert f'href="{admin_url(entry, suffix)}"' in page
    assert f'href="{admin_url(entry, "export", "xlsx")}' in page
    assert f'href="{admin_url(entry, "export", "csv")}' in page


def test_the_import_page_lists_the_columns_and_links_the_template(admin_client_):
    page = admin_client_.get(reverse(IMPORT_URL)).content.decode()
    for header in PROJECT_HEADERS:
        assert f'<th scope="row">{header}</th>' in page
    assert reverse("admin:projects_project_import_template") in page
    assert '<label class="required" for="id_file">' in page


def test_upload_previews_then_confirm_imports(admin_client_, write_xlsx, agency_a):
    path = write_xlsx(PROJECT_HEADERS, [project_row("P113-0101"), project_row("P113-0102")])

    preview = admin_client_.post(reverse(IMPORT_URL), {"file": upload(path)})

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "試算結果（尚未寫入）：共 2 列：新增 2 筆、更新 0 筆、未變更 0 筆。" in page
    assert not Project.objects.exists()
    token = preview.context["token"]

    done = admin_client_.post(
        reverse(IMPORT_URL), {"confirm": "1", "token": token, "file_name": path.name}
    )

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:projects_project_changelist")
    assert set(Project.objects.values_list("control_number", flat=True)) == {
        "P113-0101",
        "P113-0102",
    }
    entry = LogEntry.objects.get()
    assert entry.change_message.startswith("「列管案件」匯入完成：共 2 列：新增 2 筆")
    # The upload is gone once imported: the same token imports nothing twice.
    again = admin_client_.post(reverse(IMPORT_URL), {"confirm": "1", "token": token})
    assert again.status_code == 302 and again["Location"] == reverse(IMPORT_URL)
    assert Project.objects.count() == 2


def test_a_bad_file_shows_every_problem_and_offers_no_confirm(admin_client_, write_xlsx, agency_a):
    rows = [
        project_row("P113-0101", 主辦機關代碼="B99"),
        project_row("P113-0102", 預定開工日期="24.2.1"),
    ]
    response = admin_client_.post(
        reverse(IMPORT_URL), {"file": upload(write_xlsx(PROJECT_HEADERS, rows))}
    )

    page = response.content.decode()
    assert "檔案有問題，沒有寫入任何資料" in page
    assert '<th scope="col">列</th>' in page
    assert "<td>第2列</td>" in page and "<td>主辦機關代碼</td>" in page
    assert "找不到主辦機關代碼「B99」。" in page
    assert "<td>第3列</td>" in page and "<td>預定開工日期</td>" in page
    assert 'name="confirm"' not in page
    assert response.context["token"] is None
    assert not Project.objects.exists()


def test_a_confirm_with_someone_elses_token_imports_nothing(
    client_as, cast, write_xlsx, agency_a, make_user
):
    from tainan_rdec.choices import Role

    path = write_xlsx(PROJECT_HEADERS, [project_row()])
    token = client_as("admin").post(reverse(IMPORT_URL), {"file": upload(path)}).context["token"]
    other = make_user("admin2", Role.ADMIN, cast["admin"].agency)
    client = client_as("anonymous")
    client.force_login(other)

    response = client.post(reverse(IMPORT_URL), {"confirm": "1", "token": token})

    assert response.status_code == 302 and response["Location"] == reverse(IMPORT_URL)
    assert not Project.objects.exists()


def test_an_oversized_upload_is_refused_by_the_form(settings, admin_client_, tmp_path):
    settings.IMPORT_MAX_FILE_BYTES = 1024
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 4096)
    response = admin_client_.post(reverse(IMPORT_URL), {"file": upload(path)})
    assert "檔案大小 0.0 MB 超過上限 0.0 MB" in response.content.decode()
    assert response.context["outcome"] is None


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "reviewer"])
def test_import_pages_are_for_admins_only(client_as, who):
    for url in (reverse(IMPORT_URL), reverse("admin:projects_project_import_template")):
        response = client_as(who).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_template_has_the_columns_an_example_lists_and_explanations(admin_client_):
    response = admin_client_.get(reverse("admin:projects_project_import_template"))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(body(response)))

    assert workbook.sheetnames == ["列管案件", CHOICES_SHEET, EXPLANATION_SHEET]
    data = workbook["列管案件"]
    headers = [c.value for c in data[1]]
    assert headers[:3] == ["列管編號", "案件名稱", "主辦機關代碼"]
    assert "差異（百分點）" not in headers
    assert data["A2"].value == "P113-0001" and data["C2"].value == "B06"
    assert data.freeze_panes == "A2"

    validations = {str(v.sqref): v for v in data.data_validations.dataValidation}
    kind_column = f"{chr(ord('A') + headers.index('列管類別'))}"
    kind = validations[f"{kind_column}2:{kind_column}5000"]
    assert kind.type == "list" and kind.formula1.startswith(f"'{CHOICES_SHEET}'!$")
    choices = workbook[CHOICES_SHEET]
    assert choices.sheet_state == "hidden"
    column = next(col for col in choices.columns if col[0].value == "列管類別")
    listed = [c.value for c in column if c.value]
    assert listed == ["列管類別", "重大建設", "前瞻基礎建設", "一般性補助款基本設施", "重點業務"]

    explanation = {row[0]: row for row in workbook[EXPLANATION_SHEET].iter_rows(values_only=True)}
    assert explanation["列管編號"][1] == "是"
    assert explanation["預定開工日期"][2].startswith("民國年月日")
    assert "重大建設" in explanation["列管類別"][3]
    assert any(str(key).startswith("第2列是範例") for key in explanation)


def test_a_filled_template_imports(admin_client_, agency_a, tmp_path):
    response = admin_client_.get(reverse("admin:projects_project_import_template"))
    workbook = load_workbook(io.BytesIO(body(response)))
    sheet = workbook["列管案件"]
    headers = [c.value for c in sheet[1]]
    values = dict(zip(PROJECT_HEADERS, project_row("P113-0155"), strict=True))
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=index, value=values.get(header))
    path = tmp_path / "filled.xlsx"
    workbook.save(path)

    preview = admin_client_.post(reverse(IMPORT_URL), {"file": upload(path)})
    admin_client_.post(reverse(IMPORT_URL), {"confirm": "1", "token": preview.context["token"]})

    assert Project.objects.get().control_number == "P113-0155"


def test_export_carries_the_change_list_filters(admin_client_, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    url = reverse("admin:projects_project_export", args=["xlsx"]) + "?kind__exact=forward"

    rows = read_xlsx(body(admin_client_.get(url)))

    assert rows[0][:2] == ("列管編號", "案件名稱")
    assert [r[0] for r in rows[1:]] == ["F113-0002"]


def test_csv_export_escapes_formulas_and_keeps_chinese(admin_client_, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    response = admin_client_.get(reverse("admin:projects_project_export", args=["csv"]))
    data = body(response)

    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = {r[0]: r for r in read_csv(data)[1:]}
    assert rows["F113-0002"][1] == "'" + builders.FORMULA
    assert rows["P113-0001"][1] == "運河北岸自行車道改善工程"


def test_the_s_curve_export_lists_the_current_curves_points(admin_client_, agency_a, agency_b):
    project, _other = builders.make_projects(agency_a, agency_b)
    builders.make_curve(project)

    rows = read_xlsx(
        body(admin_client_.get(reverse("admin:projects_planbaseline_export", args=["xlsx"])))
    )

    assert rows[0] == ("列管編號", "月份", "預定進度", "預定累計分配數（元）", "修正原因", "版次")
    assert rows[1][:2] == ("P113-0001", "113/01") and rows[-1][:3] == ("P113-0001", "113/12", 100)
    assert len(rows) == 13

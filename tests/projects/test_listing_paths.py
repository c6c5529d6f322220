"""The listing rules are one function (``services.listing_problems``) on every path: the bureau's
application, the import and the admin's action refuse the same project with the same rule;
only a project already closed arrives by import without them."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook

from projects import applications
from projects.choices import ApplicationKind, ControlStatus
from projects.models import Application, Project, StatusChange
from tainan_rdec.importing.runner import run_import
from tests.projects.factories import draft_project

pytestmark = pytest.mark.django_db

RULE = "至少需要一個檢核點。"
HEADERS = [
    "列管編號",
    "案件名稱",
    "主辦機關代碼",
    "列管類別",
    "總核定經費（元）",
    "預定開工日期",
    "預定完工日期",
    "實際完工日期",
    "執行階段",
    "列管狀態",
]


def workbook(*rows) -> bytes:
    """A real xlsx of the projects register."""
    book = Workbook()
    sheet = book.active
    sheet.title = "列管案件"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(number, status, *, name="安南區海佃路拓寬工程", completed="", phase="施工中"):
    return [
        number,
        name,
        "B06",
        "重大建設",
        80_000_000,
        "113/01/01",
        "113/12/31",
        completed,
        phase,
        status,
    ]


def problems(outcome) -> list[str]:
    return [str(p) for p in outcome.problems]


@pytest.fixture
def no_checkpoint(cast):
    """工務局's draft with an S-curve and no checkpoint: not listable."""
    return draft_project(cast["staff_a"], checkpoint=False)


def test_the_application_the_import_and_the_admin_refuse_the_same_project(
    client_as, cast, no_checkpoint
):
    project = no_checkpoint

    # 1. The bureau manager's application (申請列管).
    response = client_as("manager_a").post(
        f"/projects/{project.pk}/apply/listing/", {"action": "submit", "reason": ""}
    )
    assert RULE in response.context["form"].non_field_errors()
    assert not Application.objects.filter(state="submitted").exists()

    # 2. The import, moving it to 列管中: refused on its row, with the rule.
    outcome = run_import(
        "projects", workbook(row(project.control_number, "列管中")), user=cast["admin"]
    )
    assert not outcome.ok
    [message] = problems(outcome)
    assert message.startswith(f"第2列「列管狀態」：{RULE}")

    # 3. The admin site's 納入列管 action.
    response = client_as("admin").post(
        "/admin/projects/project/",
        {"action": "list_projects", "_selected_action": [project.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{project.control_number}「{project.name}」未納入列管：{RULE}"]

    project.refresh_from_db()
    assert project.control_status == ControlStatus.NEW
    assert not StatusChange.objects.filter(project=project).exists()


def test_the_admin_lists_a_complete_project_through_the_same_service(client_as, cast):
    project = draft_project(cast["staff_a"])
    response = client_as("admin").post(
        "/admin/projects/project/",
        {"action": "list_projects", "_selected_action": [project.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["已納入列管 1 件。"]
    project.refresh_from_db()
    assert project.control_status == ControlStatus.LISTED
    change = StatusChange.objects.get(project=project)
    assert (change.by, change.reason) == (cast["admin"], "系統管理頁面納入列管")


@pytest.mark.parametrize("status", ["列管中", "暫緩列管"])
def test_a_new_project_cannot_arrive_listed_by_import(cast, agency_a, status):
    outcome = run_import("projects", workbook(row("P113-0901", status)), user=cast["admin"])
    [message] = problems(outcome)
    assert message == (
        "第2列「列管狀態」：至少需要一個檢核點。 尚未建立預定進度（S曲線）。 "
        "新案件請先以「新增」匯入，再匯入檢核點及預定進度，然後改為「列管中」；"
        "已解除列管的歷史案件可直接以「解除列管」匯入。"
    )
    assert not Project.objects.exists()


def test_a_closed_historical_project_is_imported_with_its_final_figures(cast, agency_a):
    outcome = run_import(
        "projects",
        workbook(row("P108-0042", "解除列管", completed="109/06/30", phase="已結案")),
        user=cast["admin"],
    )
    assert outcome.ok, problems(outcome)
    project = Project.objects.get(control_number="P108-0042")
    assert project.control_status == ControlStatus.DELISTED
    assert project.actual_completion == date(2020, 6, 30)


def test_a_new_project_arrives_as_a_draft_and_applies_like_any_other(cast, agency_a):
    outcome = run_import("projects", workbook(row("P113-0902", "新增")), user=cast["admin"])
    assert outcome.ok, problems(outcome)
    project = Project.objects.get()
    assert project.control_status == ControlStatus.NEW
    assert applications.refusal(project, ApplicationKind.LISTING) == ""
    listing = Application(project=project, kind=ApplicationKind.LISTING)
    found = applications.KINDS[ApplicationKind.LISTING].problems(listing, sending=True)
    assert RULE in applications.problem_list(found)


def test_listing_needs_every_month_of_the_period_and_no_allocation_above_the_budget(cast):
    from projects import services
    from projects.models import PlanBaseline

    project = draft_project(cast["staff_a"], budget=80_000_000, curve=False)
    # A curve from another path (an import, the admin) with a gap and too much money.
    services.create_baseline(
        project,
        [
            (date(2024, 1, 1), 10, 10_000_000),
            *[(date(2024, m, 1), 10 * (m - 1), 10_000_000 * m) for m in range(3, 12)],
            (date(2024, 12, 1), 100, 120_000_000),
        ],
        by=cast["staff_a"],
    )
    assert PlanBaseline.objects.filter(project=project).count() == 1
    assert services.listing_problems(project) == [
        "預定進度須涵蓋預定期程（113年1月至113年12月）。",
        "113年9月的預定累計分配數90,000,000元，超過總核定經費80,000,000元。",
        "113年10月的預定累計分配數100,000,000元，超過總核定經費80,000,000元。",
        "113年11月的預定累計分配數110,000,000元，超過總核定經費80,000,000元。",
        "113年12月的預定累計分配數120,000,000元，超過總核定經費80,000,000元。",
    ]

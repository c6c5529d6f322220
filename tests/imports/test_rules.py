"""Each register applies the edit forms' and services' rules to every row."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from petitions.choices import CaseStatus
from petitions.models import Case
from projects.choices import ControlStatus, DirectiveStatus, ReportState, StatusField
from projects.models import Directive, Milestone, MonthlyReport, PlanBaseline, Project, StatusChange
from tainan_rdec.importing import get_register
from tainan_rdec.importing.runner import run_import
from tainan_rdec.importing.workbooks import export_file
from tainan_rdec.models import User
from tests.imports import builders
from tests.imports.conftest import carries, messages, read_csv
from tests.petitions.builders import PETITIONER_EMAIL, PETITIONER_NAME, PETITIONER_PHONE, make_case

pytestmark = pytest.mark.django_db

REPORT_HEADERS = [
    "列管編號",
    "填報月份",
    "實際進度",
    "累計分配數（元）",
    "實支數（元）",
    "應付未付數（元）",
    "節餘數（元）",
    "目前辦理情形",
    "落後原因",
    "解決對策",
    "狀態",
]


@pytest.fixture
def admin(cast):
    return cast["admin"]


@pytest.fixture
def project(agency_a, agency_b):
    """P113-0001: 113.1.15–113.12.31, 12 million a month planned, 8.33% a month."""
    first, _second = builders.make_projects(agency_a, agency_b)
    builders.make_curve(first)
    return first


def report(period="113/02", actual="16.67", allocated=20_000_000, paid=5_000_000, **extra):
    row = {
        "列管編號": "P113-0001",
        "填報月份": period,
        "實際進度": actual,
        "累計分配數（元）": allocated,
        "實支數（元）": paid,
        "應付未付數（元）": 0,
        "節餘數（元）": 0,
        "目前辦理情形": "施工中",
        "落後原因": "",
        "解決對策": "",
        "狀態": "已送出",
    }
    row.update(extra)
    return [row[h] for h in REPORT_HEADERS]


# -- monthly reports ---------------------------------------------------------------------------


def test_a_sent_report_behind_schedule_needs_reasons_and_remedies(write_xlsx, admin, project):
    outcome = run_import("reports", write_xlsx(REPORT_HEADERS, [report(actual="10")]), user=admin)
    assert messages(outcome) == [
        "第2列「落後原因」：進度落後或停工時，請填寫落後原因。",
        "第2列「解決對策」：進度落後或停工時，請填寫解決對策。",
    ]
    assert not MonthlyReport.objects.exists()


def test_a_draft_behind_schedule_may_wait_for_its_reasons(write_xlsx, admin, project):
    path = write_xlsx(REPORT_HEADERS, [report(actual="10", 狀態="草稿", 目前辦理情形="")])
    assert run_import("reports", path, user=admin).ok
    saved = MonthlyReport.objects.get()
    assert (saved.state, saved.planned_percent, saved.baseline) == (
        ReportState.DRAFT,
        Decimal("16.67"),
        project.current_baseline(),
    )


def test_money_spent_beyond_the_allocation_is_refused(write_xlsx, admin, project):
    path = write_xlsx(REPORT_HEADERS, [report(allocated=1_000_000, paid=2_000_000)])
    assert messages(run_import("reports", path, user=admin)) == [
        "第2列「實支數（元）」：實支數、應付未付數與節餘數合計2,000,000元，超過累計分配數1,000,000元，"
        "請檢查金額。"
    ]


def test_a_decrease_after_an_accepted_month_needs_its_explanation(write_xlsx, admin, project):
    rows = [report("113/02", "9", 狀態="已審核"), report("113/01", "12", 狀態="已審核")]
    outcome = run_import("reports", write_xlsx(REPORT_HEADERS, rows), user=admin)
    # Rows are checked in month order whatever the file's order: February is the decrease.
    assert messages(outcome) == [
        "第2列「落後原因」：進度落後或停工時，請填寫落後原因。",
        "第2列「解決對策」：進度落後或停工時，請填寫解決對策。",
        "第2列「進度下修說明」：實際進度9%低於上次審核通過的12.00%，請說明下修原因。",
    ]


def test_a_sent_report_needs_its_progress_text(write_xlsx, admin, project):
    path = write_xlsx(REPORT_HEADERS, [report(目前辦理情形="")])
    assert messages(run_import("reports", path, user=admin)) == [
        "第2列「目前辦理情形」：請填寫目前辦理情形。"
    ]


def test_a_future_month_cannot_be_filed(write_xlsx, admin, project):
    from django.utils import timezone

    from tainan_rdec.months import add_months, month_start

    coming = add_months(month_start(timezone.localdate()), 1)
    path = write_xlsx(REPORT_HEADERS, [report(f"{coming.year - 1911}/{coming.month:02d}")])
    [message] = messages(run_import("reports", path, user=admin))
    assert message == (
        f"第2列「填報月份」：{coming.year - 1911}年{coming.month}月尚未開始，不能預先填報。"
    )


def test_submitted_figures_are_never_overwritten_by_a_file(write_xlsx, admin, project):
    path = write_xlsx(REPORT_HEADERS, [report()])
    assert run_import("reports", path, user=admin).ok
    changed = write_xlsx(REPORT_HEADERS, [report(actual="20")], name="changed.xlsx")

    outcome = run_import("reports", changed, user=admin)

    assert messages(outcome) == [
        "第2列：113年2月的填報已「已送出」，匯入不能修改已送出或已審核的填報。"
    ]
    assert MonthlyReport.objects.get().actual_percent == Decimal("16.67")


def test_a_state_is_not_changed_by_a_file(write_xlsx, admin, project):
    assert run_import("reports", write_xlsx(REPORT_HEADERS, [report(狀態="草稿")]), user=admin).ok
    path = write_xlsx(REPORT_HEADERS, [report(狀態="已審核")], name="accept.xlsx")
    assert messages(run_import("reports", path, user=admin)) == [
        "第2列「狀態」：113年2月的填報目前為「草稿」，狀態須在填報審核頁面變更，不能以匯入改為「已審核」。"
    ]


def test_a_draft_is_updated_and_its_history_says_imported(write_xlsx, admin, project):
    assert run_import("reports", write_xlsx(REPORT_HEADERS, [report(狀態="草稿")]), user=admin).ok
    path = write_xlsx(REPORT_HEADERS, [report(actual="17.5", 狀態="草稿")], name="draft.xlsx")

    outcome = run_import("reports", path, user=admin)

    assert (outcome.new, outcome.updated) == (0, 1)
    saved = MonthlyReport.objects.get()
    assert saved.actual_percent == Decimal("17.5")
    latest = saved.history.first()
    assert (latest.history_user, latest.history_change_reason) == (admin, "批次匯入")


# -- projects ----------------------------------------------------------------------------------


PROJECT_HEADERS = [
    "列管編號",
    "案件名稱",
    "主辦機關代碼",
    "列管類別",
    "前瞻計畫類別",
    "總核定經費（元）",
    "預定開工日期",
    "預定完工日期",
    "列管狀態",
]


def project_row(number="P113-0001", **changes):
    row = dict(
        zip(
            PROJECT_HEADERS,
            [
                number,
                "運河北岸自行車道改善工程",
                "B06",
                "重大建設",
                "",
                120_000_000,
                "113/01/15",
                "113/12/31",
                "列管中",
            ],
            strict=True,
        )
    )
    row.update(changes)
    return [row[h] for h in PROJECT_HEADERS]


def test_a_forward_project_needs_its_category(write_xlsx, admin, agency_a):
    path = write_xlsx(
        PROJECT_HEADERS, [project_row("F113-0009", 列管類別="前瞻基礎建設", 列管狀態="新增")]
    )
    assert messages(run_import("projects", path, user=admin)) == [
        "第2列「前瞻計畫類別」：列管類別為前瞻基礎建設時，須填前瞻計畫類別。"
    ]


def test_a_status_change_follows_the_lifecycle_and_is_recorded(write_xlsx, admin, project):
    path = write_xlsx(PROJECT_HEADERS, [project_row(列管狀態="暫緩列管")])

    assert run_import("projects", path, user=admin).ok

    project.refresh_from_db()
    assert project.control_status == ControlStatus.SUSPENDED
    change = StatusChange.objects.get(project=project, field=StatusField.CONTROL_STATUS)
    assert (change.old_value, change.new_value, change.by, change.reason) == (
        ControlStatus.LISTED,
        ControlStatus.SUSPENDED,
        admin,
        "批次匯入",
    )


def test_a_status_change_outside_the_lifecycle_is_refused(write_xlsx, admin, project):
    path = write_xlsx(PROJECT_HEADERS, [project_row(列管狀態="新增")])
    assert messages(run_import("projects", path, user=admin)) == [
        "第2列「列管狀態」：列管狀態不能從「列管中」改為「新增」，請依列管流程在案件頁面辦理。"
    ]


def test_listing_by_file_needs_what_listing_needs(write_xlsx, admin, agency_a):
    assert run_import(
        "projects",
        write_xlsx(PROJECT_HEADERS, [project_row("P113-0500", 列管狀態="新增")]),
        user=admin,
    ).ok
    path = write_xlsx(PROJECT_HEADERS, [project_row("P113-0500")], name="list.xlsx")
    [message] = messages(run_import("projects", path, user=admin))
    assert message.startswith("第2列「列管狀態」：至少需要一個檢核點。")
    assert Project.objects.get().control_status == ControlStatus.NEW


# -- S-curves ----------------------------------------------------------------------------------

CURVE_HEADERS = ["列管編號", "月份", "預定進度", "預定累計分配數（元）", "修正原因"]


def curve(number="P113-0001", end="100", reason=""):
    return [
        [number, "113/01", "30", 10_000_000, reason],
        [number, "113/02", "60", 20_000_000, ""],
        [number, "113/03", end, 30_000_000, ""],
    ]


def test_a_curve_must_end_at_100_percent(write_xlsx, admin, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)
    outcome = run_import("scurves", write_xlsx(CURVE_HEADERS, curve(end="95")), user=admin)
    assert messages(outcome) == [
        "第2列：列管編號「P113-0001」的預定進度（第2至4列）：預定進度最後一個月須為100%。"
    ]
    assert not PlanBaseline.objects.exists()


def test_a_replan_needs_a_reason_and_keeps_the_old_version(write_xlsx, admin, project):
    outcome = run_import("scurves", write_xlsx(CURVE_HEADERS, curve()), user=admin)
    assert messages(outcome) == [
        "第2列「修正原因」：列管編號「P113-0001」的預定進度（第2至4列）：修正預定進度須說明原因。"
    ]

    path = write_xlsx(CURVE_HEADERS, curve(reason="變更設計，工期縮短"), name="replan.xlsx")
    outcome = run_import("scurves", path, user=admin)

    assert outcome.ok and outcome.updated == 3
    versions = list(project.baselines.values_list("version", "is_current", "reason"))
    assert versions == [(1, False, ""), (2, True, "變更設計，工期縮短")]


# -- users, directives, milestones ------------------------------------------------------------


def test_a_bureau_user_needs_an_agency_and_gets_no_password(write_xlsx, admin, agency_a):
    headers = ["帳號", "姓", "名", "所屬機關代碼", "角色"]
    rows = [["wu.an", "吳", "安", "", "局處填報人員"], ["chou.pin", "周", "品", "B06", "局處主管"]]
    outcome = run_import("users", write_xlsx(headers, rows, sheet="使用者"), user=admin)
    assert messages(outcome) == ["第2列「所屬機關代碼」：局處填報人員與局處主管必須指定所屬機關。"]

    outcome = run_import("users", write_xlsx(headers, rows[1:], name="ok.xlsx"), user=admin)
    user = User.objects.get(username="chou.pin")
    assert (user.agency, user.role, user.has_usable_password()) == (
        agency_a,
        "bureau_manager",
        False,
    )


def test_a_password_column_is_not_a_column(write_xlsx, admin):
    path = write_xlsx(["帳號", "角色", "密碼"], [["x.y", "研考會審查人員", "secret-123"]])
    [message] = messages(run_import("users", path, user=admin))
    assert "無法辨識的欄位「密碼」" in message
    assert not User.objects.filter(username="x.y").exists()


def test_closing_a_directive_by_file_records_who(write_xlsx, admin, project, agency_b):
    builders.make_directives(project, agency_b)
    headers = ["列管編號", "辦理機關代碼", "管制事項", "辦理期限", "狀態", "解除追蹤說明"]
    row = ["P113-0001", "B06", "請於下次會議前提出趕工計畫", "113/04/30", "解除追蹤", "已提出"]

    assert run_import("directives", write_xlsx(headers, [row]), user=admin).ok

    directive = Directive.objects.get(project=project)
    assert (directive.status, directive.closed_by, directive.closing_note) == (
        DirectiveStatus.CLOSED,
        admin,
        "已提出",
    )
    assert directive.closed_at is not None


def test_a_met_milestone_needs_its_date(write_xlsx, admin, project):
    headers = ["列管編號", "檢核點", "預定完成日期", "實際完成日期", "達成情形"]
    path = write_xlsx(headers, [["P113-0001", "開工", "113/01/15", "", "如期達成"]])
    assert messages(run_import("milestones", path, user=admin)) == [
        "第2列「實際完成日期」：達成情形為「如期達成」時，請填實際完成日期。"
    ]
    assert not Milestone.objects.exists()


# -- cases -------------------------------------------------------------------------------------

CASE_HEADERS = [
    "案件編號",
    "受理管道",
    "受理時間",
    "案件類別",
    "細項",
    "案情描述",
    "承辦機關代碼",
    "處理狀態",
    "結案時間",
    "滿意度（1–5）",
]


def case(number="UN202403260001", **changes):
    row = dict(
        zip(
            CASE_HEADERS,
            [
                number,
                "1999",
                "113/03/26 09:30",
                "道路維修",
                "路面坑洞",
                "路面坑洞",
                "B06",
                "已結案",
                "113/03/27 15:00",
                4,
            ],
            strict=True,
        )
    )
    row.update(changes)
    return [row[h] for h in CASE_HEADERS]


def test_cases_get_due_dates_and_timeliness_as_the_services_give(write_csv, admin, agency_a):
    from tests.petitions.builders import ensure_categories

    ensure_categories()
    rows = [case(), case("UN202403260002", 處理狀態="處理中", 結案時間="", **{"滿意度（1–5）": ""})]
    assert run_import("cases", write_csv(CASE_HEADERS, rows), user=admin).ok

    closed = Case.objects.get(case_number="UN202403260001")
    # 路面坑洞: 3 working days from 113.3.26 (Tue) → 3.29; closed 3.27 after 1 working day.
    assert (
        closed.category.name,
        closed.due_date,
        closed.processing_days,
        closed.closed_on_time,
    ) == (
        "道路維修",
        date(2024, 3, 29),
        Decimal("1"),
        True,
    )
    assert Case.objects.get(case_number="UN202403260002").status == CaseStatus.IN_PROGRESS


def test_case_closing_rules(write_csv, admin, agency_a):
    from tests.petitions.builders import ensure_categories

    ensure_categories()
    rows = [
        case("UN1", 結案時間=""),
        case("UN2", 結案時間="113/03/25 10:00"),
        case("UN3", 處理狀態="處理中"),
        case("UN4", 細項="路燈故障"),
    ]
    outcome = run_import("cases", write_csv(CASE_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「結案時間」：處理狀態為「已結案」時，請填結案時間。",
        "第3列「結案時間」：結案時間不可早於受理時間。",
        "第4列「結案時間」：未結案的案件不填結案時間；已結案請把處理狀態填「已結案」。",
        "第4列「滿意度（1–5）」：滿意度於結案時填寫。",
        "第5列「細項」：案件類別「道路維修」沒有細項「路燈故障」。",
    ]
    assert not Case.objects.exists()


def test_the_open311_field_names_are_accepted_as_headers(write_csv, admin, agency_a):
    from tests.petitions.builders import ensure_categories

    ensure_categories()
    headers = [
        "service_request_id",
        "受理管道",
        "requested_datetime",
        "service_name",
        "subproject",
        "description",
        "agency",
        "area",
        "address_string",
    ]
    row = [
        "UN202403260009",
        "1999專線",
        "2024-03-26T09:30:00+08:00",
        "道路維修",
        "路面坑洞",
        "坑洞",
        "B06",
        "東區",
        "東區中華東路",
    ]
    assert run_import("cases", write_csv(headers, [row]), user=admin).ok
    assert Case.objects.get().district.name == "東區"


def test_case_exports_never_carry_personal_data(admin, agency_a):
    case = make_case(agency_a)
    for fmt in ("xlsx", "csv"):
        made = export_file(get_register("cases").resource(user=admin), fmt=fmt)
        with made.handle:
            data = made.handle.read()
        assert carries(data, fmt, case.case_number)  # the cells are read
        for secret in (PETITIONER_NAME, PETITIONER_PHONE, PETITIONER_EMAIL):
            assert not carries(data, fmt, secret), (fmt, secret)
    headers = read_csv(data)[0]
    assert not {"陳情人姓名", "陳情人電話", "陳情人電子郵件"} & set(headers)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_personal_data_check_sees_a_name_in_an_exported_cell(fmt, tmp_path):
    """The check above would fail if a name were exported: it reads the cells, where a search
    of an xlsx's (compressed) bytes finds nothing."""
    from tainan_rdec.importing.workbooks import write_csv, write_xlsx

    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(["案件編號", "陳情人"], [["UN1", PETITIONER_NAME]], buffer, sheet_title="案件")
        assert PETITIONER_NAME.encode() not in buffer.getvalue()  # what the old check read
    else:
        write_csv(["案件編號", "陳情人"], [["UN1", PETITIONER_NAME]], buffer)
    assert carries(buffer.getvalue(), fmt, PETITIONER_NAME)

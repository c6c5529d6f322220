"""The awards register (獎項): round trip, the awards form's and services' rules on every row,
the states a file may set (awards.resources), the summary after an import, the admin pages and
the template, ``import_records awards``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from awards.choices import AwardState
from awards.models import Award, current_roc_year
from awards.stats import build_summary
from tainan_rdec.importing.files import CHOICES_SHEET, EXPLANATION_SHEET
from tainan_rdec.importing.runner import run_import
from tests.imports import builders
from tests.imports.conftest import messages
from tests.imports.test_round_trip import assert_unchanged_reimport, export, imported

pytestmark = pytest.mark.django_db

HEADERS = [
    "獲獎機關代碼",
    "獎項年度",
    "獲獎日期",
    "獎項名稱",
    "頒獎單位",
    "獎項類別",
    "首獎及卓越成績",
    "佐證連結",
    "狀態",
]


def award(**changes):
    row = {
        "獲獎機關代碼": "B06",
        "獎項年度": 112,
        "獲獎日期": "112/10/05",
        "獎項名稱": "國家卓越建設獎",
        "頒獎單位": "中華民國國家建築物火災安全學會",
        "獎項類別": "國內大獎",
        "首獎及卓越成績": "是",
        "佐證連結": "https://example.gov.tw/news/1",
        "狀態": "",
    }
    row.update(changes)
    return [row[h] for h in HEADERS]


@pytest.fixture
def admin(cast):
    return cast["admin"]


@pytest.fixture
def awards(cast, agency_a, agency_b):
    project, _other = builders.make_projects(agency_a, agency_b)
    return builders.make_awards(agency_a, agency_b, project, cast["reviewer"])


def import_awards(write_xlsx, rows, user, **kwargs):
    return run_import("awards", write_xlsx(HEADERS, rows), user=user, **kwargs)


# -- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_awards_round_trip(fmt, admin, awards, tmp_path):
    returned = awards[2]
    before = builders.award_rows()
    path = export("awards", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("awards", path, admin)

    # A returned award cannot be registered by a file (its return needs a reviewer's reason):
    # the others are deleted and come back identical.
    Award.objects.exclude(pk=returned.pk).delete()
    outcome = imported("awards", path, admin)

    assert (outcome.new, outcome.unchanged) == (2, 1)
    assert builders.award_rows() == before
    again = Award.objects.get(name="公共工程金質獎")
    assert (again.registered_by, again.reviewed_by) == (admin, admin)
    assert again.reviewed_at is not None


def test_the_export_names_agencies_projects_classes_and_states_in_words(admin, awards, tmp_path):
    from tests.imports.conftest import read_csv

    rows = read_csv(export("awards", "csv", None, admin, tmp_path).read_bytes())
    assert rows[0] == [*HEADERS[:7], "相關列管編號", "佐證連結", "備註", "狀態", "佐證檔案"]
    by_name = {r[3]: r for r in rows[1:]}
    assert by_name["公共工程金質獎"][:8] == [
        "B06",
        "112",
        "112/11/20",
        "公共工程金質獎",
        "行政院公共工程委員會",
        "國內大獎",
        "是",
        "P113-0001",
    ]
    assert by_name["公共工程金質獎"][10] == "已確認"
    assert by_name["政府服務獎"][10] == "退回補正"
    assert "'" + builders.FORMULA in by_name  # formula-like text escaped on export


# -- states ------------------------------------------------------------------------------------


def test_an_imported_award_is_registered_and_not_yet_counted(write_xlsx, admin, agency_a):
    before = build_summary(112, 112).total

    outcome = import_awards(write_xlsx, [award()], admin)

    assert outcome.ok, messages(outcome)
    saved = Award.objects.get()
    assert (saved.state, saved.registered_by, saved.reviewed_by) == (
        AwardState.REGISTERED,
        admin,
        None,
    )
    assert build_summary(112, 112).total == before == 0


def test_an_admin_import_of_confirmed_awards_confirms_them_and_they_count(
    write_xlsx, admin, agency_a, agency_b
):
    rows = [
        award(狀態="已確認"),
        award(
            獲獎機關代碼="B07",
            獎項名稱="金擘獎",
            獎項類別="第1名",
            狀態="已確認",
        ),
        award(獎項名稱="第三件", 獎項類別="甲等", 首獎及卓越成績="否"),
    ]
    before = build_summary(112, 112)

    outcome = import_awards(write_xlsx, rows, admin)

    assert outcome.ok, messages(outcome)
    after = build_summary(112, 112)
    assert (before.total, before.top) == (0, 0)
    assert (after.total, after.top) == (2, 2)  # the registered third one does not count yet
    counts = {row.label: row.count for row in after.classes}
    assert counts["國內大獎"] == counts["第1名"] == 1 and counts["甲等"] == 0
    confirmed = Award.objects.filter(state=AwardState.CONFIRMED)
    assert {a.reviewed_by for a in confirmed} == {admin}
    assert all(a.reviewed_at is not None for a in confirmed)
    history = confirmed.first().history.first()
    assert (history.history_user, history.history_change_reason) == (admin, "批次匯入")


def test_a_registered_award_may_be_confirmed_by_a_file(write_xlsx, admin, agency_a):
    import_awards(write_xlsx, [award()], admin)

    outcome = import_awards(write_xlsx, [award(狀態="已確認")], admin)

    assert (outcome.ok, outcome.updated) == (True, 1)
    assert Award.objects.get().state == AwardState.CONFIRMED


def test_the_system_may_not_confirm_without_a_named_admin(write_xlsx, agency_a):
    outcome = import_awards(write_xlsx, [award(狀態="已確認")], None)
    assert messages(outcome) == [
        "第2列「狀態」：以系統身分匯入時不能確認獎項；"
        "請以系統管理者帳號匯入（import_records --user）。"
    ]
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    ("stored", "wanted", "message"),
    [
        (
            None,
            "退回補正",
            "匯入的獎項只能是「待確認」或「已確認」；退回須由研考會在審查頁面填寫原因。",
        ),
        (
            AwardState.CONFIRMED,
            "待確認",
            "此獎項已確認，不能以匯入改為「待確認」；請由研考會在審查頁面退回。",
        ),
        (
            AwardState.REGISTERED,
            "退回補正",
            "退回須由研考會在審查頁面填寫退回原因，不能以匯入退回。",
        ),
        (
            AwardState.RETURNED,
            "已確認",
            "只有待確認的獎項可以確認（目前狀態：退回補正），請先補正後重新登錄。",
        ),
    ],
)
def test_states_a_file_may_not_set(stored, wanted, message, write_xlsx, admin, agency_a):
    from tests.awards.factories import make_award

    if stored is not None:
        make_award(
            agency_a,
            roc_year=112,
            name="國家卓越建設獎",
            awarding_body="中華民國國家建築物火災安全學會",
            state=stored,
            evidence_url="https://example.gov.tw/news/1",
        )
    states = list(Award.objects.values_list("state", flat=True))

    outcome = import_awards(write_xlsx, [award(狀態=wanted)], admin)

    assert messages(outcome) == [f"第2列「狀態」：{message}"]
    assert list(Award.objects.values_list("state", flat=True)) == states


def test_a_returned_award_corrected_by_a_file_is_registered_again(write_xlsx, admin, awards):
    returned = awards[2]
    row = award(
        獎項年度=112,
        獲獎日期="113/01/15",
        獎項名稱="政府服務獎",
        頒獎單位="國家發展委員會",
        獎項類別="國內大獎",
        首獎及卓越成績="否",
        佐證連結="https://www.ndc.gov.tw/News.aspx?n=2",
        狀態="退回補正",
    )

    outcome = import_awards(write_xlsx, [row], admin)

    assert outcome.ok, messages(outcome)
    returned.refresh_from_db()
    assert (returned.state, returned.return_reason, returned.award_class) == (
        AwardState.REGISTERED,
        "",
        "national",
    )


# -- bad input ---------------------------------------------------------------------------------


def test_an_unknown_agency_and_a_bad_class_are_named(write_xlsx, admin, agency_a):
    rows = [award(獲獎機關代碼="B99"), award(獎項類別="金獎")]
    outcome = import_awards(write_xlsx, rows, admin)
    assert messages(outcome) == [
        "第2列「獲獎機關代碼」：找不到獲獎機關代碼「B99」。",
        "第3列「獎項類別」：「金獎」不是可選的值，請填：國際大獎、國內大獎、第1名、第2名、第3名、"
        "績優、優等、甲等、其他。",
    ]
    assert not Award.objects.exists()


def test_roc_and_gregorian_years_mixed_up_are_caught(write_xlsx, admin, agency_a):
    rows = [
        award(獎項年度=2023),
        award(獎項名稱="二", 獲獎日期="12/10/05"),
        award(獎項名稱="三", 獲獎日期="2021/10/05"),
    ]
    assert messages(import_awards(write_xlsx, rows, admin)) == [
        "第2列「獎項年度」：「2023」是西元年，獎項年度請填民國年：112。",
        "第3列「獲獎日期」：「12/10/05」讀作民國12年10月5日（西元1923年），早於民國49年1月1日"
        "（西元1960年），疑似民國年與西元年混用：民國年請寫 1 至 3 位數（例如 113.3.26），"
        "西元年請寫 4 位數（例如 2024-03-26）。",
        "第4列「獲獎日期」：獲獎日期 110.10.5 與獎項年度 112年 不符：日期須在該年度或次一年度內。",
    ]


def test_the_same_award_twice_in_a_file_is_refused(write_xlsx, admin, agency_a):
    rows = [award(), award(獎項名稱="另一獎"), award(獎項類別="績優")]
    outcome = import_awards(write_xlsx, rows, admin)
    assert messages(outcome) == [
        "第4列：與第2列重複（「獲獎機關代碼」「獎項年度」「獎項名稱」「頒獎單位」相同），"
        "同一筆資料只能出現一次。"
    ]
    assert not Award.objects.exists()


def test_an_award_already_registered_is_updated_never_doubled(write_xlsx, admin, awards):
    row = award(
        獎項名稱="公共工程金質獎",
        頒獎單位="行政院公共工程委員會",
        獲獎日期="112/11/20",
        首獎及卓越成績="否",
        狀態="已確認",
        佐證連結="https://www.pcc.gov.tw/award/2023",
    )
    outcome = import_awards(write_xlsx, [row], admin)
    assert (outcome.ok, outcome.new, outcome.updated) == (True, 0, 1)
    [saved] = Award.objects.filter(name="公共工程金質獎")
    assert saved.is_top is False
    assert saved.project.control_number == "P113-0001"  # a column the file leaves out stays


def test_a_new_award_needs_its_evidence_link(write_xlsx, admin, agency_a):
    # Last year's awards are still new: they may be presented this year.
    year = current_roc_year() - 1
    row = award(獎項年度=year, 獲獎日期=f"{year}/10/05", 佐證連結="")
    outcome = import_awards(write_xlsx, [row], admin)
    assert messages(outcome) == [
        f"第2列「佐證連結」：{year}年的獎項須附佐證：請填佐證連結（匯入無法附檔）。"
        f"只有{year - 1}年以前的歷史獎項可先不附，匯入後標示為「待補佐證」。"
    ]
    assert not Award.objects.exists()


def test_a_historical_award_may_come_without_evidence_and_awaits_it(write_xlsx, admin, agency_a):
    year = current_roc_year() - 2
    row = award(獎項年度=year, 獲獎日期=f"{year}/10/05", 佐證連結="")
    outcome = import_awards(write_xlsx, [row, award(獎項名稱="有佐證的獎項")], admin)
    assert outcome.ok, messages(outcome)
    assert list(Award.objects.awaiting_evidence().values_list("name", flat=True)) == [
        "國家卓越建設獎"
    ]


def test_the_templates_notes_say_which_awards_need_their_evidence(admin):
    from tainan_rdec.importing import get_register
    from tainan_rdec.importing.workbooks import template_file

    made = template_file(get_register("awards").resource(user=admin))
    with made.handle:
        sheet = load_workbook(made.handle)[EXPLANATION_SHEET]
        notes = {row[0]: row for row in sheet.iter_rows(values_only=True) if row}
    _name, required, _format, _values, help_text = notes["佐證連結"]
    assert required == "否"
    assert "今年與去年的獎項必填" in help_text and "歷史獎項可空白" in help_text


def test_a_link_without_scheme_is_read_as_the_form_reads_it(write_xlsx, admin, agency_a):
    assert import_awards(write_xlsx, [award(佐證連結="www.ndc.gov.tw/a")], admin).ok
    assert Award.objects.get().evidence_url == "https://www.ndc.gov.tw/a"


def test_a_project_of_another_agency_is_refused(write_xlsx, admin, agency_a, agency_b):
    builders.make_projects(agency_a, agency_b)  # F113-0002 is agency B's only
    headers = [*HEADERS, "相關列管編號"]
    outcome = run_import("awards", write_xlsx(headers, [[*award(), "F113-0002"]]), user=admin)
    assert messages(outcome) == [
        "第2列「相關列管編號」：列管案件「F113-0002」不是臺南市政府工務局主辦或協辦的案件。"
    ]


def test_an_inactive_agency_gets_no_new_award(write_xlsx, admin, agency_a):
    agency_a.active = False
    agency_a.save()
    outcome = import_awards(write_xlsx, [award()], admin)
    assert messages(outcome) == ["第2列「獲獎機關代碼」：獲獎機關「臺南市政府工務局」已停用。"]


# -- admin, template, command ------------------------------------------------------------------


def test_the_change_list_links_import_template_and_exports(client_as):
    page = client_as("admin").get(reverse("admin:awards_award_changelist")).content.decode()
    for name in ("import", "import_template"):
        assert f'href="{reverse(f"admin:awards_award_{name}")}"' in page
    assert f'href="{reverse("admin:awards_award_export", args=["xlsx"])}' in page


def test_the_template_lists_the_nine_classes_and_the_states(client_as):
    response = client_as("admin").get(reverse("admin:awards_award_import_template"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    assert workbook.sheetnames == ["獎項", CHOICES_SHEET, EXPLANATION_SHEET]
    sheet = workbook["獎項"]
    headers = [c.value for c in sheet[1]]
    assert headers == [*HEADERS[:7], "相關列管編號", "佐證連結", "備註", "狀態"]
    lists = {
        column[0].value: [c.value for c in column[1:] if c.value]
        for column in workbook[CHOICES_SHEET].columns
    }
    assert lists["獎項類別"] == [
        "國際大獎",
        "國內大獎",
        "第1名",
        "第2名",
        "第3名",
        "績優",
        "優等",
        "甲等",
        "其他",
    ]
    assert lists["狀態"] == ["待確認", "已確認", "退回補正"]
    assert lists["首獎及卓越成績"] == ["是", "否"]
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    assert f"{chr(ord('A') + headers.index('獎項類別'))}2" in validated
    explanation = {r[0]: r for r in workbook[EXPLANATION_SHEET].iter_rows(values_only=True)}
    assert explanation["獎項年度"][2] == "民國年，例如 112。"


def test_import_records_awards_dry_run_writes_nothing(write_xlsx, agency_a):
    path = write_xlsx(HEADERS, [award(), award(獎項名稱="金擘獎")])
    out = io.StringIO()

    call_command("import_records", "awards", str(path), "--dry-run", stdout=out)

    assert (
        out.getvalue().splitlines()[-1]
        == "試算結果（尚未寫入）：共 2 列：新增 2 筆、更新 0 筆、未變更 0 筆。"
    )
    assert not Award.objects.exists()


def test_import_records_awards_as_an_admin_confirms(write_xlsx, agency_a, admin):
    path = write_xlsx(HEADERS, [award(狀態="已確認")])
    out = io.StringIO()

    call_command("import_records", "awards", str(path), "--user", "admin", stdout=out)

    assert out.getvalue().splitlines()[-1].startswith("「獎項」匯入完成：共 1 列：新增 1 筆")
    assert Award.objects.get().reviewed_by == admin

"""The service-quality registers: telephone tests and audits (one column per rubric item, scored
by the entry form's service) and Government Service Award coaching (one date per stage)."""

from __future__ import annotations

import io
from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations import evaluation
from evaluations.choices import CoachingStage, RubricKind
from evaluations.coaching import funnel
from evaluations.models import (
    Audit,
    AwardCoaching,
    CoachingStageChange,
    PhoneTest,
    Rubric,
)
from evaluations.rubrics import rubric_for
from tainan_rdec.importing import get_register
from tainan_rdec.importing.files import CHOICES_SHEET, EXPLANATION_SHEET
from tainan_rdec.importing.runner import run_import
from tests.imports import builders
from tests.imports.conftest import messages, read_csv, read_xlsx
from tests.imports.test_round_trip import assert_unchanged_reimport, export, imported

pytestmark = pytest.mark.django_db

UNIT_ITEMS = [
    "U1 接聽速度",
    "U2 問候語",
    "U3 說話禮貌",
    "U4 結束通話",
    "U5 答詢內容",
    "U6 忙線或非承辦業務",
]
PHONE_HEADERS = [
    "編號",
    "受測機關代碼",
    "受測單位",
    "撥打方式",
    "電話號碼",
    "測試日期",
    "測試時間",
    "測試人員",
    "響鈴聲數",
    *UNIT_ITEMS,
]
UNIT_MAXIMA = [15, 8, 9, 8, 10, 5]


def call(**changes):
    """A direct call to agency A, every 業務單位 item at its maximum (55 of 55)."""
    row = {
        "編號": "",
        "受測機關代碼": "B06",
        "受測單位": "養護工程科",
        "撥打方式": "直撥業務單位",
        "電話號碼": "06-2991111",
        "測試日期": "113/04/10",
        "測試時間": "09:15",
        "測試人員": "林專員",
        "響鈴聲數": 2,
        **dict(zip(UNIT_ITEMS, UNIT_MAXIMA, strict=True)),
    }
    row.update(changes)
    return [row[h] for h in PHONE_HEADERS]


AUDIT_ITEMS = [
    "E1 環境整潔",
    "E2 業務及洽公標示清楚",
    "E3 雙語標示",
    "E4 洽公動線順暢",
    "F1 服務櫃台設置適當",
    "F2 等候座椅",
    "F3 廁所整潔",
    "F4 哺",
    "F5 無障礙設施",
    "F6 飲水設備",
    "F7 影印設備",
    "F8 老花眼鏡",
    "F9 書寫文具",
    "T1 起身迎接服務",
    "T2 使用稱謂",
    "T3 使用「請、謝謝、對不起」",
    "T4 主動協助",
    "T5 配戴識別證",
    "T6 準時開始服務",
    "P1 辦理流程簡便、等候時間合理",
    "P2 說明清楚，一次告知應備文件",
]
AUDIT_MAXIMA = [5, 5, 5, 5, 4, 3, 4, 3, 4, 2, 2, 1, 2, 6, 5, 6, 8, 5, 5, 10, 10]
AUDIT_HEADERS = ["編號", "受稽核機關代碼", "受稽核櫃台", "稽核日期", "稽核人員", *AUDIT_ITEMS]


def visit(**changes):
    row = {
        "編號": "",
        "受稽核機關代碼": "B06",
        "受稽核櫃台": "聯合服務中心",
        "稽核日期": "113/07/01",
        "稽核人員": "神秘客B",
        **dict(zip(AUDIT_ITEMS, AUDIT_MAXIMA, strict=True)),
    }
    row.update(changes)
    return [row[h] for h in AUDIT_HEADERS]


COACHING_HEADERS = [
    "年度",
    "機關代碼",
    "參獎類別",
    "參獎方案名稱",
    "輔導日期",
    "推薦日期",
    "書面初審日期",
    "入圍日期",
    "實地訪視日期",
    "得獎日期",
    "未獲獎日期",
]


def entry(**changes):
    row = {h: "" for h in COACHING_HEADERS}
    row.update(
        {
            "年度": 113,
            "機關代碼": "B06",
            "參獎類別": "數位創新加值",
            "參獎方案名稱": "智慧路燈報修",
            "輔導日期": "113/03/01",
        }
    )
    row.update(changes)
    return [row[h] for h in COACHING_HEADERS]


@pytest.fixture
def admin(cast):
    return cast["admin"]


@pytest.fixture
def reviewer(cast):
    return cast["reviewer"]


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_phone_tests_round_trip(fmt, admin, reviewer, agency_a, agency_b, tmp_path):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    before = builders.phone_test_rows()
    path = export("phone_tests", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("phone_tests", path, admin)

    PhoneTest.objects.all().delete()
    imported("phone_tests", path, admin)

    assert builders.phone_test_rows() == before
    assert set(before) == {"TEL-113-0001", "TEL-113-0002", "TEL-112-0001"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_audits_round_trip(fmt, admin, reviewer, agency_a, agency_b, tmp_path):
    builders.make_audits(agency_a, agency_b, reviewer)
    before = builders.audit_rows()
    path = export("audits", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("audits", path, admin)

    Audit.objects.all().delete()
    imported("audits", path, admin)

    assert builders.audit_rows() == before
    assert before["AUD-113-0001"][-1] == "B06"  # linked to the year's target list again


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_coaching_round_trip(fmt, admin, reviewer, agency_a, agency_b, tmp_path):
    builders.make_coaching(agency_a, agency_b, reviewer)
    before = builders.coaching_rows()
    funnel_before = [(s.stage, s.count) for s in funnel(2023)]
    path = export("coaching", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("coaching", path, admin)

    AwardCoaching.objects.all().delete()
    imported("coaching", path, admin)

    assert builders.coaching_rows() == before
    assert [(s.stage, s.count) for s in funnel(2023)] == funnel_before
    assert [s.count for s in funnel(2023)] == [2, 2, 1, 1, 1, 1]


def test_the_phone_export_puts_each_item_in_its_column(
    admin, reviewer, agency_a, agency_b, tmp_path
):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    rows = read_xlsx(export("phone_tests", "xlsx", None, admin, tmp_path).read_bytes())
    headers = list(rows[0])
    assert headers[:11] == [
        "編號",
        "受測機關代碼",
        "受測單位",
        "撥打方式",
        "電話號碼",
        "分機",
        "測試日期",
        "測試時間",
        "測試人員",
        "響鈴聲數",
        "接聽秒數",
    ]
    assert headers[11:14] == ["S1 接聽速度", "S2 問候禮貌", "S3 轉接禮貌"]
    assert headers[-5:] == ["錄音檔編號", "備註", "得分", "滿分", "成績（百分制）"]
    by_reference = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    switchboard = by_reference["TEL-113-0001"]
    assert (switchboard["S2 問候禮貌"], switchboard["U5 答詢內容"]) == (7.5, 6)
    assert (switchboard["得分"], switchboard["滿分"], switchboard["成績（百分制）"]) == (
        93.5,
        100,
        93.5,
    )
    direct = by_reference["TEL-113-0002"]
    assert direct["S1 接聽速度"] is None  # not scored on a direct call
    assert (direct["測試日期"], direct["測試時間"], direct["撥打方式"]) == (
        "113/04/02",
        "14:05:30",
        "直撥業務單位",
    )


# -- new records -------------------------------------------------------------------------------


def test_blank_references_are_numbered_by_year_and_scored(write_xlsx, admin, agency_a):
    rows = [
        call(),
        call(受測單位="新建工程科", **{"U3 說話禮貌": "4.5"}),
        call(測試日期="112/12/29", 受測單位="總機", 撥打方式="1999"),
    ]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)

    assert (outcome.ok, outcome.new) == (True, 3), messages(outcome)
    tests = {t.reference: t for t in PhoneTest.objects.select_related("rubric")}
    assert set(tests) == {"TEL-113-0001", "TEL-113-0002", "TEL-112-0001"}
    lower = next(t for t in tests.values() if t.unit == "新建工程科")
    assert (lower.total, lower.max_total, lower.score) == (
        Decimal("50.5"),
        Decimal("55.0"),
        Decimal("91.82"),
    )
    assert tests["TEL-112-0001"].rubric.year == 2023
    assert lower.recorded_by == admin
    assert lower.history.first().history_change_reason == "批次匯入"


def test_a_named_new_reference_is_kept_and_blank_ones_number_after_it(write_xlsx, admin, agency_a):
    rows = [call(), call(編號="tel-113-0001", 受測單位="新建工程科")]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    assert outcome.ok, messages(outcome)
    assert dict(PhoneTest.objects.values_list("unit", "reference")) == {
        "新建工程科": "TEL-113-0001",
        "養護工程科": "TEL-113-0002",
    }


def test_importing_the_same_blank_reference_file_twice_adds_nothing(write_xlsx, admin, agency_a):
    path = write_xlsx(PHONE_HEADERS, [call()])
    assert run_import("phone_tests", path, user=admin).ok

    outcome = run_import("phone_tests", path, user=admin)

    assert messages(outcome) == [
        "第2列：已登錄相同的紀錄 TEL-113-0001（「受測機關代碼」「受測單位」「測試日期」「測試時間」"
        "相同）；要修正該筆紀錄，請在「編號」填 TEL-113-0001。"
    ]
    assert PhoneTest.objects.count() == 1


def test_a_correction_by_reference_rescores_the_record(
    write_xlsx, admin, reviewer, agency_a, agency_b
):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    row = call(
        編號="TEL-113-0002",
        受測機關代碼="B07",
        受測單位="工程企劃科",
        測試日期="113/04/02",
        測試時間="14:05:30",
        **{"U1 接聽速度": 10, "U6 忙線或非承辦業務": 0},
    )
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, [row]), user=admin)

    assert (outcome.ok, outcome.updated) == (True, 1), messages(outcome)
    test = PhoneTest.objects.get(reference="TEL-113-0002")
    assert (test.total, test.score, test.tester, test.rings) == (
        Decimal("45.0"),
        Decimal("81.82"),
        "林專員",
        2,
    )
    assert test.scores.get(item__code="U1").points == Decimal("10.0")


def test_a_route_changed_by_a_file_drops_the_items_that_no_longer_apply(
    write_xlsx, admin, reviewer, agency_a, agency_b
):
    builders.make_phone_tests(agency_a, agency_b, reviewer)  # TEL-113-0001 via the switchboard
    row = call(編號="TEL-113-0001", 測試日期="113/03/26", 測試時間="10:30")

    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, [row]), user=admin)

    assert outcome.ok, messages(outcome)
    test = PhoneTest.objects.get(reference="TEL-113-0001")
    assert (test.route, test.total, test.max_total, test.score) == (
        "direct",
        Decimal("55.0"),
        Decimal("55.0"),
        Decimal("100.00"),
    )
    assert sorted(test.scores.values_list("item__code", flat=True)) == [
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
    ]


def test_an_audit_is_linked_to_the_years_target_list(
    write_xlsx, admin, reviewer, agency_a, agency_b
):
    builders.make_audits(agency_a, agency_b, reviewer)  # agency A is on 113's list
    rows = [visit(), visit(受稽核機關代碼="B07", **{"E1 環境整潔": "2.5"})]
    outcome = run_import("audits", write_xlsx(AUDIT_HEADERS, rows), user=admin)

    assert outcome.ok, messages(outcome)
    new = {a.agency.code: a for a in Audit.objects.filter(visited_on=date(2024, 7, 1))}
    assert new["B06"].target.agency == agency_a and new["B07"].target is None
    assert (new["B07"].reference, new["B07"].score) == ("AUD-113-0004", Decimal("97.50"))


def test_item_headers_may_be_the_bare_codes(write_xlsx, admin, agency_a):
    headers = [h.split(" ")[0] if h in UNIT_ITEMS else h for h in PHONE_HEADERS]
    outcome = run_import("phone_tests", write_xlsx(headers, [call()]), user=admin)
    assert outcome.ok, messages(outcome)
    assert PhoneTest.objects.get().score == Decimal("100.00")


# -- bad input ---------------------------------------------------------------------------------


def test_points_over_an_items_maximum_and_text_are_refused(write_xlsx, admin, agency_a):
    rows = [
        call(**{"U1 接聽速度": 16}),
        call(受測單位="二", **{"U2 問候語": "很好"}),
        call(受測單位="三", **{"U3 說話禮貌": "4.55"}),
    ]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「U1 接聽速度」：「接聽速度：鈴響4聲或等候音樂10秒內接聽」的得分須介於0到15分。",
        "第3列「U2 問候語」：「很好」不是數字，得分須為數字。",
        "第4列「U3 說話禮貌」：得分最多到小數點後一位。",
    ]
    assert not PhoneTest.objects.exists()


def test_items_a_call_was_not_scored_on_must_stay_blank_and_the_others_filled(
    write_xlsx, admin, agency_a
):
    headers = [*PHONE_HEADERS, "S1 接聽速度"]
    rows = [
        [*call(), 20],
        [*call(受測單位="二", **{"U6 忙線或非承辦業務": ""}), ""],
    ]
    outcome = run_import("phone_tests", write_xlsx(headers, rows), user=admin)
    assert messages(outcome) == [
        "第2列「S1 接聽速度」：項目 S1 不適用於此次評核，請勿給分。",
        "第3列「U6 忙線或非承辦業務」：請輸入「忙線或非承辦業務：禮貌說明並提供替代方案"
        "（轉接、留言、回電）」的得分。",
    ]


def test_unknown_agency_bad_route_and_missing_answer_time(write_xlsx, admin, agency_a):
    rows = [
        call(受測機關代碼="B99"),
        call(受測單位="二", 撥打方式="手機"),
        call(受測單位="三", 響鈴聲數=""),
    ]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「受測機關代碼」：找不到受測機關代碼「B99」。",
        "第3列「撥打方式」：「手機」不是可選的值，請填：經總機轉接（評總機及受話單位）、"
        "直撥業務單位、1999話務中心。",
        "第4列「響鈴聲數」：請填寫響鈴聲數或接聽秒數（至少一項）。",
    ]


def test_roc_gregorian_mix_ups_and_a_reference_of_another_year(write_xlsx, admin, agency_a):
    rows = [
        call(測試日期="24/4/10"),
        call(受測單位="二", 測試日期="3935-04-10"),
        call(受測單位="三", 編號="TEL-112-0009"),
        call(受測單位="四", 測試時間="9點"),
    ]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「測試日期」：「24/4/10」讀作民國24年4月10日（西元1935年），早於民國89年1月1日"
        "（西元2000年），疑似民國年與西元年混用：民國年請寫 1 至 3 位數（例如 113.3.26），"
        "西元年請寫 4 位數（例如 2024-03-26）。",
        "第3列「測試日期」：「3935-04-10」的年份是西元3935年，疑似把西元年當成民國年又加了1911："
        "西元2024年即民國113年，請寫 113.4.10 或 2024-04-10。",
        "第4列「編號」：編號「TEL-112-0009」的年度（112年）與測試日期（113年）不符；"
        "新紀錄的編號可留空，由系統編號。",
        "第5列「測試時間」：「9點」不是時間，請填時:分，例如 14:30。",
    ]
    assert not PhoneTest.objects.exists()


def test_duplicates_inside_the_file_are_refused(write_xlsx, admin, agency_a):
    rows = [
        call(編號="TEL-113-0005"),
        call(編號="TEL-113-0005", 受測單位="二"),
        call(受測單位="三"),
        call(受測單位="三", 測試時間="9:15"),
    ]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第3列：與第2列重複（「編號」相同），同一筆資料只能出現一次。",
        "第5列：與第4列重複（「受測機關代碼」「受測單位」「測試日期」「測試時間」相同），"
        "同一筆資料只能出現一次。",
    ]


def test_a_finalized_years_records_cannot_be_added_or_changed(
    write_xlsx, admin, reviewer, agency_a, agency_b, tmp_path
):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    path = export("phone_tests", "csv", None, admin, tmp_path)
    evaluation.compute_evaluation(2024, by=reviewer)
    evaluation.finalize_evaluation(2024, by=reviewer)
    # An unchanged export still imports (nothing to change) ...
    assert_unchanged_reimport("phone_tests", path, admin)
    # ... but a new call or a correction of 113 is refused.
    rows = [call(), call(編號="TEL-113-0001", 受測單位="養護工程科", 測試日期="113/03/26")]
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, rows), user=admin)
    message = "113年度服務效能評比已確定，該年度的評核紀錄不能再新增或修改。"
    assert messages(outcome) == [f"第2列：{message}", f"第3列：{message}"]


def test_a_record_keeps_its_rubric_year(write_xlsx, admin, reviewer, agency_a, agency_b):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    row = call(編號="TEL-112-0001", 測試日期="113/01/05", 撥打方式="1999", 受測單位="話務中心")
    outcome = run_import("phone_tests", write_xlsx(PHONE_HEADERS, [row]), user=admin)
    assert messages(outcome) == [
        "第2列「測試日期」：日期須在112年度內（本紀錄使用112年度評分表）。"
    ]


def test_audit_points_over_the_maximum_and_unknown_agency(write_xlsx, admin, agency_a):
    rows = [visit(**{"P1 辦理流程簡便、等候時間合理": 12}), visit(受稽核機關代碼="Z99")]
    outcome = run_import("audits", write_xlsx(AUDIT_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「P1 辦理流程簡便、等候時間合理」："
        "「辦理流程簡便、等候時間合理」的得分須介於0到10分。",
        "第3列「受稽核機關代碼」：找不到受稽核機關代碼「Z99」。",
    ]
    assert not Audit.objects.exists()


def test_a_new_years_rubric_version_gives_its_own_columns(write_xlsx, admin, agency_a):
    rubric = rubric_for(RubricKind.PHONE, 2025)
    rubric.items.filter(code="U6").update(label="轉接或留言處理：主動提供協助", max_points=6)
    headers = [h for h in get_register("phone_tests").resource(user=admin).columns()]
    names = [c.column_name for c in headers]
    assert "U6 轉接或留言處理" in names and "U6 忙線或非承辦業務" not in names
    # The previous header still reads as the same item.
    path = write_xlsx(PHONE_HEADERS, [call()])
    outcome = run_import("phone_tests", path, user=admin)
    assert outcome.ok, messages(outcome)
    assert Rubric.objects.filter(kind=RubricKind.PHONE).count() == 2


# -- coaching ----------------------------------------------------------------------------------


def test_a_coaching_file_adds_entries_with_their_stages(write_xlsx, admin, agency_a, agency_b):
    rows = [
        entry(推薦日期="113/05/01", 書面初審日期="113/06/01", 未獲獎日期="113/06/20"),
        entry(機關代碼="B07", 參獎類別="社會創新共融", 年度=2024),
    ]
    outcome = run_import("coaching", write_xlsx(COACHING_HEADERS, rows), user=admin)

    assert outcome.ok, messages(outcome)
    ended = AwardCoaching.objects.get(agency=agency_a)
    assert (ended.year, ended.stage, ended.reached_level) == (2024, CoachingStage.NOT_AWARDED, 2)
    assert [(c.from_stage, c.to_stage, c.by) for c in ended.changes.all()] == [
        ("", "coaching", admin),
        ("coaching", "recommended", admin),
        ("recommended", "written_review", admin),
        ("written_review", "not_awarded", admin),
    ]
    assert [s.count for s in funnel(2024)] == [2, 1, 1, 0, 0, 0]


def test_a_file_may_add_later_stages_but_not_rewrite_recorded_ones(
    write_xlsx, admin, reviewer, agency_a, agency_b
):
    builders.make_coaching(agency_a, agency_b, reviewer)  # 113 長照交通接送 in coaching
    later = entry(
        參獎類別="社會創新共融",
        參獎方案名稱="長照交通接送",
        輔導日期="113/02/15",
        推薦日期="113/04/30",
    )
    assert run_import("coaching", write_xlsx(COACHING_HEADERS, [later]), user=admin).ok
    current = AwardCoaching.objects.get(title="長照交通接送")
    assert (current.stage, current.changes.count()) == (CoachingStage.RECOMMENDED, 2)

    rewrite = entry(
        參獎類別="社會創新共融", 參獎方案名稱="長照交通接送", 輔導日期="113/02/16", 推薦日期=""
    )
    outcome = run_import("coaching", write_xlsx(COACHING_HEADERS, [rewrite]), user=admin)
    assert messages(outcome) == [
        "第2列「輔導日期」：已登錄的階段日期（113/02/15）不能以匯入修改或刪除。",
        "第2列「推薦日期」：已登錄的階段日期（113/04/30）不能以匯入修改或刪除。",
    ]
    assert CoachingStageChange.objects.filter(coaching=current).count() == 2


def test_stages_must_be_passed_in_order(write_xlsx, admin, agency_a):
    rows = [
        entry(入圍日期="113/08/01"),
        entry(參獎方案名稱="二", 推薦日期="113/02/01"),
        entry(
            參獎方案名稱="三",
            推薦日期="113/04/01",
            書面初審日期="113/05/01",
            入圍日期="113/06/01",
            實地訪視日期="113/07/01",
            得獎日期="113/11/01",
            未獲獎日期="113/11/02",
        ),
        entry(參獎方案名稱="四", 輔導日期=""),
    ]
    outcome = run_import("coaching", write_xlsx(COACHING_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「入圍日期」：已填「入圍」的日期，請一併填寫之前各階段（推薦、書面初審）的日期："
        "每個階段須依序經過。",
        "第3列「推薦日期」：日期不可早於前一階段「輔導」的日期（113/03/01）。",
        "第4列「未獲獎日期」：已得獎的方案不填未獲獎日期。",
        "第5列「輔導日期」：此欄必填。",
    ]
    assert not AwardCoaching.objects.exists()


def test_coaching_bad_category_year_mix_up_and_duplicates(write_xlsx, admin, agency_a):
    rows = [
        entry(參獎類別="智慧城市"),
        entry(參獎方案名稱="二", 年度=12),
        entry(參獎方案名稱="三"),
        entry(參獎方案名稱="三", 年度=2024, 參獎類別="社會創新共融"),
    ]
    outcome = run_import("coaching", write_xlsx(COACHING_HEADERS, rows), user=admin)
    assert messages(outcome) == [
        "第2列「參獎類別」：「智慧城市」不是可選的值，請填：數位創新加值、社會創新共融。",
        "第3列「年度」：年度讀作民國12年（西元1923年），疑似民國年與西元年混用："
        "民國年請寫 2 至 3 位數（例如 112），西元年請寫 4 位數（例如 2023）。",
        "第5列：與第4列重複（「年度」「機關代碼」「參獎方案名稱」相同），同一筆資料只能出現一次。",
    ]


# -- admin and templates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "opts", ["evaluations_phonetest", "evaluations_audit", "evaluations_awardcoaching"]
)
def test_the_change_lists_link_import_template_and_exports(opts, client_as):
    client = client_as("admin")
    page = client.get(reverse(f"admin:{opts}_changelist")).content.decode()
    for name in ("import", "import_template"):
        assert f'href="{reverse(f"admin:{opts}_{name}")}"' in page
    assert f'href="{reverse(f"admin:{opts}_export", args=["csv"])}' in page
    upload = client.get(reverse(f"admin:{opts}_import")).content.decode()
    first_column = {"evaluations_awardcoaching": "年度"}.get(opts, "編號")
    assert f'<th scope="row">{first_column}</th>' in upload


def _template(client, opts):
    response = client.get(reverse(f"admin:{opts}_import_template"))
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_phone_template_has_the_routes_list_and_a_column_per_item(client_as):
    workbook = _template(client_as("admin"), "evaluations_phonetest")
    sheet = workbook["電話禮貌測試"]
    headers = [c.value for c in sheet[1]]
    example = dict(zip(headers, [c.value for c in sheet[2]], strict=True))
    assert headers[11:20] == [
        "S1 接聽速度",
        "S2 問候禮貌",
        "S3 轉接禮貌",
        *UNIT_ITEMS,
    ]
    assert "得分" not in headers  # computed, never imported
    assert (example["撥打方式"], example["S1 接聽速度"], example["U1 接聽速度"]) == (
        "直撥業務單位",
        None,
        15,
    )
    lists = {
        c[0].value: [x.value for x in c[1:] if x.value] for c in workbook[CHOICES_SHEET].columns
    }
    assert lists["撥打方式"] == ["經總機轉接（評總機及受話單位）", "直撥業務單位", "1999話務中心"]
    explanation = {r[0]: r for r in workbook[EXPLANATION_SHEET].iter_rows(values_only=True)}
    assert explanation["S1 接聽速度"][4] == "接聽速度：鈴響4聲或等候音樂10秒內接聽（預設配分25分）"


def test_the_coaching_template_lists_the_categories(client_as):
    workbook = _template(client_as("admin"), "evaluations_awardcoaching")
    lists = {
        c[0].value: [x.value for x in c[1:] if x.value] for c in workbook[CHOICES_SHEET].columns
    }
    assert lists == {"參獎類別": ["數位創新加值", "社會創新共融"]}
    assert [c.value for c in workbook["政府服務獎輔導"][1]] == [
        *COACHING_HEADERS[:4],
        *COACHING_HEADERS[4:],
        "備註",
    ]


def test_a_filled_audit_template_imports(client_as, admin, agency_a, tmp_path):
    client = client_as("admin")
    workbook = _template(client, "evaluations_audit")
    sheet = workbook["神秘客實地稽核"]
    headers = [c.value for c in sheet[1]]
    values = dict(zip(AUDIT_HEADERS, visit(), strict=True))
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=index, value=values.get(header))
    path = tmp_path / "filled.xlsx"
    workbook.save(path)

    outcome = run_import("audits", path, user=admin)

    assert outcome.ok, messages(outcome)
    assert Audit.objects.get().score == Decimal("100.00")


def test_csv_export_of_phone_tests_escapes_formulas(admin, reviewer, agency_a, agency_b, tmp_path):
    builders.make_phone_tests(agency_a, agency_b, reviewer)
    rows = read_csv(export("phone_tests", "csv", None, admin, tmp_path).read_bytes())
    units = {r[0]: r[2] for r in rows[1:]}
    assert units["TEL-113-0002"] == "'" + builders.FORMULA
    assert time(14, 5, 30).strftime("%H:%M:%S") in {r[7] for r in rows[1:]}


def _export_queries(register, admin, tmp_path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        export(register, "csv", None, admin, tmp_path)
    return len(queries)


# register -> (builder, the children an export reads with each row, their link to the row)
EXPORTED = {
    "phone_tests": (builders.make_phone_tests, "scores", "test"),
    "audits": (builders.make_audits, "scores", "audit"),
    "coaching": (builders.make_coaching, "changes", "coaching"),
}


def _copy(row, n, children, link):
    kids = list(getattr(row, children).all())
    row.pk = None
    if hasattr(row, "reference"):
        row.reference = f"{row.reference[:-4]}9{n:03d}"
    else:
        row.title = f"{row.title}{n}"
    row.save()
    for kid in kids:
        kid.pk = None
        setattr(kid, link, row)
        kid.save()


@pytest.mark.parametrize("register", sorted(EXPORTED))
def test_an_export_reads_a_fixed_number_of_queries_whatever_the_rows(
    register, admin, reviewer, agency_a, agency_b, tmp_path
):
    make, children, link = EXPORTED[register]
    make(agency_a, agency_b, reviewer)
    few = _export_queries(register, admin, tmp_path)
    model = get_register(register).model
    first = model.objects.order_by("pk").first().pk
    for n in range(5):
        _copy(model.objects.get(pk=first), n, children, link)

    assert model.objects.count() >= 7
    assert _export_queries(register, admin, tmp_path) == few

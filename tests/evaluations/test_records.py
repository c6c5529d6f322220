"""Recording telephone tests and audits: the scores on worked examples, the checks, the
references, and who may record."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import rubrics, services
from evaluations.choices import CallRoute, RubricKind
from evaluations.evaluation import compute_evaluation, finalize_evaluation
from evaluations.models import PhoneTest
from tests.evaluations.conftest import full_points, make_audit, make_phone_test

pytestmark = pytest.mark.django_db

DAY = date(2024, 3, 26)


@pytest.fixture
def phone_rubric(db):
    return rubrics.rubric_for(RubricKind.PHONE, 2024)


@pytest.fixture
def audit_rubric(db):
    return rubrics.rubric_for(RubricKind.AUDIT, 2024)


def test_a_call_through_the_switchboard_is_scored_on_both_groups(phone_rubric):
    # Switchboard 45: speed 25 missed (rang 6 times); business unit 55: content 10 → 6.
    points = full_points(phone_rubric, CallRoute.SWITCHBOARD, S1=0, U5=6)
    scored = services.score_points(phone_rubric, points, route=CallRoute.SWITCHBOARD)
    assert scored.total == Decimal("71.0")
    assert scored.max_total == 100
    assert scored.score == Decimal("71.00")


def test_a_direct_call_is_scored_out_of_the_business_unit_items(phone_rubric):
    # 55 possible; 45 given (content 5 of 10, alternative 0 of 5): 45 ÷ 55 × 100 = 81.818…
    points = full_points(phone_rubric, CallRoute.DIRECT, U5=5, U6=0)
    scored = services.score_points(phone_rubric, points, route=CallRoute.DIRECT)
    assert (scored.total, scored.max_total) == (Decimal("45.0"), Decimal("55.0"))
    assert scored.score == Decimal("81.82")


def test_an_audit_is_scored_out_of_100(audit_rubric):
    points = full_points(audit_rubric, E3=2, T5=0, F8=0.5, P2=7.5)
    scored = services.score_points(audit_rubric, points)
    # 100 − 3 (bilingual signs) − 5 (ID badge) − 0.5 (reading glasses) − 2.5 (documents)
    assert scored.total == Decimal("89.0")
    assert scored.score == Decimal("89.00")


def test_points_above_the_maximum_are_refused_by_item(audit_rubric):
    points = full_points(audit_rubric, E1=6, T1=-1)
    with pytest.raises(ValidationError) as info:
        services.score_points(audit_rubric, points)
    assert info.value.message_dict == {
        "E1": ["「環境整潔」的得分須介於0到5分。"],
        "T1": ["「起身迎接服務」的得分須介於0到6分。"],
    }


def test_every_applicable_item_needs_points(phone_rubric):
    points = full_points(phone_rubric, CallRoute.DIRECT)
    del points["U3"]
    with pytest.raises(ValidationError) as info:
        services.score_points(phone_rubric, points, route=CallRoute.DIRECT)
    assert "U3" in info.value.message_dict


def test_switchboard_items_are_refused_on_a_direct_call(phone_rubric):
    points = full_points(phone_rubric, CallRoute.SWITCHBOARD)
    with pytest.raises(ValidationError) as info:
        services.score_points(phone_rubric, points, route=CallRoute.DIRECT)
    assert set(info.value.message_dict) == {"S1", "S2", "S3"}


def test_points_have_at_most_one_decimal(audit_rubric):
    with pytest.raises(ValidationError, match="小數點後一位"):
        services.score_points(audit_rubric, full_points(audit_rubric, E1="4.25"))


def test_a_recorded_test_keeps_its_scores_and_rubric(reviewer, agency_a):
    test = make_phone_test(reviewer, agency_a, DAY, U5=5, U6=0)
    assert test.reference == "TEL-113-0001"
    assert test.rubric.year == 2024
    assert (test.total, test.max_total, test.score) == (45, 55, Decimal("81.82"))
    assert {s.item.code: s.points for s in test.scores.select_related("item")}["U5"] == 5
    assert test.scores.count() == 6


def test_references_count_up_within_a_year(reviewer, agency_a):
    make_phone_test(reviewer, agency_a, DAY)
    second = make_phone_test(reviewer, agency_a, DAY)
    next_year = make_phone_test(reviewer, agency_a, date(2025, 1, 6))
    assert second.reference == "TEL-113-0002"
    assert next_year.reference == "TEL-114-0001"
    assert make_audit(reviewer, agency_a, DAY).reference == "AUD-113-0001"


def test_a_record_date_must_be_in_its_rubrics_year(reviewer, agency_a, phone_rubric):
    with pytest.raises(ValidationError) as info:
        services.record_phone_test(
            by=reviewer,
            rubric=phone_rubric,
            points=full_points(phone_rubric, CallRoute.DIRECT),
            agency=agency_a,
            unit="養護工程科",
            route=CallRoute.DIRECT,
            phone_number="06-2991111",
            tested_on=date(2025, 1, 2),
            tested_at=None,
            tester="陳專員",
            rings=3,
        )
    assert info.value.message_dict["tested_on"] == [
        "日期須在113年度內（本紀錄使用113年度評分表）。"
    ]


def test_a_test_needs_rings_or_seconds(reviewer, agency_a, phone_rubric):
    with pytest.raises(ValidationError, match="響鈴聲數或接聽秒數"):
        services.record_phone_test(
            by=reviewer,
            rubric=phone_rubric,
            points=full_points(phone_rubric, CallRoute.DIRECT),
            agency=agency_a,
            unit="養護工程科",
            route=CallRoute.DIRECT,
            phone_number="06-2991111",
            tested_on=DAY,
            tested_at=None,
            tester="陳專員",
        )


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_bureau_users_cannot_record(cast, agency_a, who):
    with pytest.raises(PermissionDenied):
        make_phone_test(cast[who], agency_a, DAY)


def test_correcting_a_test_rescores_it_and_keeps_a_history(reviewer, agency_a):
    test = make_phone_test(reviewer, agency_a, DAY)
    assert test.score == 100
    points = full_points(test.rubric, CallRoute.DIRECT, U1=0)
    services.update_phone_test(
        test,
        by=reviewer,
        points=points,
        agency=agency_a,
        unit="養護工程科",
        route=CallRoute.DIRECT,
        phone_number="06-2991111",
        tested_on=DAY,
        tested_at=test.tested_at,
        tester="陳專員",
        rings=7,
    )
    test.refresh_from_db()
    assert (test.total, test.score) == (40, Decimal("72.73"))
    assert test.history.count() == 2
    assert test.history.first().history_change_reason == "修正測試紀錄"


def test_a_final_years_records_cannot_change(reviewer, agency_a):
    test = make_phone_test(reviewer, agency_a, DAY)
    compute_evaluation(2024, by=reviewer, today=date(2025, 1, 15))
    finalize_evaluation(2024, by=reviewer)
    with pytest.raises(ValidationError, match="113年度服務效能評比已確定"):
        make_phone_test(reviewer, agency_a, DAY)
    with pytest.raises(ValidationError, match="已確定"):
        services.update_phone_test(
            test,
            by=reviewer,
            points=full_points(test.rubric, CallRoute.DIRECT),
            agency=agency_a,
            unit="x",
            route=CallRoute.DIRECT,
            phone_number="1",
            tested_on=DAY,
            tested_at=test.tested_at,
            tester="x",
            rings=1,
        )
    assert PhoneTest.objects.count() == 1

"""The annual service-effectiveness evaluation on a worked example, the ranking rules, and the
agencies needing improvement feeding next year's audit targets."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import evaluation
from evaluations.choices import CallRoute, TargetBasis
from evaluations.models import AuditTarget, EvaluationResult, EvaluationSettings
from petitions.models import PetitionSettings
from tainan_rdec.choices import AgencyKind
from tainan_rdec.models import Agency
from tests.evaluations.conftest import make_audit, make_petition, make_phone_test, taipei

pytestmark = pytest.mark.django_db

TODAY = date(2025, 1, 15)


@pytest.fixture
def rules(db):
    rules = EvaluationSettings.get()
    rules.weight_phone, rules.weight_audit, rules.weight_petition = 40, 30, 30
    rules.threshold, rules.bottom_n = Decimal(80), 1
    rules.save()
    petitions = PetitionSettings.get()
    petitions.min_cases_for_ranking = 1
    petitions.save()
    return rules


@pytest.fixture
def worked_example(rules, reviewer, agency_a, agency_b, district_office):
    """工務局: a direct call 45/55 (81.82) and a switchboard call 100 → 90.91; an audit 84;
    4 cases fell due, 3 closed on time → 75.0%.
    水利局: one switchboard call 60; no audit; no cases.
    新營區公所: one audit 90, nothing else."""
    make_phone_test(reviewer, agency_a, date(2024, 3, 26), U5=5, U6=0)
    make_phone_test(reviewer, agency_a, date(2024, 9, 2), route=CallRoute.SWITCHBOARD)
    make_audit(reviewer, agency_a, date(2024, 5, 7), T1=0, T3=0, F9=0, F6=0)  # 100 − 16
    for closed in (taipei(2024, 3, 5, 10), taipei(2024, 3, 5, 11), taipei(2024, 3, 6, 9)):
        make_petition(agency_a, taipei(2024, 3, 4, 9), closed=closed)
    make_petition(agency_a, taipei(2024, 3, 4, 9), closed=taipei(2024, 3, 20, 9))  # late
    # Both answering-speed items missed: 100 − 25 − 15.
    make_phone_test(reviewer, agency_b, date(2024, 4, 1), route=CallRoute.SWITCHBOARD, S1=0, U1=0)
    make_audit(reviewer, district_office, date(2024, 6, 3), P1=0)
    return evaluation.compute_evaluation(2024, by=reviewer, today=TODAY)


def results_by_code(run):
    return {r.agency.code: r for r in run.results.select_related("agency")}


def test_each_component_on_the_worked_example(worked_example):
    a = results_by_code(worked_example)["B06"]
    assert (a.phone_count, a.phone_score) == (2, Decimal("90.91"))
    assert (a.audit_count, a.audit_score) == (1, Decimal("84.00"))
    assert (a.petition_fell_due, a.petition_on_time, a.petition_score) == (4, 3, Decimal("75.00"))


def test_the_total_is_the_weighted_mean_of_the_components(worked_example):
    a = results_by_code(worked_example)["B06"]
    # (40 × 90.91 + 30 × 84 + 30 × 75) ÷ 100 = 84.064
    assert a.total_score == Decimal("84.06")
    assert evaluation.formula(a) == "(40 × 90.91 + 30 × 84.00 + 30 × 75.00) ÷ 100 = 84.06"


def test_a_component_without_data_is_left_out_and_the_weights_rescaled(worked_example):
    results = results_by_code(worked_example)
    b, d = results["B07"], results["D01"]
    assert (b.phone_score, b.audit_score, b.petition_score) == (Decimal("60.00"), None, None)
    assert b.total_score == Decimal("60.00")
    assert b.petition_note == "本年度無屆期陳情案件，不列入計分。"
    assert d.total_score == Decimal("90.00")  # the audit alone


def test_agencies_are_ranked_and_the_weak_ones_marked(worked_example):
    results = results_by_code(worked_example)
    assert [(c, results[c].rank) for c in ("D01", "B06", "B07")] == [
        ("D01", 1),
        ("B06", 2),
        ("B07", 3),
    ]
    assert results["B07"].below_threshold and results["B07"].in_bottom_n
    assert results["B07"].needs_improvement
    assert not results["B06"].needs_improvement  # 84.06 ≥ 80 and not the last
    assert set(results) == {"B06", "B07", "D01"}  # only agencies with a test or an audit


def test_the_run_keeps_the_settings_it_used(worked_example, rules):
    rules.weight_phone, rules.weight_audit, rules.weight_petition = 20, 40, 40
    rules.save()
    worked_example.refresh_from_db()
    assert worked_example.weights == {"phone": 40, "audit": 30, "petition": 30}
    assert worked_example.bottom_n == 1


def test_recomputing_uses_the_new_settings(worked_example, rules, reviewer):
    rules.weight_phone, rules.weight_audit, rules.weight_petition = 20, 40, 40
    rules.save()
    run = evaluation.compute_evaluation(2024, by=reviewer, today=TODAY)
    # (20 × 90.91 + 40 × 84 + 40 × 75) ÷ 100 = 81.782
    assert results_by_code(run)["B06"].total_score == Decimal("81.78")
    assert EvaluationResult.objects.filter(evaluation__year=2024).count() == 3


def test_too_few_closed_cases_leave_the_petition_component_out(worked_example, reviewer):
    petitions = PetitionSettings.get()
    petitions.min_cases_for_ranking = 30
    petitions.save()
    a = results_by_code(evaluation.compute_evaluation(2024, by=reviewer, today=TODAY))["B06"]
    assert a.petition_score is None
    assert a.petition_note == "結案件數未達排名門檻，不列入計分。"
    # (40 × 90.91 + 30 × 84) ÷ 70 = 87.948…
    assert a.total_score == Decimal("87.95")


def line(code, total):
    return evaluation.Line(Agency(code=code, sort_order=0), Decimal(total), {})


def test_equal_totals_share_a_rank_and_ties_at_the_cut_are_included():
    lines = evaluation.rank_lines(
        [line("A", 90), line("B", 85), line("C", 85), line("D", 70)],
        threshold=Decimal(75),
        bottom_n=2,
    )
    assert [(x.agency.code, x.rank) for x in lines] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]
    assert [x.agency.code for x in lines if x.in_bottom_n] == ["B", "C", "D"]
    assert [x.agency.code for x in lines if x.below_threshold] == ["D"]


def test_bottom_zero_marks_only_those_below_the_threshold():
    lines = evaluation.rank_lines([line("A", 90), line("B", 70)], threshold=Decimal(60), bottom_n=0)
    assert not any(x.in_bottom_n or x.below_threshold for x in lines)


def test_the_weights_must_add_up_to_100(rules):
    rules.weight_petition = 20
    with pytest.raises(ValidationError, match="三項權重合計須為100，目前為90"):
        rules.full_clean()


def test_finalizing_puts_the_weak_agencies_on_next_years_targets(worked_example, reviewer):
    evaluation.finalize_evaluation(2024, by=reviewer)
    targets = {t.agency.code: t for t in AuditTarget.objects.filter(year=2025)}
    weak = targets["B07"]
    assert weak.basis == TargetBasis.NEEDS_IMPROVEMENT
    assert weak.source == results_by_code(worked_example)["B07"]
    assert weak.note == "113年度服務效能評比總分60.00分，第3名"
    assert "B06" not in targets
    districts = Agency.objects.filter(kind=AgencyKind.DISTRICT_OFFICE, active=True)
    assert {c for c, t in targets.items() if t.basis == TargetBasis.DISTRICT_OFFICE} == set(
        districts.values_list("code", flat=True)
    )


def test_a_district_office_needing_improvement_is_listed_for_that_reason(
    rules, reviewer, district_office, agency_a
):
    make_audit(reviewer, district_office, date(2024, 6, 3), P1=0, P2=0, T4=0)  # 72
    make_audit(reviewer, agency_a, date(2024, 6, 3))
    evaluation.compute_evaluation(2024, by=reviewer, today=TODAY)
    evaluation.finalize_evaluation(2024, by=reviewer)
    target = AuditTarget.objects.get(year=2025, agency=district_office)
    assert target.basis == TargetBasis.NEEDS_IMPROVEMENT


def test_audits_recorded_before_the_list_count_for_their_target(rules, reviewer, agency_b):
    make_phone_test(reviewer, agency_b, date(2024, 4, 1), U5=0, U6=0)  # 40 ÷ 55: below 80
    early = make_audit(reviewer, agency_b, date(2025, 1, 6))
    assert early.target is None
    evaluation.compute_evaluation(2024, by=reviewer, today=TODAY)
    evaluation.finalize_evaluation(2024, by=reviewer)
    early.refresh_from_db()
    assert early.target.basis == TargetBasis.NEEDS_IMPROVEMENT
    later = make_audit(reviewer, agency_b, date(2025, 2, 3))
    assert later.target == early.target


def test_generating_the_list_again_adds_nothing(worked_example, reviewer):
    evaluation.finalize_evaluation(2024, by=reviewer)
    count = AuditTarget.objects.filter(year=2025).count()
    assert evaluation.generate_audit_targets(2025, by=reviewer) == []
    assert AuditTarget.objects.filter(year=2025).count() == count


def test_a_final_year_cannot_be_recomputed_or_finalized_again(worked_example, reviewer):
    evaluation.finalize_evaluation(2024, by=reviewer)
    with pytest.raises(ValidationError, match="已確定，不能重新計算"):
        evaluation.compute_evaluation(2024, by=reviewer, today=TODAY)
    with pytest.raises(ValidationError, match="已確定"):
        evaluation.finalize_evaluation(2024, by=reviewer)


def test_bureau_users_cannot_compute(cast, rules):
    with pytest.raises(PermissionDenied):
        evaluation.compute_evaluation(2024, by=cast["manager_a"], today=TODAY)


def test_bureau_users_see_only_their_own_final_line(worked_example, cast, reviewer):
    assert not EvaluationResult.objects.visible_to(cast["staff_a"]).exists()
    evaluation.finalize_evaluation(2024, by=reviewer)
    visible = EvaluationResult.objects.visible_to(cast["staff_a"])
    assert list(visible.values_list("agency__code", flat=True)) == ["B06"]
    assert EvaluationResult.objects.visible_to(reviewer).count() == 3

"""The demo seeder: a year of tests and audits, the final evaluation, the 112年 funnel; and a
second run adds nothing."""

from datetime import date
from io import StringIO

import pytest

from evaluations import coaching, demo
from evaluations.choices import PIPELINE, ImprovementStatus, TargetBasis
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditTarget,
    AwardCoaching,
    ImprovementItem,
    PhoneTest,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)


@pytest.fixture
def seeded(cast):
    out = StringIO()
    demo.seed(out, today=TODAY)
    return out.getvalue()


def test_a_year_of_phone_tests_audits_and_improvement_items(seeded):
    assert PhoneTest.objects.in_year(2024).count() == 370
    assert PhoneTest.objects.in_year(2024).values("agency", "unit").distinct().count() == 175
    assert Audit.objects.in_year(2024).count() == 95
    assert Audit.objects.in_year(2024).filter(agency__kind="district").count() >= 74
    assert "113年度電話禮貌測試 370 通、實地稽核 95 次" in seeded
    # Audit items in every state an audit's item takes last year (a plan is the petitions
    # timeliness items' step); open ones this year at the demo bureaus.
    last_year = ImprovementItem.objects.filter(audit__visited_on__year=2024)
    states = set(last_year.values_list("status", flat=True))
    assert states == {
        ImprovementStatus.OPEN,
        ImprovementStatus.REPORTED,
        ImprovementStatus.VERIFIED,
    }
    this_year = ImprovementItem.objects.filter(
        audit__agency__code__in=["B06", "B07"], audit__visited_on__year=2025
    )
    assert this_year.filter(status=ImprovementStatus.OPEN).count() == 2


def test_the_year_is_evaluated_and_the_112_award_funnel_is_there(seeded):
    run = AnnualEvaluation.objects.get(year=2024)
    assert run.is_final
    flagged = set(run.results.filter(needs_improvement=True).values_list("agency", flat=True))
    assert flagged
    targets = AuditTarget.objects.filter(year=2025, basis=TargetBasis.NEEDS_IMPROVEMENT)
    assert set(targets.values_list("agency", flat=True)) == flagged
    # The Government Service Award funnel of 112年.
    assert [step.count for step in coaching.funnel(2023)] == [64, 6, 6, 4, 4, 2]
    assert AwardCoaching.objects.filter(year=2023).count() == 64
    winners = AwardCoaching.objects.filter(year=2023, stage=PIPELINE[-1])
    assert winners.count() == 2


def test_a_second_run_adds_nothing(seeded):
    counts = (
        PhoneTest.objects.count(),
        Audit.objects.count(),
        ImprovementItem.objects.count(),
        AwardCoaching.objects.count(),
        AuditTarget.objects.count(),
    )
    out = StringIO()
    demo.seed(out, today=TODAY)
    assert (
        PhoneTest.objects.count(),
        Audit.objects.count(),
        ImprovementItem.objects.count(),
        AwardCoaching.objects.count(),
        AuditTarget.objects.count(),
    ) == counts
    assert "已存在，略過" in out.getvalue()

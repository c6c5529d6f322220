"""The service-quality parts of the executive briefing (evaluations/briefing.py): phone tests
with their scope, audits by why their agency was on the list, the award funnel per year."""

from __future__ import annotations

from datetime import date

import pytest

from evaluations import briefing, coaching, evaluation
from evaluations.choices import AwardCategory, CallRoute, CoachingStage, TargetBasis
from evaluations.models import PhoneTest
from tainan_rdec.briefing.content import Span
from tests.evaluations.conftest import make_audit, make_phone_test

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 15)
SPAN = Span(113, 114, TODAY)


def test_phone_tests_count_agencies_and_units_and_the_two_lines(reviewer, agency_a, agency_b):
    make_phone_test(reviewer, agency_a, date(2024, 3, 26))
    make_phone_test(reviewer, agency_b, date(2024, 3, 27))  # 養護工程科 too: another unit
    other = make_phone_test(reviewer, agency_a, date(2024, 3, 28), route=CallRoute.SWITCHBOARD)
    PhoneTest.objects.filter(pk=other.pk).update(unit="總機")
    make_phone_test(reviewer, agency_b, date(2025, 3, 26), route=CallRoute.HOTLINE)
    figures = briefing.phone_tests_by_year(SPAN)
    assert {k: figures[113][k] for k in ("n", "agencies", "units", "hotline", "switchboard")} == {
        "n": 3,
        "agencies": 2,
        "units": 3,
        "hotline": 0,
        "switchboard": 1,
    }
    assert figures[114]["hotline"] == 1
    assert figures[113]["mean"] == figures[114]["mean"]  # full points, two decimals


def test_audits_are_told_apart_by_why_their_agency_was_listed(reviewer, agency_a, district_office):
    evaluation.add_audit_target(
        2024, district_office, by=reviewer, basis=TargetBasis.DISTRICT_OFFICE
    )
    evaluation.add_audit_target(2024, agency_a, by=reviewer, basis=TargetBasis.NEEDS_IMPROVEMENT)
    make_audit(reviewer, district_office, date(2024, 5, 7))
    make_audit(reviewer, agency_a, date(2024, 6, 7))
    part = briefing.build(SPAN)[1]
    assert [c.label for c in part.tables[0].columns][3:] == [
        "區公所例行稽核",
        "市府服務櫃台",
        "前一年度待加強機關",
        "其他",
    ]
    assert part.tables[0].text_rows()[0][:2] + part.tables[0].text_rows()[0][3:] == [
        "113年",
        "2",
        "1",
        "0",
        "1",
        "0",
    ]


def test_the_funnel_counts_the_entries_that_reached_each_stage_per_year(reviewer, agency_a):
    entry = coaching.create_coaching(
        by=reviewer,
        year=2024,
        agency=agency_a,
        category=AwardCategory.SOCIAL,
        title="高齡友善服務",
        on_date=date(2024, 3, 1),
    )
    for stage in (CoachingStage.RECOMMENDED, CoachingStage.WRITTEN_REVIEW):
        coaching.advance_coaching(entry, by=reviewer, to_stage=stage, on_date=date(2024, 5, 1))
    coaching.advance_coaching(
        entry, by=reviewer, to_stage=CoachingStage.NOT_AWARDED, on_date=date(2024, 6, 1)
    )
    assert briefing.funnel_by_year(SPAN) == {113: [1, 1, 1, 0, 0, 0], 114: [0] * 6}
    part = briefing.build(SPAN)[2]
    assert [h.display for h in part.headlines] == ["1案", "1案", "0案", "0案"]
    assert part.source.url == "/evaluations/service-award/114/"

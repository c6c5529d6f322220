"""Government Service Award coaching: stages one at a time, the funnel and its chart."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import coaching
from evaluations.charts import funnel_chart
from evaluations.choices import PIPELINE, AwardCategory, CoachingStage
from tainan_rdec.models import Agency

pytestmark = pytest.mark.django_db

START = date(2023, 3, 1)


def enter(reviewer, agency, title="智慧櫃台一站式服務"):
    return coaching.create_coaching(
        by=reviewer,
        year=2023,
        agency=agency,
        category=AwardCategory.DIGITAL,
        title=title,
        on_date=START,
    )


def move(entry, reviewer, *stages):
    for n, stage in enumerate(stages, start=1):
        entry = coaching.advance_coaching(
            entry, by=reviewer, to_stage=stage, on_date=date(2023, 4, n)
        )
    return entry


def test_a_new_entry_is_in_coaching_with_its_first_step(reviewer, agency_a):
    entry = enter(reviewer, agency_a)
    assert entry.stage == CoachingStage.COACHING
    assert list(entry.changes.values_list("from_stage", "to_stage")) == [("", "coaching")]


def test_an_entry_moves_one_stage_at_a_time(reviewer, agency_a):
    entry = enter(reviewer, agency_a)
    with pytest.raises(ValidationError) as info:
        coaching.advance_coaching(
            entry, by=reviewer, to_stage=CoachingStage.SHORTLISTED, on_date=START
        )
    assert info.value.message_dict["to_stage"] == ["目前階段為「輔導」，只能改為：推薦、未獲獎。"]
    entry = move(entry, reviewer, CoachingStage.RECOMMENDED, CoachingStage.WRITTEN_REVIEW)
    assert entry.stage == CoachingStage.WRITTEN_REVIEW


def test_an_ended_entry_keeps_how_far_it_got(reviewer, agency_a):
    entry = move(
        enter(reviewer, agency_a),
        reviewer,
        CoachingStage.RECOMMENDED,
        CoachingStage.WRITTEN_REVIEW,
        CoachingStage.SHORTLISTED,
        CoachingStage.NOT_AWARDED,
    )
    assert entry.stage == CoachingStage.NOT_AWARDED
    assert entry.reached_stage == CoachingStage.SHORTLISTED
    with pytest.raises(ValidationError, match="已結束"):
        coaching.advance_coaching(
            entry, by=reviewer, to_stage=CoachingStage.SITE_VISIT, on_date=date(2023, 9, 1)
        )


def test_a_step_cannot_be_dated_before_the_last(reviewer, agency_a):
    entry = enter(reviewer, agency_a)
    with pytest.raises(ValidationError, match="不可早於前一階段"):
        coaching.advance_coaching(
            entry, by=reviewer, to_stage=CoachingStage.RECOMMENDED, on_date=date(2023, 2, 1)
        )


def test_the_same_plan_cannot_be_entered_twice(reviewer, agency_a):
    enter(reviewer, agency_a)
    with pytest.raises(ValidationError, match="已有同名的參獎方案"):
        enter(reviewer, agency_a)


def test_bureau_users_cannot_enter_or_move(cast, reviewer, agency_a):
    with pytest.raises(PermissionDenied):
        enter(cast["manager_a"], agency_a)
    entry = enter(reviewer, agency_a)
    with pytest.raises(PermissionDenied):
        move(entry, cast["staff_a"], CoachingStage.RECOMMENDED)


def test_the_funnel_of_112_is_64_6_4_2(reviewer, city_agencies):
    agencies = list(Agency.objects.order_by("sort_order")[:64])
    up_to_award = PIPELINE[1:]
    up_to_visit = PIPELINE[1:5]
    for n, agency in enumerate(agencies):
        entry = enter(reviewer, agency, title=f"方案{n}")
        if n < 2:
            move(entry, reviewer, *up_to_award)
        elif n < 4:
            move(entry, reviewer, *up_to_visit, CoachingStage.NOT_AWARDED)
        elif n < 6:
            move(entry, reviewer, *PIPELINE[1:3], CoachingStage.NOT_AWARDED)
        else:
            move(entry, reviewer, CoachingStage.NOT_AWARDED)
    counts = {step.stage: step.count for step in coaching.funnel(2023)}
    assert [counts[s] for s in PIPELINE] == [64, 6, 6, 4, 4, 2]
    assert coaching.funnel(2024)[0].count == 0


def test_the_funnel_chart_scales_bars_to_the_first_stage(reviewer, agency_a, agency_b):
    move(enter(reviewer, agency_a), reviewer, *PIPELINE[1:])
    enter(reviewer, agency_b)
    chart = funnel_chart(coaching.funnel(2023))
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 488.0  # the plot's full width: 640 − 96 − 56
    assert widths[1:] == [244.0] * 5
    assert [bar.share for bar in chart.bars][1:3] == [50, 100]
    assert chart.bars[1].x == 96 + (488 - 244) / 2  # centred: a funnel
    assert "輔導2個" in chart.description and "得獎1個" in chart.description

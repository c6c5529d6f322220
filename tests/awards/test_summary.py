"""The summary against hand-counted data: the briefing's 108–112 table (合計 1,662), a small
set counted by hand by year and agency, and only confirmed awards counting."""

from datetime import datetime

import pytest

from awards import charts, stats
from awards.choices import AwardClass, AwardState
from awards.models import Award
from tainan_rdec.models import Agency
from tainan_rdec.workdays import TAIPEI
from tests.awards.factories import make_award

pytestmark = pytest.mark.django_db

# DOMAIN.md: the city's published table for 108–112年.
BRIEFING = {
    AwardClass.INTERNATIONAL: 43,
    AwardClass.NATIONAL: 229,
    AwardClass.FIRST_PLACE: 86,
    AwardClass.SECOND_PLACE: 80,
    AwardClass.THIRD_PLACE: 58,
    AwardClass.MERIT: 454,
    AwardClass.EXCELLENT: 267,
    AwardClass.GRADE_A: 92,
    AwardClass.OTHER: 353,
}
# How many of each class we mark 首獎及卓越成績 ("nearly 900" in the briefing): 890.
TOP = {
    AwardClass.INTERNATIONAL: 43,
    AwardClass.NATIONAL: 160,
    AwardClass.FIRST_PLACE: 86,
    AwardClass.SECOND_PLACE: 0,
    AwardClass.THIRD_PLACE: 0,
    AwardClass.MERIT: 272,
    AwardClass.EXCELLENT: 214,
    AwardClass.GRADE_A: 18,
    AwardClass.OTHER: 97,
}


REVIEWED_AT = datetime(2024, 3, 26, 10, 0, tzinfo=TAIPEI)


def _row(agency, year, award_class, i, *, state=AwardState.CONFIRMED, is_top=False):
    return Award(
        agency=agency,
        roc_year=year,
        name=f"{award_class}-{state}-{i}",
        awarding_body="測試頒獎單位",
        award_class=award_class,
        is_top=is_top,
        state=state,
        return_reason="重複" if state == AwardState.RETURNED else "",
        reviewed_at=REVIEWED_AT if state != AwardState.REGISTERED else None,
    )


@pytest.fixture
def briefing_awards(city_agencies):
    """1,662 confirmed awards of 108–112 with the briefing's subtotals, spread over the years
    and forty agencies in turn; plus awards that must not count: waiting, returned, and
    confirmed ones of 107 and 113."""
    agencies = list(Agency.objects.order_by("sort_order")[:40])
    rows = []
    n = 0
    for award_class, count in BRIEFING.items():
        for i in range(count):
            rows.append(
                _row(
                    agencies[n % 40],
                    108 + n % 5,
                    award_class,
                    i,
                    is_top=i < TOP[award_class],
                )
            )
            n += 1
    for i in range(30):
        rows.append(_row(agencies[i], 110, AwardClass.NATIONAL, i, state=AwardState.REGISTERED))
        rows.append(_row(agencies[i], 111, AwardClass.MERIT, i, state=AwardState.RETURNED))
        rows.append(_row(agencies[i], 107, AwardClass.OTHER, 1000 + i))
        rows.append(_row(agencies[i], 113, AwardClass.OTHER, 2000 + i))
    Award.objects.bulk_create(rows)


def test_the_briefings_108_to_112_table_adds_up_to_1662(briefing_awards):
    summary = stats.build_summary(108, 112)

    assert {row.award_class: row.count for row in summary.classes} == BRIEFING
    assert [row.label for row in summary.classes] == [
        "國際大獎", "國內大獎", "第1名", "第2名", "第3名", "績優", "優等", "甲等", "其他",
    ]  # fmt: skip
    assert summary.total == 1662
    assert summary.top == 890
    assert sum(row.total for row in summary.by_year) == 1662
    assert sum(row.total for row in summary.by_agency) == 1662
    # 1,662 awards dealt to five years in turn: 333, 333, 332, 332, 332.
    assert [row.total for row in summary.by_year] == [333, 333, 332, 332, 332]


def test_summary_runs_two_queries_however_many_awards(briefing_awards, django_assert_num_queries):
    with django_assert_num_queries(2):
        stats.build_summary(108, 112)


@pytest.fixture
def hand_counted(agency_a, agency_b, city_agencies):
    """Eleven awards; eight count in 110–112 (see the test for the hand count)."""
    district = Agency.objects.get(code="D01")
    a = [
        (111, AwardClass.NATIONAL, True),
        (111, AwardClass.MERIT, False),
        (112, AwardClass.FIRST_PLACE, True),
        (112, AwardClass.OTHER, False),
    ]
    b = [
        (112, AwardClass.INTERNATIONAL, True),
        (112, AwardClass.MERIT, True),
        (110, AwardClass.GRADE_A, False),
    ]
    for year, award_class, top in a:
        make_award(agency_a, roc_year=year, award_class=award_class, is_top=top)
    for year, award_class, top in b:
        make_award(agency_b, roc_year=year, award_class=award_class, is_top=top)
    make_award(district, roc_year=112, award_class=AwardClass.EXCELLENT)
    # Not counted: waiting, returned, and outside 110–112.
    make_award(agency_a, roc_year=112, award_class=AwardClass.NATIONAL, state=AwardState.REGISTERED)
    make_award(
        agency_b, roc_year=111, award_class=AwardClass.THIRD_PLACE, state=AwardState.RETURNED
    )
    make_award(agency_a, roc_year=109, award_class=AwardClass.NATIONAL, is_top=True)
    return district


def test_hand_counted_classes_and_headline(hand_counted):
    summary = stats.build_summary(110, 112)

    assert [row.count for row in summary.classes] == [1, 1, 1, 0, 0, 2, 1, 1, 1]
    assert [row.top for row in summary.classes] == [1, 1, 1, 0, 0, 1, 0, 0, 0]
    assert (summary.total, summary.top) == (8, 4)


def test_hand_counted_by_year(hand_counted):
    summary = stats.build_summary(110, 112)

    assert [(r.label, r.total, r.top) for r in summary.by_year] == [
        ("110年", 1, 0),
        ("111年", 2, 1),
        ("112年", 5, 3),
    ]
    assert summary.by_year[2].counts == [1, 0, 1, 0, 0, 1, 1, 0, 1]


def test_hand_counted_by_agency_most_awards_first(hand_counted):
    summary = stats.build_summary(110, 112)

    assert [(r.label, r.total, r.top) for r in summary.by_agency] == [
        ("臺南市政府工務局", 4, 2),
        ("臺南市政府水利局", 3, 2),
        ("臺南市新營區公所", 1, 0),
    ]


def test_confirming_an_award_brings_it_into_the_count(hand_counted, cast, agency_a):
    from awards import services

    waiting = Award.objects.get(state=AwardState.REGISTERED)
    services.confirm_award(waiting, by=cast["reviewer"])

    summary = stats.build_summary(110, 112)
    assert summary.total == 9
    assert summary.classes[1].count == 2  # 國內大獎


def test_a_year_without_awards_is_a_row_of_zeros(hand_counted):
    summary = stats.build_summary(108, 112)

    assert [(r.label, r.total) for r in summary.by_year][:2] == [("108年", 0), ("109年", 1)]


def test_default_range_is_the_five_years_before_this_one():
    assert stats.default_range(113) == (108, 112)


# -- charts ------------------------------------------------------------------------------------


def test_class_chart_bars_are_proportional_and_described(hand_counted):
    chart = charts.class_chart(stats.build_summary(110, 112))

    widths = {bar.label: bar.width for bar in chart.bars}
    assert widths["績優"] == charts.CLASS_PLOT_WIDTH  # the largest class fills the plot
    assert widths["國際大獎"] == charts.CLASS_PLOT_WIDTH / 2
    assert widths["第2名"] == 0
    assert chart.description.startswith("110年至112年各類獎項件數，合計8件：國際大獎1、國內大獎1")


def test_year_chart_stacks_other_awards_on_top_results(hand_counted):
    chart = charts.year_chart(stats.build_summary(110, 112))

    last = chart.columns[-1]  # 112: 5 awards, 3 of them top results; the tallest column
    assert (last.total, last.top, last.other) == (5, 3, 2)
    assert last.top_height == pytest.approx(charts.YEAR_PLOT_HEIGHT * 3 / 5)
    assert last.top_y + last.top_height == chart.baseline
    assert last.other_y == pytest.approx(chart.top)
    assert "112年5件（首獎及卓越成績3件）" in chart.description


def test_charts_of_an_empty_range_draw_nothing(city_agencies):
    summary = stats.build_summary(90, 91)

    assert [bar.width for bar in charts.class_chart(summary).bars] == [0] * 9
    assert all(c.top_height == c.other_height == 0 for c in charts.year_chart(summary).columns)

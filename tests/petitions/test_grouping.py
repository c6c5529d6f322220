"""One problem, many callers (重複陳情歸併): cases registered through the services, grouped by the
full-run task — same category, within 50 m or at the same address, within 3 working days of
each other, descriptions alike — and a reviewer's groups left alone by a regrouping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from petitions import grouping
from petitions.grouping import normalise_address, pieces, similar
from petitions.models import Case, ProblemGroup
from petitions.tasks import group_cases_task

pytestmark = pytest.mark.django_db

# 中華東路一段 at 東門路 (a pothole), and points 30 m north and 200 m east of it.
HERE = (Decimal("22.990000"), Decimal("120.220000"))
THIRTY_M_NORTH = (Decimal("22.990270"), Decimal("120.220000"))
TWO_HUNDRED_M_EAST = (Decimal("22.990000"), Decimal("120.221950"))
POTHOLE = "中華東路一段路面坑洞，機車行經危險"


def at_place(make_case, received, where=HERE, description=POTHOLE, **fields):
    return make_case(
        received, latitude=where[0], longitude=where[1], description=description, **fields
    )


def groups() -> list[list[str]]:
    """The groups as sorted lists of case numbers, sorted."""
    found = {}
    for number, group in Case.objects.filter(problem_group__isnull=False).values_list(
        "case_number", "problem_group"
    ):
        found.setdefault(group, []).append(number)
    return sorted(sorted(numbers) for numbers in found.values())


def run() -> dict:
    return group_cases_task.delay().get()


@pytest.mark.parametrize(
    ("address", "place"),
    [
        ("臺南市東區大學路1號", "東區大學路1號"),
        ("台南市 東區 大學路１號３樓之２", "東區大學路1號"),
        ("臺南市中西區民族路二段25號之1", "中西區民族路二段25號之1"),
        ("臺南市東區大學路", ""),  # a road alone is no place
        ("", ""),
    ],
)
def test_an_address_is_a_place_only_with_its_house_number(address, place):
    assert normalise_address(address) == place


def test_descriptions_of_one_problem_are_alike_and_of_two_are_not():
    assert similar(pieces(POTHOLE), pieces("中華東路一段有坑洞，很危險"))
    assert not similar(pieces(POTHOLE), pieces("中華東路一段路樹傾倒擋住車道"))
    assert not similar(pieces(""), pieces(POTHOLE))


def test_callers_of_one_pothole_over_three_working_days_are_one_problem(make_case):
    # Mon 113.3.4, Tue, and the following Fri 3.8 (3 working days after Tue), 30 m apart.
    first = at_place(make_case, "2024-03-04 09:00")
    second = at_place(make_case, "2024-03-05 14:00", THIRTY_M_NORTH, "中華東路一段有坑洞，很危險")
    third = at_place(make_case, "2024-03-08 08:00", description="中華東路一段路面坑洞未修復")

    result = run()

    assert groups() == [sorted([first.case_number, second.case_number, third.case_number])]
    assert (result["groups"], result["grouped_cases"], result["cases"]) == (1, 3, 3)
    group = ProblemGroup.objects.get()
    assert (group.case_count, group.category, group.handling_agency) == (
        3,
        first.category,
        first.handling_agency,
    )
    assert (group.first_received_at, group.last_received_at) == (
        first.received_at,
        third.received_at,
    )
    assert (group.latitude, group.longitude) == HERE


def test_a_later_call_farther_away_in_time_or_space_is_another_problem(make_case):
    first = at_place(make_case, "2024-03-04 09:00")
    second = at_place(make_case, "2024-03-05 09:00")
    at_place(make_case, "2024-03-11 09:00")  # 5 working days after the last call
    at_place(make_case, "2024-03-05 10:00", TWO_HUNDRED_M_EAST)  # 200 m away
    at_place(make_case, "2024-03-05 11:00", description="中華東路一段路樹傾倒擋住車道")
    at_place(make_case, "2024-03-05 12:00", code="0201", description=POTHOLE)  # 路燈故障

    run()

    assert groups() == [sorted([first.case_number, second.case_number])]


def test_a_problem_reported_a_working_day_apart_across_a_weekend_and_a_chain(make_case):
    # Fri 3.8 and Mon 3.11 are one working day apart; Thu 3.14 is three after Mon.
    friday = at_place(make_case, "2024-03-08 16:00")
    monday = at_place(make_case, "2024-03-11 09:00")
    thursday = at_place(make_case, "2024-03-14 09:00")

    run()

    assert groups() == [sorted([friday.case_number, monday.case_number, thursday.case_number])]


def test_callers_at_one_address_are_one_problem_without_coordinates(make_case):
    first = make_case("2024-03-04 09:00", address="臺南市東區大學路1號", description=POTHOLE)
    second = make_case("2024-03-05 09:00", address="台南市東區大學路１號２樓", description=POTHOLE)
    make_case("2024-03-05 10:00", address="臺南市東區大學路", description=POTHOLE)  # no number

    run()

    assert groups() == [sorted([first.case_number, second.case_number])]


def test_regrouping_gives_the_same_groups_and_keeps_no_stale_one(make_case):
    first = at_place(make_case, "2024-03-04 09:00")
    second = at_place(make_case, "2024-03-05 09:00")
    run()
    before = groups()

    again = run()

    assert groups() == before == [sorted([first.case_number, second.case_number])]
    assert ProblemGroup.objects.count() == again["groups"] == 1


def test_a_regrouping_keeps_a_groups_number_while_its_problem_goes_on(make_case, client_as):
    # Two callers, then a third the next working day; grouped as they arrived.
    calls = [at_place(make_case, f"2024-03-0{day} 09:00") for day in (4, 5, 6)]
    elsewhere = [
        at_place(make_case, f"2024-03-0{day} 10:00", where=TWO_HUNDRED_M_EAST) for day in (4, 5)
    ]
    bookmarked = ProblemGroup.objects.get(first_case=calls[0])
    other = ProblemGroup.objects.get(first_case=elsewhere[0])

    run()

    # The nightly run gives the same problems the same numbers: the bookmark still opens.
    assert ProblemGroup.objects.get(first_case=calls[0]).pk == bookmarked.pk
    assert ProblemGroup.objects.get(first_case=elsewhere[0]).pk == other.pk
    response = client_as("reviewer").get(f"/petitions/groups/{bookmarked.pk}/")
    assert response.status_code == 200
    assert calls[2].case_number in response.content.decode()


def test_a_split_problem_keeps_its_number_on_the_larger_piece(make_case):
    # Two calls on Monday, one on Thursday (three working days later) and one on the Tuesday
    # after (three more): one problem while the Thursday call links the two ends.
    early = [at_place(make_case, "2024-03-04 09:00"), at_place(make_case, "2024-03-04 10:00")]
    bridge = at_place(make_case, "2024-03-07 09:00")
    late = at_place(make_case, "2024-03-12 09:00")
    group = ProblemGroup.objects.get(first_case=early[0])
    assert group.case_count == 4
    # The Thursday call turns out to be about another place: the ends are two problems.
    Case.objects.filter(pk=bridge.pk).update(
        latitude=TWO_HUNDRED_M_EAST[0], longitude=TWO_HUNDRED_M_EAST[1]
    )

    run()

    group.refresh_from_db()
    assert group.case_count == 2
    assert sorted(group.cases.values_list("pk", flat=True)) == sorted(c.pk for c in early)
    assert Case.objects.get(pk=late.pk).problem_group is None
    assert ProblemGroup.objects.count() == 1


def test_a_regrouping_a_few_groups_a_query_keeps_changes_and_drops_what_ended(
    make_case, monkeypatch
):
    """The full run names groups a ``WRITE_BATCH`` at a time (a city's five years make 76,807
    groups, more than SQLite takes parameters in one query): here one at a time."""
    monkeypatch.setattr(grouping, "WRITE_BATCH", 1)
    here = [at_place(make_case, f"2024-03-0{day} 09:00") for day in (4, 5, 6)]
    east = [
        at_place(make_case, f"2024-03-0{day} 10:00", where=TWO_HUNDRED_M_EAST) for day in (4, 5)
    ]
    kept, ended = (ProblemGroup.objects.get(first_case=calls[0]) for calls in (here, east))
    # The third call here and the second east were about other places after all (apart).
    for case, north in ((here[2], "23.100000"), (east[1], "23.200000")):
        Case.objects.filter(pk=case.pk).update(latitude=Decimal(north), address="")

    run()

    kept.refresh_from_db()
    assert kept.case_count == 2 and kept.last_received_at == here[1].received_at
    assert not ProblemGroup.objects.filter(pk=ended.pk).exists()
    assert groups() == [sorted(c.case_number for c in here[:2])]


def test_a_quiet_night_writes_nothing(make_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from petitions.grouping import group_all

    for day in (4, 5, 6):
        at_place(make_case, f"2024-03-0{day} 09:00")
        at_place(make_case, f"2024-03-0{day} 10:00", where=TWO_HUNDRED_M_EAST, code="0201")
    group_all()  # what arrived is now as the full run sees it

    with CaptureQueriesContext(connection) as queries:
        outcome = group_all()

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert outcome.groups == 2
    assert writes == []
    assert ProblemGroup.objects.count() == 2


def test_a_reviewers_group_and_its_cases_stay_where_the_reviewer_put_them(make_case):
    # A reviewer kept two calls apart from a third at the same pothole (a split).
    kept = [at_place(make_case, "2024-03-04 09:00"), at_place(make_case, "2024-03-04 10:00")]
    other = at_place(make_case, "2024-03-04 11:00")
    alone = at_place(make_case, "2024-03-04 12:00")
    group = ProblemGroup.objects.create(
        category=kept[0].category,
        handling_agency=kept[0].handling_agency,
        first_received_at=kept[0].received_at,
        last_received_at=kept[1].received_at,
        case_count=2,
        kept=True,
    )
    Case.objects.filter(pk__in=[c.pk for c in kept]).update(problem_group=group, group_kept=True)

    run()

    assert groups() == sorted(
        [
            sorted(c.case_number for c in kept),
            sorted([other.case_number, alone.case_number]),
        ]
    )
    assert ProblemGroup.objects.filter(kept=True).get() == group


def test_nothing_to_group_is_no_error(db):
    assert run() == {"cases": 0, "groups": 0, "grouped_cases": 0, "seconds": 0.0}

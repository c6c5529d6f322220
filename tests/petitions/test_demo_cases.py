"""The demo case generator (petitions/demo/): 3,000 cases over the five years to 2025-06-30."""

import re
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest

from petitions import demo
from petitions.choices import CaseStatus, Channel
from petitions.demo import catalogue
from petitions.models import Case, CaseTransfer, DailyRollup, Event
from petitions.rollups import computed_table, direct_stats, rollup_table
from tainan_rdec.workdays import (
    TAIPEI,
    WorkingCalendar,
    due_date,
    processing_working_days,
    to_local_date,
)

N = 3_000
TODAY = date(2025, 6, 30)
FIELDS = (
    "case_number",
    "channel",
    "received_at",
    "subcategory_id",
    "district_id",
    "handling_agency_id",
    "due_date",
    "closed_at",
    "status",
    "processing_days",
    "satisfaction",
    "event_id",
    "petitioner_name",
)


@pytest.fixture
def generated(open1999, city_agencies):
    assert demo.generate_cases(N, today=TODAY) == N
    return list(Case.objects.select_related("subcategory__category").order_by("case_number"))


def snapshot():
    return list(Case.objects.order_by("case_number").values_list(*FIELDS))


def test_it_writes_n_cases_in_five_years_mostly_by_the_1999_hotline(generated):
    received = [to_local_date(c.received_at) for c in generated]
    channels = Counter(c.channel for c in generated)

    assert len(generated) == N
    assert TODAY - timedelta(days=5 * 366) < min(received) and max(received) < TODAY
    assert channels.most_common(1)[0][0] == Channel.HOTLINE_1999
    assert channels[Channel.HOTLINE_1999] > N * 0.6
    assert len({c.category_id for c in generated}) == 11
    assert all(re.fullmatch(r"UN\d{8}\d{4,}", c.case_number) for c in generated)
    assert all(c.case_number[2:10] == f"{to_local_date(c.received_at):%Y%m%d}" for c in generated)
    assert all(re.fullmatch(r"09\d{2}-\d{3}-\d{3}", c.petitioner_phone) for c in generated)


def test_summer_typhoon_months_and_weekdays_are_busier(generated):
    by_month = Counter(to_local_date(c.received_at).month for c in generated)
    by_weekday = Counter(to_local_date(c.received_at).weekday() for c in generated)

    assert by_month[7] + by_month[8] + by_month[9] > 1.25 * (
        by_month[1] + by_month[2] + by_month[11]
    )
    assert by_weekday[0] > 1.3 * by_weekday[6]


def test_the_lantern_festival_is_an_event_with_a_spike(generated):
    event = Event.objects.get(name="2024台灣燈會")
    in_event = [
        c for c in generated if event.start_date <= to_local_date(c.received_at) <= event.end_date
    ]
    days = (event.end_date - event.start_date).days + 1
    average = N / (5 * 365)

    assert (event.start_date, event.end_date) == (date(2024, 2, 24), date(2024, 3, 10))
    assert set(event.districts.values_list("name", flat=True)) >= {"安南區", "歸仁區"}
    assert len(in_event) / days > 3 * average
    assert Case.objects.filter(event=event).count() >= N * catalogue.EVENT_SHARE


def test_due_dates_and_outcomes_follow_the_working_day_calendar(generated):
    calendar = WorkingCalendar.for_years(2020, 2026)
    closed = [c for c in generated if c.status == CaseStatus.CLOSED]

    for case in generated:
        limit = case.subcategory.effective_time_limit
        assert case.due_date == due_date(case.received_at, limit, calendar=calendar)
        assert case.category_id == case.subcategory.category_id
    for case in closed:
        days = processing_working_days(case.received_at, case.closed_at, calendar=calendar)
        assert case.processing_days == days
        assert case.closed_on_time == (to_local_date(case.closed_at) <= case.due_date)
        assert case.closed_at.astimezone(TAIPEI).date() < TODAY
    assert 0.85 * N < len(closed) < N
    assert any(c.processing_days == catalogue.HALF_DAY for c in closed)


def test_slow_agencies_close_late_far_more_often(generated):
    slow = set(catalogue.SLOW_AGENCIES)
    late = Counter()
    total = Counter()
    for case in generated:
        if case.status == CaseStatus.CLOSED:
            key = case.handling_agency.code in slow
            total[key] += 1
            late[key] += not case.closed_on_time

    assert late[True] / total[True] > 3 * late[False] / total[False]


def test_some_cases_are_transferred_reopened_and_rated(generated):
    transfers = list(CaseTransfer.objects.select_related("case").order_by("case", "at", "pk"))
    chains: dict[int, list] = {}
    for transfer in transfers:
        chains.setdefault(transfer.case_id, []).append(transfer)

    assert transfers
    for chain in chains.values():
        case = chain[0].case
        # The first transfer the day it was received, each next one a day later; each from the
        # agency the last one sent it to, ending at its handling agency, which received it first.
        assert [t.at - case.received_at for t in chain] == [
            timedelta(days=step) for step in range(len(chain))
        ]
        assert all(t.from_agency_id != t.to_agency_id for t in chain)
        assert all(a.to_agency_id == b.from_agency_id for a, b in pairwise(chain))
        assert chain[-1].to_agency_id == case.handling_agency_id
        assert case.receiving_agency_id == chain[0].from_agency_id
    lengths = Counter(len(chain) for chain in chains.values())
    assert set(lengths) == {1, 2} and lengths[2] >= 3  # misrouted twice: transfer chains
    assert any(c.reopened_count for c in generated)
    assert any(c.satisfaction for c in generated)
    assert all(c.status == CaseStatus.CLOSED for c in generated if c.satisfaction)


def test_the_rollups_equal_a_rebuild_and_a_direct_computation(generated):
    stored = rollup_table()

    assert DailyRollup.objects.exists()
    assert stored == computed_table()
    assert stored == direct_stats()


def test_a_second_run_writes_nothing_and_a_rerun_on_an_empty_table_is_identical(generated):
    before = snapshot()

    assert demo.generate_cases(N, today=TODAY) == 0
    assert snapshot() == before

    CaseTransfer.objects.all().delete()
    Case.objects.all().delete()
    assert demo.generate_cases(N, today=TODAY) == N
    assert snapshot() == before
    assert Event.objects.filter(name="2024台灣燈會").count() == 1


def test_some_calls_repeat_an_earlier_call_about_the_same_problem(generated):
    """One problem, many callers: a share of the calls name the same place and complaint as an
    earlier call that day about the same category in the same district, in other words, so the
    grouping rule (same category, same place, similar words) joins them."""
    from petitions.grouping import group_all, pieces, similar

    by_problem: dict[tuple, list[Case]] = {}
    for case in generated:
        key = (to_local_date(case.received_at), case.category_id, case.address)
        by_problem.setdefault(key, []).append(case)
    repeated = [cases for cases in by_problem.values() if len(cases) > 1]
    assert len(repeated) >= N // catalogue.REPEAT_EVERY // 3
    assert any(
        a.description != b.description and similar(pieces(a.description), pieces(b.description))
        for a, b, *_rest in repeated
    )
    outcome = group_all()
    assert outcome.groups >= len(repeated) // 2

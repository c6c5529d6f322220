"""Statistics from the rollups, on a worked example, and rollups equal to a direct computation."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions import stats
from petitions.choices import CaseStatus, Channel
from petitions.models import DailyRollup, MonthlyRollup, PetitionSettings
from petitions.rollups import (
    computed_table,
    direct_stats,
    fold_past_months,
    rebuild_rollups,
    rollup_table,
)
from petitions.services import close_case, record_first_response, reopen_case, transfer_case
from petitions.tasks import rebuild_rollups_task
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db

MARCH = {"start": date(2024, 3, 1), "end": date(2024, 3, 31)}
TODAY = date(2024, 6, 1)

# The worked example: ten 道路維修 cases (limit 3) received Mon 113.3.4, due Thu 3.7, and one
# 動物救援 case (limit 1) received Fri 3.29, due Mon 4.1. (close day, satisfaction); None = open.
#   case  channel  closed   working days  on time  satisfaction
#   1     1999     3.4      0.5           yes      5
#   2     1999     3.5      1             yes      4
#   3     1999     3.5      1             yes      -
#   4     1999     3.6      2             yes      3
#   5     1999     3.7      3             yes      -
#   6     網路     3.7      3             yes      5
#   7     網路     3.8      4             no       -
#   8     網路     3.11     5             no       1
#   9     網路     open (overdue since 3.7)
#   10    網路     open, 動物救援, due 4.1 (after March)
EXAMPLE = [
    (Channel.HOTLINE_1999, "2024-03-04 17:00", 5),
    (Channel.HOTLINE_1999, "2024-03-05 10:00", 4),
    (Channel.HOTLINE_1999, "2024-03-05 11:00", None),
    (Channel.HOTLINE_1999, "2024-03-06 10:00", 3),
    (Channel.HOTLINE_1999, "2024-03-07 10:00", None),
    (Channel.WEB, "2024-03-07 16:00", 5),
    (Channel.WEB, "2024-03-08 10:00", None),
    (Channel.WEB, "2024-03-11 10:00", 1),
    (Channel.WEB, None, None),
]


@pytest.fixture
def worked_example(make_case):
    cases = []
    for channel, closed, satisfaction in EXAMPLE:
        case = make_case("2024-03-04 09:00", code="0501", channel=channel)
        if closed:
            close_case(case, at=taipei(closed), satisfaction=satisfaction)
        cases.append(case)
    cases.append(make_case("2024-03-29 09:00", code="0901", channel=Channel.WEB))
    assert cases[-1].due_date == date(2024, 4, 1)
    return cases


def test_timeliness_by_agency_on_the_worked_example(worked_example, agency_a):
    [row] = stats.timeliness_by("agency", **MARCH, today=TODAY)
    assert (row.key, row.label) == (agency_a.pk, agency_a.name)
    assert (row.received, row.closed, row.closed_on_time) == (10, 8, 6)
    assert row.closed_on_time_pct == Decimal("75.0")  # 6 / 8
    # Nine cases fell due in March (case 10 falls due in April); six were closed by then.
    assert (row.fell_due, row.fell_due_closed_on_time) == (9, 6)
    assert row.on_time_closure_rate == Decimal("66.7")  # 6 / 9
    assert row.overdue_rate == Decimal("25.0")  # 2 late / 8 closed
    # (0.5 + 1 + 1 + 2 + 3 + 3 + 4 + 5) / 8 = 19.5 / 8 = 2.4375
    assert row.mean_days == Decimal("2.4")
    # Nearest rank: ⌈0.9 × 8⌉ = 8th smallest of 0.5 1 1 2 3 3 4 5 → 5.
    assert row.p90_days == Decimal(5)
    assert row.histogram == {"0.5": 1, "1": 2, "2": 1, "3": 2, "4": 1, "5": 1}
    assert row.mean_satisfaction == Decimal("3.60")  # (5 + 4 + 3 + 5 + 1) / 5
    assert row.overdue_open == 1  # case 9; case 10 is not due in March
    assert row.ranked is False  # 8 closed < 30
    assert row.flagged is True  # 25% > 3%


def test_an_agency_is_ranked_from_the_minimum_number_of_closed_cases(worked_example):
    PetitionSettings.objects.update_or_create(pk=1, defaults={"min_cases_for_ranking": 8})
    [row] = stats.timeliness_by("agency", **MARCH, today=TODAY)
    assert row.ranked is True


def test_an_agency_at_or_below_the_overdue_threshold_is_not_flagged(worked_example):
    PetitionSettings.objects.update_or_create(pk=1, defaults={"overdue_flag_rate": 25})
    [row] = stats.timeliness_by("agency", **MARCH, today=TODAY)
    assert row.flagged is False


def test_timeliness_by_channel_on_the_worked_example(worked_example):
    hotline, web = stats.timeliness_by("channel", **MARCH, today=TODAY)
    assert (hotline.key, hotline.label) == (Channel.HOTLINE_1999, "1999專線")
    assert (hotline.received, hotline.closed, hotline.closed_on_time_pct) == (5, 5, 100)
    assert hotline.mean_days == Decimal("1.5")  # (0.5 + 1 + 1 + 2 + 3) / 5
    assert hotline.p90_days == Decimal(3)  # ⌈4.5⌉ = 5th of 0.5 1 1 2 3
    assert hotline.flagged is False
    assert (web.received, web.closed, web.closed_on_time) == (5, 3, 1)
    assert web.closed_on_time_pct == Decimal("33.3")
    assert (web.fell_due, web.fell_due_closed_on_time) == (4, 1)
    assert web.on_time_closure_rate == Decimal("25.0")
    assert web.mean_days == Decimal("4.0")  # (3 + 4 + 5) / 3
    assert web.p90_days == Decimal(5)
    assert web.mean_satisfaction == Decimal("3.00")  # (5 + 1) / 2
    assert web.overdue_open == 1


def test_timeliness_by_month_counts_due_dates_in_their_month(worked_example):
    march, april = stats.timeliness_by(
        "month", start=date(2024, 3, 1), end=date(2024, 4, 30), today=TODAY
    )
    assert (march.key, march.label) == (date(2024, 3, 1), "113年3月")
    assert (march.received, march.fell_due, march.overdue_open) == (10, 9, 1)
    # The month's histogram, added in the database by month as by agency above.
    assert march.histogram == {"0.5": 1, "1": 2, "2": 1, "3": 2, "4": 1, "5": 1}
    assert march.p90_days == Decimal(5)
    assert (april.received, april.closed, april.fell_due, april.overdue_open) == (0, 0, 1, 1)
    assert april.on_time_closure_rate == Decimal(0)


def test_cases_not_yet_due_do_not_lower_the_on_time_closure_rate(worked_example):
    # On 113.3.7 the cases due that day may still close on time: nothing has fallen due yet.
    [row] = stats.timeliness_by("agency", **MARCH, today=date(2024, 3, 7))
    assert (row.fell_due, row.on_time_closure_rate, row.overdue_open) == (0, None, 0)


def test_timeliness_by_category_and_district(make_case, worked_example):
    from tainan_rdec.models import District

    district = District.objects.order_by("sort_order").first()
    make_case("2024-03-12 09:00", code="0501", district=district)
    road, animals = stats.timeliness_by("category", **MARCH, today=TODAY)
    assert (road.label, road.received, animals.label, animals.received) == (
        "道路維修",
        10,
        "動物救援",
        1,
    )
    rows = {r.key: r for r in stats.timeliness_by("district", **MARCH, today=TODAY)}
    assert rows[""].received == 10 and rows[""].label == "未填行政區"
    assert (rows[district.code].received, rows[district.code].label) == (1, district.name)


def test_timeliness_can_be_limited_to_agencies(worked_example, agency_b):
    assert stats.timeliness_by("agency", **MARCH, agency_ids=[agency_b.pk], today=TODAY) == []


def test_volume_top_categories_and_total(worked_example):
    # By month, then by channel code ("hotline" before "web").
    assert stats.volume_by_month_and_channel(date(2024, 1, 1), date(2024, 12, 31)) == [
        {"month": date(2024, 3, 1), "channel": Channel.HOTLINE_1999, "received": 5},
        {"month": date(2024, 3, 1), "channel": Channel.WEB, "received": 5},
    ]
    top = stats.top_categories(date(2024, 1, 1), date(2024, 12, 31), n=1)
    assert [(t["name"], t["received"]) for t in top] == [("道路維修", 9)]
    assert stats.total_received(date(2024, 1, 1), date(2024, 12, 31)) == 10
    assert stats.total_received(date(2024, 4, 1), date(2024, 4, 30)) == 0


def test_p90_is_the_nearest_rank():
    # Ten values 0.5 0.5 0.5 1 1 1 1 2 2 9: ⌈0.9 × 10⌉ = 9th smallest = 2.
    assert stats.percentile_nearest_rank({"9": 1, "0.5": 3, "1": 4, "2": 2}) == Decimal(2)
    assert stats.percentile_nearest_rank({}) is None


def _random_cases(make_case, cast, agencies, rng, n):
    from tainan_rdec.models import District

    districts = [None, *District.objects.order_by("sort_order")[:4]]
    codes = ["0101", "0201", "0501", "0502", "0801", "0901", "1001", "1101"]
    start = taipei("2024-01-01 00:00")
    users = {cast["staff_a"].agency_id: cast["staff_a"], cast["staff_b"].agency_id: cast["staff_b"]}
    for _ in range(n):
        # Hours 0-23 in Taipei: receipts just after midnight fall on the previous UTC day.
        received = start + timedelta(days=rng.randrange(0, 170), hours=rng.randrange(0, 24))
        case = make_case(
            received,
            code=rng.choice(codes),
            agency=rng.choice(agencies),
            channel=rng.choice(Channel.values),
            district=rng.choice(districts),
        )
        if rng.random() < 0.2:
            to = rng.choice([a for a in agencies if a.pk != case.handling_agency_id])
            transfer_case(case, to, by=cast["reviewer"], reason="改分")
        if rng.random() < 0.5:
            record_first_response(
                case, at=received + timedelta(hours=1), by=users.get(case.handling_agency_id)
            )
        closes = rng.choices([0, 1, 2], weights=[2, 6, 2])[0]
        at = received
        for i in range(closes):
            if i:
                reopen_case(case, by=cast["reviewer"])
            at = at + timedelta(hours=rng.choice([1, 5, 20, 30, 70, 150, 400]))
            close_case(case, at=at, satisfaction=rng.choice([None, 1, 3, 4, 5]))
        if closes and rng.random() < 0.1:
            reopen_case(case, by=cast["reviewer"])  # left open after a reopen


def test_rollups_kept_by_the_services_equal_a_rebuild_and_a_direct_computation(
    make_case, cast, agency_a, agency_b, rdec_agency
):
    # 180 cases over 170 days: every month, every kind of row, each contribution rule met
    # many times (the services take ~0.13 s a case here, so not more).
    n = 180
    _random_cases(make_case, cast, [agency_a, agency_b, rdec_agency], random.Random(1999), n)
    kept = rollup_table()
    direct = direct_stats()
    assert kept == direct
    assert computed_table() == direct
    city_months = [r for k, r in kept.items() if k[0] == "month" and k[2:4] == ("total", 0)]
    assert sum(r["received"] for r in city_months) == n
    assert sum(r["closed"] for r in city_months) > n // 2
    assert len({k[1].month for k in kept}) >= 6
    # Every row kind counts each case once: the city's rows of each dimension add up alike.
    for dimension in ("total", "category", "channel", "district"):
        rows = [r for k, r in kept.items() if k[0] == "day" and k[2:4] == (dimension, 0)]
        assert sum(r["received"] for r in rows) == n

    written = rebuild_rollups()
    assert written == len(direct)
    assert rollup_table() == direct


def test_a_rebuild_of_a_range_repairs_only_that_range(make_case, cast, agency_a, agency_b):
    _random_cases(make_case, cast, [agency_a, agency_b], random.Random(7), 60)
    # The nightly task on a night of 113.4: March is over and kept by month only.
    with time_machine.travel(taipei("2024-04-10 02:00"), tick=False):
        fold_past_months()
        expected = rollup_table()
        assert expected and not DailyRollup.objects.filter(day__lt=date(2024, 4, 1)).exists()
        MonthlyRollup.objects.filter(month__month=3).update(received=99, histogram={})
        DailyRollup.objects.filter(day__month=4).update(received=99, histogram={})
        DailyRollup.objects.filter(day__month=5).delete()
        MonthlyRollup.objects.filter(month__month=5).update(closed=0)
        rebuild_rollups_task.delay("2024-03-01", "2024-05-31")
    assert rollup_table() == expected
    assert rollup_table(date(2024, 3, 1), date(2024, 5, 31)) == direct_stats(
        date(2024, 3, 1), date(2024, 5, 31)
    )


def test_the_nightly_task_keeps_the_months_that_are_over_by_month(
    make_case, cast, agency_a, agency_b
):
    _random_cases(make_case, cast, [agency_a, agency_b], random.Random(8), 40)

    def monthly_rows():
        return {
            (r.month, r.dimension, r.agency_key, r.value): (r.received, r.closed, r.histogram)
            for r in MonthlyRollup.objects.all()
        }

    months = monthly_rows()
    assert DailyRollup.objects.exists()
    # Today is long after the cases (113.1–113.6): every month of theirs is over.
    rebuild_rollups_task.delay()
    today = timezone.localdate()
    assert PetitionSettings.get().daily_rollups_from == today.replace(day=1)
    assert not DailyRollup.objects.exists()
    assert monthly_rows() == months
    assert rollup_table() == direct_stats()


def test_reopened_cases_are_open_in_the_statistics(make_case):
    case = make_case("2024-03-04 09:00")
    close_case(case, at=taipei("2024-03-05 09:00"))
    reopen_case(case)
    [row] = stats.timeliness_by("agency", **MARCH, today=TODAY)
    assert (row.closed, row.fell_due, row.overdue_open) == (0, 1, 1)
    assert case.status == CaseStatus.REOPENED


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    assert not [q for q in ctx.captured_queries if "petitions_case" in q["sql"]]
    return len(ctx.captured_queries)


def _all_stats():
    for dimension in stats.DIMENSIONS:
        stats.timeliness_by(dimension, start=date(2024, 1, 1), end=date(2024, 12, 31), today=TODAY)
    stats.volume_by_month_and_channel(date(2024, 1, 1), date(2024, 12, 31))
    stats.top_categories(date(2024, 1, 1), date(2024, 12, 31))
    stats.total_received(date(2024, 1, 1), date(2024, 12, 31))


def test_statistics_query_count_does_not_grow_with_cases(make_case, cast, agency_a, agency_b):
    PetitionSettings.get()
    rng = random.Random(5)
    _random_cases(make_case, cast, [agency_a, agency_b], rng, 10)
    small = _queries(_all_stats)
    _random_cases(make_case, cast, [agency_a, agency_b], rng, 90)
    assert _queries(_all_stats) == small
    # The year runs past TODAY, so each sum reads two grains (whole past months by month, the
    # rest by day) in one query: for each of the five dimensions settings, totals and
    # histograms; labels for agency, category and district (channel and month need none).
    # The other three functions count to the real date, the year is over: one query each
    # (the volume by month, the others by year), plus the category names. None reads the
    # case table.
    assert small == 5 * (1 + 1 + 1) + 3 + (1 + 1 + 1 + 1)


def test_folding_the_months_that_are_over_changes_no_figure(make_case, cast, agency_a, agency_b):
    _random_cases(make_case, cast, [agency_a, agency_b], random.Random(9), 60)
    today = date(2024, 4, 10)

    def figures():
        whole, this_month = (date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 4, 1), today)
        return [
            stats.timeliness_by(dimension, start=start, end=end, today=today)
            for dimension in stats.DIMENSIONS
            for start, end in (whole, this_month, (whole[0], today))
        ]

    before = figures()
    assert any(row.closed for rows in before for row in rows)
    fold_past_months(today)
    assert not DailyRollup.objects.filter(day__lt=date(2024, 4, 1)).exists()
    assert DailyRollup.objects.filter(day__gte=date(2024, 4, 1)).exists()
    assert figures() == before


def test_whole_years_read_from_the_yearly_rows_give_the_figures_of_their_months(
    make_case, cast, agency_a, agency_b, monkeypatch
):
    _random_cases(make_case, cast, [agency_a, agency_b], random.Random(11), 60)
    today = date(2025, 3, 10)
    periods = [
        (date(2024, 1, 1), date(2024, 12, 31)),  # a year
        (date(2023, 12, 1), date(2025, 2, 28)),  # a month, a year, two months
        (date(2024, 1, 1), today),  # a year, two months and days
    ]

    def figures():
        with CaptureQueriesContext(connection) as ctx:
            result = [
                stats.timeliness_by(dimension, start=start, end=end, today=today)
                for dimension in stats.DIMENSIONS
                for start, end in periods
            ]
            result.append([stats.top_categories(start, end) for start, end in periods])
        yearly = any("petitions_yearlyrollup" in q["sql"] for q in ctx.captured_queries)
        return result, yearly

    by_year, read_years = figures()
    assert read_years and any(row.closed for rows in by_year[:-1] for row in rows)
    # Sums of sums read as their columns' types (PostgreSQL gives a Decimal for a sum of
    # bigint sums): counts as int, processing days as Decimal.
    for row in (row for rows in by_year[:-1] for row in rows):
        assert type(row.received) is type(row.closed) is type(row.overdue_open) is int
        assert type(row.processing_days_sum) is Decimal
    assert type(stats.total_received(*periods[1])) is int
    split = stats._split
    monkeypatch.setattr(
        stats, "_split", lambda start, end, today, years=True: split(start, end, today, years=False)
    )
    by_month, read_years = figures()
    assert not read_years
    assert by_year == by_month


def test_this_month_read_from_its_monthly_rows_gives_the_figures_of_its_days(
    make_case, cast, agency_a, agency_b, monkeypatch
):
    # Cases of 113.1–113.6: on 113.4.10 some of April's cases fall due after today, and some
    # in May and June. A period holding April whole reads it from its monthly rows and takes
    # off what falls due from today on; the figures are those of April's days.
    _random_cases(make_case, cast, [agency_a, agency_b], random.Random(12), 80)
    today = date(2024, 4, 10)
    periods = [
        (date(2024, 4, 1), date(2024, 4, 30)),  # this month
        (date(2024, 1, 1), date(2024, 4, 30)),  # months over and this month
        (date(2023, 1, 1), date(2024, 6, 30)),  # a year, months, this month and two after it
        (date(2024, 1, 1), today),  # part of this month: by day either way
    ]

    def figures():
        result = [
            stats.timeliness_by(dimension, start=start, end=end, today=today)
            for dimension in stats.DIMENSIONS
            for start, end in periods
        ]
        with time_machine.travel(taipei("2024-04-10 12:00"), tick=False):
            result.append([stats.volume_by_month_and_channel(s, e) for s, e in periods])
        return result

    by_month = figures()
    april = {
        row.key: row
        for row in stats.timeliness_by("month", start=periods[2][0], end=periods[2][1], today=today)
    }[date(2024, 4, 1)]
    assert april.fell_due and april.closed and april.histogram
    fell_due_later = DailyRollup.objects.filter(
        day__gte=today, day__lte=date(2024, 4, 30), fell_due__gt=0
    )
    assert fell_due_later.exists()

    rows_init = stats._Rows.__init__

    def days_only(self, *args, **kwargs):
        rows_init(self, *args, **kwargs)
        if self.from_today:  # this month back to its days, as before
            low, high = self.months.pop()
            self.days.append((low, stats._month_end(high)))
            self.from_today = None

    monkeypatch.setattr(stats._Rows, "__init__", days_only)
    by_day = figures()
    assert by_month == by_day


def test_part_of_a_month_kept_by_month_only_is_refused(make_case):
    make_case("2024-03-04 09:00")
    today = date(2024, 4, 10)
    fold_past_months(today)
    fold_past_months(date(2024, 2, 1))  # never back
    assert PetitionSettings.get().daily_rollups_from == date(2024, 4, 1)
    with pytest.raises(ValueError, match="by month only"):
        stats.timeliness_by("agency", start=date(2024, 3, 15), end=today, today=today)
    [row] = stats.timeliness_by("agency", start=date(2024, 3, 1), end=today, today=today)
    assert row.received == 1
    assert stats.timeliness_by("agency", start=date(2024, 4, 5), end=today, today=today) == []


def test_a_period_ending_on_a_months_last_day_reads_that_month_by_month():
    today = date(2026, 12, 7)
    assert stats._split(date(2024, 1, 1), date(2024, 12, 31), today, years=False) == (
        None,
        [(date(2024, 1, 1), date(2024, 12, 1))],
        [],
    )
    assert stats._split(date(2024, 1, 31), date(2024, 3, 31), today) == (
        None,
        [(date(2024, 2, 1), date(2024, 3, 1))],
        [(date(2024, 1, 31), date(2024, 1, 31))],
    )


def test_a_period_reads_its_whole_years_by_year_unless_grouped_by_month():
    today = date(2026, 3, 20)
    # Five years to the end of this month, as the dashboard asks: 110.4–110.12 and 115.1–115.2
    # by month, 111–114 by year, this month by day.
    assert stats._split(date(2021, 4, 1), date(2026, 3, 31), today) == (
        (date(2022, 1, 1), date(2025, 1, 1)),
        [(date(2021, 4, 1), date(2021, 12, 1)), (date(2026, 1, 1), date(2026, 2, 1))],
        [(date(2026, 3, 1), date(2026, 3, 31))],
    )
    assert stats._split(date(2021, 4, 1), date(2026, 3, 31), today, years=False) == (
        None,
        [(date(2021, 4, 1), date(2026, 2, 1))],
        [(date(2026, 3, 1), date(2026, 3, 31))],
    )
    # One whole year, and last year while this year's months are not all over.
    assert stats._split(date(2024, 1, 1), date(2024, 12, 31), today) == (
        (date(2024, 1, 1), date(2024, 1, 1)),
        [],
        [],
    )
    assert stats._split(date(2025, 1, 1), date(2026, 12, 31), today) == (
        (date(2025, 1, 1), date(2025, 1, 1)),
        [(date(2026, 1, 1), date(2026, 2, 1))],
        [(date(2026, 3, 1), date(2026, 12, 31))],
    )
    # No whole year: months only.
    assert stats._split(date(2024, 2, 1), date(2025, 1, 31), today) == (
        None,
        [(date(2024, 2, 1), date(2025, 1, 1))],
        [],
    )


def test_the_settings_admin_shows_the_first_day_kept_by_day_and_keeps_it(admin_client):
    fold_past_months(date(2024, 4, 10))
    url = f"/admin/petitions/petitionsettings/{PetitionSettings.get().pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "每日統計保留起日" in page.content.decode()
    form = page.context["adminform"].form
    assert "daily_rollups_from" not in form.fields
    data = {name: form.initial.get(name, "") for name in form.fields}
    assert admin_client.post(url, {**data, "daily_rollups_from": "2020-01-01"}).status_code == 302
    assert PetitionSettings.get().daily_rollups_from == date(2024, 4, 1)

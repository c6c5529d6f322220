"""``rebuild_rollups`` derives the city's rows from the agencies' and the monthly rows from the
daily ones: the cases where such a derivation could go wrong, each rebuilt from empty rollups
(as after an import that bypassed the services) and checked against a direct computation."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps

from petitions.models import ALL_AGENCIES, DailyRollup, MonthlyRollup, YearlyRollup
from petitions.rollups import (
    computed_table,
    direct_stats,
    fold_past_months,
    rebuild_rollups,
    rollup_table,
)
from petitions.services import close_case, transfer_case
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


def _figures(grain: str, period: date, agency_key: int, dimension: str = "total", value=""):
    return rollup_table()[(grain, period, dimension, agency_key, value)]


def _rebuilt_from_nothing() -> int:
    """Drop every rollup row the services kept and rebuild them all."""
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    written = rebuild_rollups()
    assert written == len(rollup_table())
    return written


def test_a_rebuild_counts_transferred_cases_for_each_agency_once_in_the_city(
    make_case, cast, agency_a, agency_b
):
    # Three cases received by agency A on Mon 113.3.4 (0501: due Thu 3.7); two move to B, one
    # of which B closes. Receipt stays with A, the due date and the close go with the case.
    moved_closed, moved_open, kept = (make_case("2024-03-04 09:00") for _ in range(3))
    transfer_case(moved_closed, agency_b, by=cast["reviewer"], reason="改分")
    transfer_case(moved_open, agency_b, by=cast["reviewer"], reason="改分")
    close_case(moved_closed, at=taipei("2024-03-06 10:00"), satisfaction=4)
    close_case(kept, at=taipei("2024-03-05 10:00"), satisfaction=2)

    _rebuilt_from_nothing()

    assert rollup_table() == direct_stats()
    figures = ("received", "fell_due", "closed", "satisfaction_sum", "histogram")
    a, b, city = (
        {name: _figures("month", MARCH, key)[name] for name in figures}
        for key in (agency_a.pk, agency_b.pk, ALL_AGENCIES)
    )
    assert a == {
        "received": 3,
        "fell_due": 1,
        "closed": 1,
        "satisfaction_sum": 2,
        "histogram": {"1": 1},
    }
    assert b == {
        "received": 0,
        "fell_due": 2,
        "closed": 1,
        "satisfaction_sum": 4,
        "histogram": {"2": 1},
    }
    assert city == {
        "received": 3,
        "fell_due": 3,
        "closed": 2,
        "satisfaction_sum": 6,
        "histogram": {"1": 1, "2": 1},
    }
    # The city's day of receipt and day of each close, in a dimension other than the total.
    assert _figures("day", date(2024, 3, 4), ALL_AGENCIES, "channel", "hotline")["received"] == 3
    assert _figures("day", date(2024, 3, 6), ALL_AGENCIES, "channel", "hotline")["closed"] == 1


def test_a_monthly_histogram_sums_keys_found_on_some_days_only(make_case, agency_a):
    # Received Mon 113.3.4 and 3.5; processing days 0.5 (same day), 1 and 3.
    close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-04 17:00"))
    close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-05 10:00"))
    close_case(make_case("2024-03-05 09:00"), at=taipei("2024-03-05 17:00"))
    close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-07 10:00"))

    _rebuilt_from_nothing()

    assert rollup_table() == direct_stats()
    by_day = {
        day: _figures("day", day, agency_a.pk)["histogram"]
        for day in (date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 7))
    }
    assert list(by_day.values()) == [{"0.5": 1}, {"0.5": 1, "1": 1}, {"3": 1}]
    for key in (agency_a.pk, ALL_AGENCIES):
        month = _figures("month", MARCH, key)
        assert month["histogram"] == {"0.5": 2, "1": 1, "3": 1}
        assert (month["closed"], month["processing_days_sum"]) == (4, 5)


def test_a_rebuild_of_part_of_the_data_rewrites_only_its_whole_months(make_case):
    for received in (
        "2024-01-15 09:00",
        "2024-02-15 09:00",
        "2024-03-15 09:00",
        "2024-04-15 09:00",
    ):
        close_case(make_case(received), at=taipei(received.replace("09:00", "16:00")))
    expected = rollup_table()
    # Damage every month; the rebuild of 2.20-3.10 must repair February and March whole and
    # leave January and April (daily and monthly rows) as they are, and sum the year again
    # from its months, those it left included.
    DailyRollup.objects.update(received=99)
    MonthlyRollup.objects.update(received=99)
    YearlyRollup.objects.update(received=77)

    written = rebuild_rollups(date(2024, 2, 20), date(2024, 3, 10))

    in_range = {
        k: v
        for k, v in expected.items()
        if k[0] != "year" and date(2024, 2, 1) <= k[1] <= date(2024, 3, 31)
    }
    years = [k for k in expected if k[0] == "year"]
    assert len(years) == 8  # 2024: the agency's and the city's rows of four dimensions
    assert written == len(in_range) + len(years)
    stored = rollup_table()
    assert {k: v for k, v in stored.items() if k in in_range} == in_range
    assert {v["received"] for k, v in stored.items() if k not in in_range and k[0] != "year"} == {
        99
    }
    for _grain, year, *key in years:
        months = [
            v["received"]
            for (grain, _month, *month_key), v in stored.items()
            if grain == "month" and month_key == key
        ]
        assert stored[("year", year, *key)]["received"] == sum(months) > 77
    assert stored.keys() == expected.keys()


def test_computed_rollups_are_what_a_rebuild_writes_without_writing_them(make_case):
    close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-05 10:00"))
    make_case("2024-04-01 09:00")
    kept = rollup_table()
    DailyRollup.objects.update(received=99)
    damaged = rollup_table()

    assert computed_table() == kept == direct_stats()
    assert rollup_table() == damaged


def test_a_rebuild_counts_every_close_of_a_month_kept_by_month(make_case):
    # Two like cases closed a week apart in March, each after the same number of working
    # days: by month they are one row, whose histogram counts that number twice.
    cases = [make_case(f"2024-03-{day:02d} 09:00") for day in (4, 11)]
    for case, day in zip(cases, (5, 12), strict=True):
        close_case(case, at=taipei(f"2024-03-{day:02d} 09:00"))
    fold_past_months(date(2024, 4, 10))

    rebuild_rollups()

    [row] = MonthlyRollup.objects.filter(
        month=date(2024, 3, 1), dimension="total", agency_key=ALL_AGENCIES
    )
    assert row.closed == 2 and sum(row.histogram.values()) == 2 and len(row.histogram) == 1
    assert not DailyRollup.objects.filter(day__lt=date(2024, 4, 1)).exists()
    assert rollup_table() == direct_stats()


def test_the_migration_sums_the_stored_months_into_years(make_case):
    # Cases over two years, one closed in the next year: the yearly rows the migration adds
    # to a database that had monthly rows only are the ones the services keep.
    for received, closed in (
        ("2023-12-28 09:00", "2024-01-03 10:00"),
        ("2024-03-04 09:00", "2024-03-05 10:00"),
        ("2024-11-04 09:00", None),
    ):
        case = make_case(received)
        if closed:
            close_case(case, at=taipei(closed))
    kept = rollup_table()
    assert {k[1].year for k in kept if k[0] == "year"} == {2023, 2024}
    YearlyRollup.objects.all().delete()

    migration = importlib.import_module("petitions.migrations.0019_yearly_rollups")
    migration.sum_years(django_apps, None)

    assert rollup_table() == kept == direct_stats()

"""The working-day calendar (tainan_rdec.workdays) and its import, on the published calendars.

Dates are the ones in DOMAIN.md "Working days": 113年 (2024), 114年 (2025) and 115年 (2026).
"""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook

from tainan_rdec import workdays
from tainan_rdec.choices import CalendarExceptionKind
from tainan_rdec.models import CalendarException
from tainan_rdec.resources import CalendarExceptionResource
from tainan_rdec.workdays import WorkingCalendar, to_local_date

TAIPEI = ZoneInfo("Asia/Taipei")

# Weekdays off as published (DOMAIN.md), complete for each year.
WEEKDAYS_OFF = {
    2024: [
        "2024-01-01",
        *[f"2024-02-{d:02d}" for d in (8, 9, 12, 13, 14)],
        "2024-02-28",
        "2024-04-04",
        "2024-04-05",
        "2024-06-10",
        "2024-09-17",
        "2024-10-10",
    ],
    2025: [
        "2025-01-01",
        *[f"2025-01-{d}" for d in (27, 28, 29, 30, 31)],
        "2025-02-28",
        "2025-04-03",
        "2025-04-04",
        "2025-05-30",
        "2025-09-29",
        "2025-10-06",
        "2025-10-10",
        "2025-10-24",
        "2025-12-25",
    ],
    2026: [
        "2026-01-01",
        *[f"2026-02-{d}" for d in (16, 17, 18, 19, 20)],
        "2026-02-27",
        "2026-04-03",
        "2026-04-06",
        "2026-05-01",
        "2026-06-19",
        "2026-09-25",
        "2026-09-28",
        "2026-10-09",
        "2026-10-26",
        "2026-12-25",
    ],
}
MAKE_UP_SATURDAYS = {2024: ["2024-02-17"], 2025: ["2025-02-08"], 2026: []}


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def national():
    """The national calendar alone, no database involved."""
    return WorkingCalendar.for_years(2023, 2027, exceptions={})


def make_exception(day, kind, reason):
    return CalendarException.objects.create(date=d(day), kind=kind, reason=reason)


def naive_add(calendar, start, n):
    """Reference: walk day by day."""
    day = start
    if n == 0:
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        return day
    while n:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


# National calendar -------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_weekdays_off_match_the_published_calendar(national, year):
    days_off = national.days_off(year)
    assert [day for day in days_off if day.weekday() < 5] == [d(x) for x in WEEKDAYS_OFF[year]]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_make_up_saturdays_match_the_published_calendar(national, year):
    assert national.weekend_working_days(year) == [d(x) for x in MAKE_UP_SATURDAYS[year]]


@pytest.mark.parametrize(("year", "count"), [(2024, 115), (2026, 120)])
def test_total_days_off_match_the_published_headline(national, year, count):
    assert len(national.days_off(year)) == count


def test_2024_02_17_is_a_working_saturday(national):
    assert d("2024-02-17").weekday() == 5
    assert national.is_working_day(d("2024-02-17"))
    assert not national.is_working_day(d("2024-02-24"))  # an ordinary Saturday


def test_lunar_new_year_2024_is_off_from_8_to_14_february(national):
    for offset in range(7):
        assert not national.is_working_day(d("2024-02-08") + timedelta(days=offset))
    assert national.is_working_day(d("2024-02-07"))
    assert national.is_working_day(d("2024-02-15"))


def test_add_working_days_jumps_the_lunar_new_year(national):
    assert national.add_working_days(d("2024-02-07"), 1) == d("2024-02-15")
    assert national.add_working_days(d("2024-02-07"), 2) == d("2024-02-16")


def test_add_working_days_counts_the_make_up_saturday(national):
    assert national.add_working_days(d("2024-02-16"), 1) == d("2024-02-17")
    assert national.add_working_days(d("2024-02-16"), 2) == d("2024-02-19")


def test_add_working_days_crosses_the_year_end(national):
    assert national.add_working_days(d("2024-12-31"), 1) == d("2025-01-02")


def test_add_zero_working_days_is_the_day_itself_or_the_next_working_day(national):
    assert national.add_working_days(d("2024-02-07"), 0) == d("2024-02-07")
    assert national.add_working_days(d("2024-02-10"), 0) == d("2024-02-15")


def test_add_working_days_refuses_negative_n(national):
    with pytest.raises(ValueError):
        national.add_working_days(d("2024-02-07"), -1)


@pytest.mark.parametrize("day", ["2025-09-29", "2025-10-24", "2025-12-25"])
def test_2025_mid_year_holidays_are_off(national, day):
    assert not national.is_working_day(d(day))


def test_2025_mid_year_holiday_moves_a_due_date(national):
    assert national.add_working_days(d("2025-09-26"), 1) == d("2025-09-30")


def test_2026_has_no_make_up_days_and_its_new_holidays_are_off(national):
    assert national.weekend_working_days(2026) == []
    assert not national.is_working_day(d("2026-05-01"))
    assert national.add_working_days(d("2026-02-13"), 1) == d("2026-02-23")


def test_leap_day_is_a_working_day_after_the_228_holiday(national):
    assert national.is_working_day(d("2024-02-29"))
    assert national.add_working_days(d("2024-02-27"), 1) == d("2024-02-29")
    # (2/27, 3/1]: 2/28 off, 2/29 and 3/1 working.
    assert national.working_days_between(d("2024-02-27"), d("2024-03-01")) == 2


def test_working_days_between_counts_from_the_day_after_and_is_zero_backwards(national):
    friday, make_up_saturday = d("2024-02-16"), d("2024-02-17")
    assert national.working_days_between(friday, make_up_saturday) == 1
    assert national.working_days_between(make_up_saturday, friday) == 0
    assert national.working_days_between(friday, friday) == 0
    assert national.working_days_between(d("2024-02-07"), d("2024-02-15")) == 1
    assert national.working_days_between(d("2024-02-15"), d("2024-02-07")) == 0


def test_working_days_between_undoes_add_working_days(national):
    rng = random.Random(20240724)
    for _ in range(500):
        start = d("2023-06-01") + timedelta(days=rng.randrange(900))
        n = rng.randrange(1, 60)
        assert national.working_days_between(start, national.add_working_days(start, n)) == n


def test_bisect_answers_match_a_day_by_day_walk(national):
    rng = random.Random(113)
    for _ in range(300):
        start = d("2023-12-01") + timedelta(days=rng.randrange(800))
        n = rng.randrange(0, 30)
        assert national.add_working_days(start, n) == naive_add(national, start, n)


def test_next_working_day_is_strictly_after(national):
    assert national.next_working_day(d("2024-02-07")) == d("2024-02-15")
    assert national.next_working_day(d("2024-02-15")) == d("2024-02-16")


def test_calendar_extends_itself_to_years_outside_its_range():
    calendar = WorkingCalendar.for_years(2024, 2024, exceptions={})
    assert calendar.add_working_days(d("2024-12-31"), 1) == d("2025-01-02")
    assert calendar.add_working_days(d("2024-12-31"), 500) > d("2026-12-01")
    assert not calendar.is_working_day(d("2020-01-01"))
    assert calendar.years[0] == 2020


def test_aware_datetimes_count_on_their_taipei_date(national):
    # 16:30 UTC on Friday 2024-02-16 is already the make-up Saturday in Taipei.
    moment = datetime(2024, 2, 16, 16, 30, tzinfo=UTC)
    assert national.is_working_day(moment)
    assert national.add_working_days(moment, 0) == d("2024-02-17")


def test_other_types_are_refused(national):
    with pytest.raises(TypeError):
        national.is_working_day("2024-02-17")


# Local exceptions and the process-wide calendar ---------------------------------------------


def test_typhoon_day_entered_is_off_at_once(db):
    typhoon_day = d("2024-07-24")
    assert workdays.is_working_day(typhoon_day)
    assert workdays.add_working_days(d("2024-07-23"), 1) == typhoon_day

    make_exception("2024-07-24", CalendarExceptionKind.DAY_OFF, "凱米颱風")

    assert not workdays.is_working_day(typhoon_day)
    assert workdays.add_working_days(d("2024-07-23"), 1) == d("2024-07-25")
    assert workdays.working_days_between(d("2024-07-23"), d("2024-07-25")) == 1


def test_deleting_the_exception_restores_the_working_day(db):
    row = make_exception("2024-07-24", CalendarExceptionKind.DAY_OFF, "凱米颱風")
    assert not workdays.is_working_day(d("2024-07-24"))
    row.delete()
    assert workdays.is_working_day(d("2024-07-24"))


def test_working_day_exception_makes_a_saturday_a_working_day(db):
    saturday = d("2024-03-02")
    assert not workdays.is_working_day(saturday)
    make_exception("2024-03-02", CalendarExceptionKind.WORKING_DAY, "更正")
    assert workdays.is_working_day(saturday)
    assert workdays.next_working_day(d("2024-03-01")) == saturday
    assert WorkingCalendar.for_years(2024, 2024).is_working_day(saturday)


def test_edit_without_a_signal_is_seen_at_the_next_table_check(db):
    # bulk_create sends no signal, like an edit made by another process.
    assert workdays.is_working_day(d("2024-07-25"))
    CalendarException.objects.bulk_create(
        [CalendarException(date=d("2024-07-25"), kind=CalendarExceptionKind.DAY_OFF, reason="颱風")]
    )
    assert workdays.is_working_day(d("2024-07-25"))  # still cached within the minute
    assert not workdays.get_calendar(max_age=0).is_working_day(d("2024-07-25"))
    assert not workdays.is_working_day(d("2024-07-25"))


def test_calendar_and_module_functions_agree_on_random_dates(db):
    make_exception("2024-07-24", CalendarExceptionKind.DAY_OFF, "凱米颱風")
    make_exception("2024-07-25", CalendarExceptionKind.DAY_OFF, "凱米颱風")
    make_exception("2022-06-04", CalendarExceptionKind.WORKING_DAY, "更正")
    calendar = WorkingCalendar.for_years(2020, 2030)
    rng = random.Random(1999)
    first = d("2020-01-01")
    for _ in range(2000):
        day = first + timedelta(days=rng.randrange(4018))
        other = first + timedelta(days=rng.randrange(4018))
        n = rng.randrange(0, 40)
        assert calendar.is_working_day(day) == workdays.is_working_day(day)
        assert calendar.add_working_days(day, n) == workdays.add_working_days(day, n)
        assert calendar.working_days_between(day, other) == workdays.working_days_between(
            day, other
        )
        assert calendar.next_working_day(day) == workdays.next_working_day(day)


# Citizen-service counting -----------------------------------------------------------------


def test_case_closed_the_day_it_arrived_counts_half_a_day(db):
    received = datetime(2024, 3, 1, 9, 0, tzinfo=TAIPEI)
    closed = datetime(2024, 3, 1, 17, 0, tzinfo=TAIPEI)
    assert workdays.processing_working_days(received, closed) == Decimal("0.5")


def test_case_closed_the_same_taipei_day_counts_half_even_across_utc_midnight(national):
    received = datetime(2024, 3, 1, 16, 30, tzinfo=UTC)  # Saturday 00:30 in Taipei
    closed = datetime(2024, 3, 2, 3, 0, tzinfo=UTC)
    assert workdays.processing_working_days(received, closed, calendar=national) == Decimal("0.5")


def test_case_received_friday_closed_monday_took_one_working_day(db):
    received = datetime(2024, 3, 1, 16, 0, tzinfo=TAIPEI)
    closed = datetime(2024, 3, 4, 10, 0, tzinfo=TAIPEI)
    assert workdays.processing_working_days(received, closed) == Decimal(1)


def test_closed_before_received_is_refused(national):
    with pytest.raises(ValueError):
        workdays.processing_working_days(d("2024-03-04"), d("2024-03-01"), calendar=national)


def test_due_date_counts_working_days_from_the_local_receipt_date(db):
    received = datetime(2024, 2, 7, 15, 0, tzinfo=TAIPEI)
    assert workdays.due_date(received, 3) == d("2024-02-17")  # 2/15, 2/16, make-up 2/17


# Import and the calendar listing ------------------------------------------------------------


def xlsx_dataset(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "類別", "事由"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return XLSX().create_dataset(buffer.getvalue())


def test_resource_imports_roc_dates_and_short_kinds_from_xlsx(db):
    dataset = xlsx_dataset(
        [
            ["113.7.24", "放假", "凱米颱風"],
            ["2024-07-25", "停止上班（放假）", "凱米颱風"],
            ["113.3.2", "上班", "更正"],
        ]
    )
    result = CalendarExceptionResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    rows = {row.date: row.kind for row in CalendarException.objects.all()}
    assert rows == {
        d("2024-07-24"): CalendarExceptionKind.DAY_OFF,
        d("2024-07-25"): CalendarExceptionKind.DAY_OFF,
        d("2024-03-02"): CalendarExceptionKind.WORKING_DAY,
    }
    assert not workdays.is_working_day(d("2024-07-24"))


def test_resource_updates_the_row_with_the_same_date(db):
    make_exception("2024-07-24", CalendarExceptionKind.DAY_OFF, "颱風")
    dataset = xlsx_dataset([["113.7.24", "放假", "凱米颱風"]])
    CalendarExceptionResource().import_data(dataset, dry_run=False)
    assert list(CalendarException.objects.values_list("date", "reason")) == [
        (d("2024-07-24"), "凱米颱風")
    ]


def test_resource_bad_date_is_a_row_error_and_nothing_is_written(db):
    dataset = xlsx_dataset([["113.7.24", "放假", "凱米颱風"], ["113.2.30", "放假", "颱風"]])
    result = CalendarExceptionResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "113年2月沒有30日" in invalid.error_dict["date"][0]
    assert not CalendarException.objects.exists()


def test_resource_unknown_kind_is_a_row_error_in_chinese(db):
    dataset = xlsx_dataset([["113.7.24", "颱風假", "凱米颱風"]])
    result = CalendarExceptionResource().import_data(dataset, dry_run=False)

    [invalid] = result.invalid_rows
    assert "無法辨識的類別「颱風假」" in invalid.error_dict["kind"][0]
    assert not CalendarException.objects.exists()


def test_workday_calendar_command_lists_days_off_and_make_up_days(db):
    out = io.StringIO()
    call_command("workday_calendar", "113", stdout=out)
    text = out.getvalue()
    assert "放假日數（含週末）：115" in text
    assert "113.2.8" in text and "113.10.10" in text
    assert "113.2.17" in text


def test_admin_import_page_offers_the_calendar_columns(admin_client):
    response = admin_client.get(reverse("admin:tainan_rdec_calendarexception_import"))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(column in page for column in ("日期", "類別", "事由"))


@pytest.mark.parametrize(
    "moment, day",
    [
        # 23:30 in Taipei: the same local day whichever zone says it.
        (datetime(2024, 3, 26, 23, 30, tzinfo=TAIPEI), date(2024, 3, 26)),
        (datetime(2024, 3, 26, 15, 30, tzinfo=UTC), date(2024, 3, 26)),
        # 00:30 in Taipei is the evening before in UTC.
        (datetime(2024, 3, 26, 0, 30, tzinfo=TAIPEI), date(2024, 3, 26)),
        (datetime(2024, 3, 25, 16, 30, tzinfo=UTC), date(2024, 3, 26)),
        (datetime(2024, 3, 26, 0, 30, tzinfo=ZoneInfo("America/Los_Angeles")), date(2024, 3, 26)),
        (datetime(2024, 3, 26, 23, 30), date(2024, 3, 26)),  # naive: taken as local
        (date(2024, 3, 26), date(2024, 3, 26)),
    ],
)
def test_the_local_date_of_a_moment_is_taipeis(moment, day):
    assert to_local_date(moment) == day

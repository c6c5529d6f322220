"""Taiwan working-day calendar (政府行政機關辦公日曆) with the city's local exceptions.

Two layers decide whether a day is a working day:

1. The national calendar from the ``holidays`` package (Taiwan): Saturdays and Sundays are off,
   the package's holidays are off (substituted days off included, e.g. 2024-02-08), and its
   ``weekend_workdays`` (make-up working Saturdays, 補行上班, e.g. 2024-02-17) are working days.
2. ``CalendarException`` rows an admin enters override the national calendar: ``DAY_OFF`` makes a
   day off even on a weekday (typhoon days, 停止上班), ``WORKING_DAY`` makes a day a working day.

``WorkingCalendar`` holds the result for a range of years as a sorted list of working-day
ordinals, so each query is a ``bisect`` with no database or cache access; a bulk import builds
one (``WorkingCalendar.for_years(2020, 2030)``) and calls it per row. The module-level functions
(``is_working_day`` ...) use a process-wide calendar, see ``get_calendar()``.

All functions accept ``date`` and ``datetime``; an aware datetime counts on its local date in
Asia/Taipei, a naive one on its own date.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

# The office calendar is Taiwan's, so a day is read in Taipei time whatever the server's zone.
TAIPEI = ZoneInfo("Asia/Taipei")

# The ROC era starts in 1912; past 2200 a date is a typing error, not a due date. Refusing those
# keeps a bad row from making the calendar build thousands of years.
MIN_YEAR = 1912
MAX_YEAR = 2200

# How often (seconds) the process-wide calendar asks the database whether the exceptions changed.
CHECK_INTERVAL = 60.0

# A (case) closed on the calendar day it arrived counts as half a working day (DOMAIN.md).
SAME_DAY_CREDIT = Decimal("0.5")

DateLike = date | datetime


def to_local_date(value: DateLike) -> date:
    """The calendar day of ``value``: aware datetimes are converted to Asia/Taipei first."""
    # datetime is a subclass of date, so it has to be tested first.
    if isinstance(value, datetime):
        # A moment already in Taipei's zone (what the import's widgets read) is local as it
        # is: no conversion (an import counts and groups hundreds of thousands of them).
        if value.tzinfo is not TAIPEI and value.utcoffset() is not None:
            value = value.astimezone(TAIPEI)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def _check_years(first_year: int, last_year: int) -> None:
    if first_year < MIN_YEAR or last_year > MAX_YEAR:
        raise ValueError(
            f"the working-day calendar covers {MIN_YEAR}..{MAX_YEAR}, not {first_year}..{last_year}"
        )


@dataclass(frozen=True, slots=True)
class _Span:
    """The precomputed calendar for first_year..last_year (inclusive)."""

    first_year: int
    last_year: int
    first_ordinal: int
    last_ordinal: int
    working: list[int]  # sorted ordinals of the working days
    flags: bytearray  # flags[ordinal - first_ordinal] == 1 on a working day


class WorkingCalendar:
    """Days off and working days for a range of years, answering without database access.

    ``exceptions`` maps a date to True (a working day) or False (a day off) and overrides the
    national calendar. A query outside the years built extends the range once (under a lock,
    from the exceptions already held), so the instance is safe to share between threads.
    """

    def __init__(
        self, first_year: int, last_year: int, exceptions: Mapping[date, bool] | None = None
    ):
        if first_year > last_year:
            raise ValueError("first_year must not be after last_year")
        self._exceptions = dict(exceptions or {})
        self._lock = threading.Lock()
        self._span = self._build(first_year, last_year)

    @classmethod
    def for_years(
        cls, first_year: int, last_year: int, *, exceptions: Mapping[date, bool] | None = None
    ) -> WorkingCalendar:
        """Build the calendar for the years, reading the exceptions table unless given."""
        if exceptions is None:
            exceptions, _fingerprint = load_exceptions()
        return cls(first_year, last_year, exceptions)

    @property
    def years(self) -> tuple[int, int]:
        span = self._span
        return span.first_year, span.last_year

    # Queries ---------------------------------------------------------------------------------

    def is_working_day(self, day: DateLike) -> bool:
        ordinal = to_local_date(day).toordinal()
        span = self._covering(ordinal)
        return span.flags[ordinal - span.first_ordinal] == 1

    def add_working_days(self, start: DateLike, n: int) -> date:
        """The n-th working day after ``start``.

        ``n == 0`` returns ``start`` when it is a working day and otherwise the next working day:
        "due within 0 working days" then means "the first day the office is open", which is what a
        limit of 0 is used for, and it keeps ``add_working_days(d, 0) <= add_working_days(d, 1)``.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        # Plain dates are the bulk-import case; skip the datetime handling for them.
        day = start if type(start) is date else to_local_date(start)
        ordinal = day.toordinal()
        span = self._covering(ordinal)
        while True:
            working = span.working
            if n == 0:
                index = bisect_left(working, ordinal)
            else:
                index = bisect_right(working, ordinal) + n - 1
            if index < len(working):
                return date.fromordinal(working[index])
            # Roughly 240 working days a year; extend past the answer in one go.
            missing_years = (index - len(working)) // 240 + 1
            span = self._extend_to(span.first_year, span.last_year + missing_years)

    def working_days_between(self, start: DateLike, end: DateLike) -> int:
        """The number of working days in (start, end]: from the day after ``start`` up to and
        including ``end``; 0 when ``end`` is not after ``start``."""
        a = to_local_date(start).toordinal()
        b = to_local_date(end).toordinal()
        if b <= a:
            return 0
        self._covering(a)
        working = self._covering(b).working
        return bisect_right(working, b) - bisect_right(working, a)

    def next_working_day(self, day: DateLike) -> date:
        """The first working day strictly after ``day`` (same as ``add_working_days(day, 1)``)."""
        return self.add_working_days(day, 1)

    def days_off(self, year: int) -> list[date]:
        """Every day off in the year, weekends included, in order."""
        return [d for d in self._days_of(year) if not self.is_working_day(d)]

    def weekend_working_days(self, year: int) -> list[date]:
        """Saturdays and Sundays that are working days (make-up days, 補行上班), in order."""
        return [d for d in self._days_of(year) if d.weekday() >= 5 and self.is_working_day(d)]

    # Building --------------------------------------------------------------------------------

    def _covering(self, ordinal: int) -> _Span:
        span = self._span
        if span.first_ordinal <= ordinal <= span.last_ordinal:
            return span
        year = date.fromordinal(ordinal).year
        return self._extend_to(min(span.first_year, year), max(span.last_year, year))

    def _extend_to(self, first_year: int, last_year: int) -> _Span:
        _check_years(first_year, last_year)
        with self._lock:
            span = self._span
            if span.first_year <= first_year and last_year <= span.last_year:
                return span  # another thread extended it meanwhile
            span = self._build(min(first_year, span.first_year), max(last_year, span.last_year))
            # One attribute assignment: readers see either the old span or the new one.
            self._span = span
            return span

    def _build(self, first_year: int, last_year: int) -> _Span:
        _check_years(first_year, last_year)
        # A year's make-up day can be set by the next year's holidays (2014-12-27 made up for
        # 2015-01-02), so ask the package for one year more on each side.
        national = holidays.country_holidays(
            "TW", years=range(max(first_year - 1, MIN_YEAR), last_year + 2)
        )
        national_off = set(national.keys())
        weekend_workdays = set(national.weekend_workdays)
        first_ordinal = date(first_year, 1, 1).toordinal()
        last_ordinal = date(last_year, 12, 31).toordinal()
        flags = bytearray(last_ordinal - first_ordinal + 1)
        working = []
        exceptions = self._exceptions
        day = date(first_year, 1, 1)
        one_day = timedelta(days=1)
        for ordinal in range(first_ordinal, last_ordinal + 1):
            if day in exceptions:
                is_working = exceptions[day]
            elif day in weekend_workdays:
                is_working = True
            else:
                is_working = day.weekday() < 5 and day not in national_off
            if is_working:
                flags[ordinal - first_ordinal] = 1
                working.append(ordinal)
            day += one_day
        return _Span(first_year, last_year, first_ordinal, last_ordinal, working, flags)

    @staticmethod
    def _days_of(year: int) -> list[date]:
        first = date(year, 1, 1)
        return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


# Exceptions table ---------------------------------------------------------------------------


def load_exceptions() -> tuple[dict[date, bool], tuple[int, datetime | None]]:
    """All CalendarException rows as {date: is_working_day}, and their fingerprint."""
    from tainan_rdec.choices import CalendarExceptionKind
    from tainan_rdec.models import CalendarException

    rows = list(CalendarException.objects.values_list("date", "kind", "updated_at"))
    exceptions = {day: kind == CalendarExceptionKind.WORKING_DAY for day, kind, _at in rows}
    latest = max((updated_at for _day, _kind, updated_at in rows), default=None)
    return exceptions, (len(rows), latest)


def _exceptions_fingerprint() -> tuple[int, datetime | None]:
    from tainan_rdec.models import CalendarException

    result = CalendarException.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return result["count"], result["latest"]


# Process-wide calendar ----------------------------------------------------------------------
#
# Signals only reach the process that saved the row: a gunicorn worker or a Celery worker next
# to it keeps its own copy, and queryset.update(), bulk_create() or a rolled-back transaction
# send no signal at all. So besides invalidate_cache() (called by the signal, immediate in this
# process), the cached calendar asks the database at most once per CHECK_INTERVAL whether the
# exceptions table changed (row count + latest updated_at). That bounds how long another
# process's edit goes unseen to a minute, at the cost of one small aggregate query a minute
# instead of one per call.

_cache_lock = threading.Lock()
_calendar: WorkingCalendar | None = None
_fingerprint: tuple[int, datetime | None] | None = None
_checked_at = 0.0


def _default_years() -> tuple[int, int]:
    this_year = timezone.localdate().year
    return this_year - 6, this_year + 2


def get_calendar(max_age: float = CHECK_INTERVAL) -> WorkingCalendar:
    """The process-wide calendar, rebuilt after invalidate_cache() or when the exceptions table
    changed. The table is checked when the last check is older than ``max_age`` seconds; pass 0
    to check now (e.g. at the start of a task that must see another process's edit)."""
    global _calendar, _fingerprint, _checked_at
    calendar = _calendar
    if calendar is not None and time.monotonic() - _checked_at < max_age:
        return calendar
    with _cache_lock:
        now = time.monotonic()
        if _calendar is not None and now - _checked_at < max_age:
            return _calendar
        if _calendar is not None and _exceptions_fingerprint() == _fingerprint:
            _checked_at = now
            return _calendar
        first_year, last_year = _default_years()
        if _calendar is not None:
            # Keep the years an earlier query extended the calendar to.
            old_first, old_last = _calendar.years
            first_year, last_year = min(first_year, old_first), max(last_year, old_last)
        exceptions, fingerprint = load_exceptions()
        _calendar = WorkingCalendar(first_year, last_year, exceptions)
        _fingerprint = fingerprint
        _checked_at = now
        return _calendar


def _drop_cache() -> None:
    global _calendar, _checked_at
    with _cache_lock:
        _calendar = None
        _checked_at = 0.0


def invalidate_cache() -> None:
    """Drop the process-wide calendar; the next call rebuilds it from the database."""
    _drop_cache()
    if transaction.get_connection().in_atomic_block:
        # Another thread may rebuild before this transaction commits and cache the old rows;
        # drop it again once the change is visible to everyone.
        transaction.on_commit(_drop_cache)


# Module-level functions on the process-wide calendar ----------------------------------------


def is_working_day(day: DateLike) -> bool:
    return get_calendar().is_working_day(day)


def add_working_days(start: DateLike, n: int) -> date:
    """The n-th working day after ``start``; see WorkingCalendar.add_working_days for n=0."""
    return get_calendar().add_working_days(start, n)


def working_days_between(start: DateLike, end: DateLike) -> int:
    """Working days in (start, end]; 0 when ``end`` is not after ``start``."""
    return get_calendar().working_days_between(start, end)


def next_working_day(day: DateLike) -> date:
    """The first working day strictly after ``day``."""
    return get_calendar().next_working_day(day)


# Citizen-service counting (DOMAIN.md "Citizen service") ------------------------------------


def processing_working_days(
    received_at: DateLike, closed_at: DateLike, *, calendar: WorkingCalendar | None = None
) -> Decimal:
    """Working days a case took: counted from the working day after receipt, so the working
    days in (received date, closed date]; a case closed on the calendar day it arrived counts
    0.5. Pass ``calendar`` in bulk work to skip the process-wide cache."""
    received = to_local_date(received_at)
    closed = to_local_date(closed_at)
    if closed < received:
        raise ValueError(
            _("結案日期 {closed} 早於收件日期 {received}").format(closed=closed, received=received)
        )
    if closed == received:
        return SAME_DAY_CREDIT
    return Decimal((calendar or get_calendar()).working_days_between(received, closed))


def due_date(
    received_at: DateLike, limit_working_days: int, *, calendar: WorkingCalendar | None = None
) -> date:
    """The last day to close a case: ``limit_working_days`` working days after the (local)
    receipt date."""
    return (calendar or get_calendar()).add_working_days(
        to_local_date(received_at), limit_working_days
    )

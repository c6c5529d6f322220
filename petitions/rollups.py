"""Rollups (統計彙總): rebuilt in bulk from the case table, and computed directly for tests.

``petitions.services`` keeps ``DailyRollup``, ``MonthlyRollup`` and ``YearlyRollup`` current
case by case; ``rebuild_rollups`` recomputes the rows of a range of whole months from the case
table, e.g. after an import that bypassed the services or a data repair. It runs in the
database, nothing goes through Python objects, in seven ``INSERT … SELECT`` statements:

1. the agencies' daily rows, one statement per dimension, each aggregating the three
   contributions of a case (receipt, due date, close) in one pass over the cases per
   contribution: the only statements that read the case table;
2. the city's daily rows (``ALL_AGENCIES``), summed from the agencies' daily rows just written: a
   contribution counts for exactly one agency, so the city's row is the sum of the agencies'
   rows of the same day, dimension and value;
3. the monthly rows, the agencies' and the city's, summed from the daily rows of the month;
4. the yearly rows of the years the range touches, summed from their monthly rows (those
   outside the range as they are stored).

Steps 2 to 4 hold because every figure of a row is a sum (counts, processing days,
satisfaction; the histogram counts per key, so histograms add key by key), and because the
range is whole months: every daily row a monthly row sums was rebuilt before it. Last, the
daily rows before ``PetitionSettings.daily_rollups_from`` are deleted: the months that are over
are kept by month only (``fold_past_months``, run by the nightly rebuild at the turn of a
month). Every way in (the services, ``Additions``, the rebuild and ``direct_stats``) counts a
day before that first kept day in its monthly rows alone, so an import of past cases writes
about one row where it wrote seven, and the statistics, which read a month that is over from
its monthly rows, give the same figures (tested).

The queries that read the case table are built with the ORM, so each backend gets its own date
and time-zone SQL; only the sums and the histograms (``jsonb`` on PostgreSQL, JSON text on
SQLite) are written here. It trusts the per-case figures the services stored (``due_date``,
``processing_days``, ``closed_on_time``).

``direct_stats`` computes the same rows case by case in Python, recounting processing days on a
``WorkingCalendar`` built once: the tests use it to check that the rollups the services keep,
the rebuilt rollups and a direct computation agree field for field.

Both follow the contribution rules written at the top of ``petitions.services``.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import CharField, Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth, TruncYear
from django.utils import timezone

from petitions.choices import CaseStatus, RollupDimension
from petitions.models import (
    ALL_AGENCIES,
    Case,
    DailyRollup,
    MonthlyRollup,
    PetitionSettings,
    YearlyRollup,
)
from petitions.services import (
    COUNTERS,
    GRAINS,
    SATISFIED_FROM,
    Delta,
    daily_rollups_from,
    histogram_key,
    kept_on,
    roll_up,
    rollup_key,
)
from tainan_rdec.workdays import TAIPEI, WorkingCalendar, processing_working_days, to_local_date

# (grain, period, dimension, agency_key, value)
Key = tuple


def month_bounds(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """[start, end] widened to whole months: monthly rows cannot hold part of a month."""
    if start:
        start = start.replace(day=1)
    if end:
        end = (end.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def year_bounds(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """[start, end] widened to whole years: the years a range of months changes the yearly
    rows of."""
    return (
        start.replace(month=1, day=1) if start else None,
        end.replace(month=12, day=31) if end else None,
    )


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The aware datetimes [start 00:00, end + 1 day 00:00) in Taipei time."""
    low = datetime.combine(start, time.min, TAIPEI) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min, TAIPEI) if end else None
    return low, high


def _in_range(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _received_agency():
    """The agency that received a case: kept at its first transfer, else the handling agency.
    (``direct_stats`` reads it from the transfer history instead, which the tests compare.)"""
    return Coalesce(F("receiving_agency"), F("handling_agency"), output_field=IntegerField())


# The figures of a row in the order the SQL below gives them.
_COLUMNS = (
    "received",
    "repeat_calls",
    "fell_due",
    "fell_due_closed_on_time",
    "fell_due_closed",
    "closed",
    "closed_on_time",
    "processing_days_sum",
    "satisfaction_sum",
    "satisfaction_count",
    "satisfaction_satisfied",
)


def _json_sql() -> tuple[str, str, str]:
    """The backend's JSON aggregate, its table function over an object's entries, and its
    empty object."""
    if connection.vendor == "postgresql":
        return "jsonb_object_agg", "jsonb_each_text", "'{}'::jsonb"
    return "json_group_object", "json_each", "'{}'"


_KEYS = "dimension, k_period, k_agency, k_value"


def _rows_sql(contributions: str) -> str:
    """Finished rollup rows, one per (dimension, k_period, k_agency, k_value), from the
    contribution rows given: the ``_COLUMNS`` summed, and the histogram as a JSON object of the
    ``h_key`` and ``h_n`` of the rows that have an ``h_key``. A JSON object takes each key once,
    so a row's ``h_key`` must come in at most one contribution row."""
    object_agg, _each, empty = _json_sql()
    sums = ", ".join(f"SUM({name}) AS {name}" for name in _COLUMNS)
    return f"""
        SELECT {_KEYS}, {sums},
               COALESCE({object_agg}(h_key, h_n) FILTER (WHERE h_key IS NOT NULL), {empty})
               AS histogram
        FROM ({contributions}) contributions
        GROUP BY {_KEYS}
    """


_VALUE = {
    RollupDimension.TOTAL: lambda: Value("", output_field=CharField()),
    RollupDimension.CATEGORY: lambda: Cast("category_id", CharField()),
    RollupDimension.CHANNEL: lambda: F("channel"),
    RollupDimension.DISTRICT: lambda: Coalesce(F("district__code"), Value("")),
}


def _keyed(queryset, dimension, day, agency, *extra_keys):
    """Cases as contribution keys: the dimension, the day (k_period), the agency and the
    dimension's value; grouped by them (and ``extra_keys``) once annotated with counts."""
    return (
        queryset.annotate(
            dimension=Value(str(dimension), output_field=CharField()),
            k_period=day,
            k_agency=agency,
            k_value=_VALUE[dimension](),
        )
        .values("dimension", "k_period", "k_agency", "k_value", *extra_keys)
        .order_by()
    )


def _from_cases_sql(
    dimension, start, end, cases=None, daily_from: date | None = None
) -> tuple[str, list]:
    """The SELECT of the agencies' daily rows of one dimension in [start, end] from the case
    table (or from ``cases``, a queryset of some): what the cases contribute on their receipt,
    due and closing dates, each kind counted by the ORM in one pass over the cases; what falls
    before ``daily_from`` on the first day of its month (``_kept_period_sql``)."""
    low, high = _bounds(start, end)
    base = Case.objects.all() if cases is None else cases
    received = base
    due = base
    closed = base.filter(status=CaseStatus.CLOSED)
    if low:
        received = received.filter(received_at__gte=low)
        closed = closed.filter(closed_at__gte=low)
        due = due.filter(due_date__gte=start)
    if high:
        received = received.filter(received_at__lt=high)
        closed = closed.filter(closed_at__lt=high)
        due = due.filter(due_date__lte=end)

    def keyed(queryset, day, agency, *extra_keys):
        return _keyed(queryset, dimension, day, agency, *extra_keys)

    received = keyed(received, TruncDate("received_at", tzinfo=TAIPEI), _received_agency())
    due = keyed(due, F("due_date"), F("handling_agency")).annotate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(status=CaseStatus.CLOSED, closed_on_time=True)),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
    )
    # Grouped by processing days as well, which gives the histogram in the same pass.
    closed = keyed(
        closed.annotate(k_days=F("processing_days")),
        TruncDate("closed_at", tzinfo=TAIPEI),
        F("handling_agency"),
        "k_days",
    ).annotate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(closed_on_time=True)),
        satisfaction_sum=Coalesce(Sum("satisfaction"), 0),
        satisfaction_count=Count("satisfaction"),
        satisfaction_satisfied=Count("satisfaction", filter=Q(satisfaction__gte=SATISFIED_FROM)),
    )
    sql, params = [], []
    # A repeat call: a case of a group that is not its first call (``ProblemGroup.first_case``).
    repeats = Q(problem_group__isnull=False) & ~Q(problem_group__first_case=F("pk"))
    received = received.annotate(n=Count("pk"), repeats=Count("pk", filter=repeats))
    for queryset in (received, due, closed):
        q_sql, q_params = queryset.query.sql_with_params()
        sql.append(q_sql)
        params.extend(q_params)
    # The histogram key: "0.5" for a same-day close, else the whole number of days.
    h_key = (
        "CASE WHEN k_days = 0.5 THEN '0.5' ELSE CAST(CAST(k_days AS INTEGER) AS VARCHAR(10)) END"
    )
    keys = f"dimension, {_kept_period_sql(daily_from)} AS k_period, k_agency, k_value"
    contributions = f"""
        SELECT {keys}, n AS received, repeats AS repeat_calls, 0 AS fell_due,
               0 AS fell_due_closed_on_time,
               0 AS fell_due_closed, 0 AS closed, 0 AS closed_on_time,
               0 AS processing_days_sum, 0 AS satisfaction_sum, 0 AS satisfaction_count,
               0 AS satisfaction_satisfied, NULL AS h_key, 0 AS h_n
        FROM ({sql[0]}) received_rows
        UNION ALL
        SELECT {keys}, 0, 0, n, on_time, closed, 0, 0, 0, 0, 0, 0, NULL, 0
        FROM ({sql[1]}) due_rows
        UNION ALL
        SELECT {keys}, 0, 0, 0, 0, 0, n, on_time, k_days * n, satisfaction_sum,
               satisfaction_count, satisfaction_satisfied, {h_key}, n
        FROM ({sql[2]}) closed_rows
    """
    if daily_from is not None:
        # Days of one month now share a row: each processing-days key once per row, summed.
        sums = ", ".join(f"SUM({name}) AS {name}" for name in _COLUMNS)
        contributions = f"""
            SELECT {_KEYS}, {sums}, h_key, SUM(h_n) AS h_n
            FROM ({contributions}) by_day
            GROUP BY {_KEYS}, h_key
        """
    return _rows_sql(contributions), params


def _from_rollups_sql(rows) -> tuple[str, list]:
    """The SELECT of rollup rows summed from the rollup rows of ``rows`` (daily or monthly),
    a queryset annotated with the k_period and k_agency of the row each is summed into."""
    _object_agg, each, _empty = _json_sql()
    rows = rows.annotate(k_value=F("value")).order_by()
    figures, figure_params = rows.values(
        "dimension", "k_period", "k_agency", "k_value", *_COLUMNS
    ).query.sql_with_params()
    # Only the rows that hold a histogram (days with a case closed): most rows hold none.
    histograms, histogram_params = (
        rows.exclude(histogram={})
        .values("dimension", "k_period", "k_agency", "k_value", "histogram")
        .query.sql_with_params()
    )
    sums = ", ".join(f"SUM({name}) AS {name}" for name in _COLUMNS)
    zeros = ", ".join("0" for _name in _COLUMNS)
    # The figures and, apart, each histogram key summed over the rows; several agencies' or
    # days' histograms hold the same key.
    contributions = f"""
        SELECT {_KEYS}, {sums}, NULL AS h_key, 0 AS h_n
        FROM ({figures}) figures
        GROUP BY {_KEYS}
        UNION ALL
        SELECT {_KEYS}, {zeros}, entry.key, SUM(CAST(entry.value AS INTEGER))
        FROM ({histograms}) histograms, {each}(histograms.histogram) entry
        GROUP BY {_KEYS}, entry.key
    """
    return _rows_sql(contributions), [*figure_params, *histogram_params]


def _in_period(queryset, field: str, start, end):
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def _steps(start, end, daily_from: date | None) -> list[tuple[type, str, list]]:
    """The SELECTs of a rebuild in order, each with the table it fills: the agencies' daily
    rows of each dimension from the cases, then the city's daily rows and the monthly rows from
    the daily rows written before them, and last the yearly rows of the years the range
    touches from their monthly rows (those of the range just written, the others as kept)."""
    daily = _in_period(DailyRollup.objects.all(), "day", start, end)
    city = daily.exclude(agency_key=ALL_AGENCIES).annotate(
        k_period=F("day"), k_agency=Value(ALL_AGENCIES, output_field=IntegerField())
    )
    monthly = daily.annotate(k_period=TruncMonth("day"), k_agency=F("agency_key"))
    yearly = _in_period(MonthlyRollup.objects.all(), "month", *year_bounds(start, end)).annotate(
        k_period=TruncYear("month"), k_agency=F("agency_key")
    )
    return [
        *(
            (DailyRollup, *_from_cases_sql(d, start, end, daily_from=daily_from))
            for d in RollupDimension
        ),
        (DailyRollup, *_from_rollups_sql(city)),
        (MonthlyRollup, *_from_rollups_sql(monthly)),
        (YearlyRollup, *_from_rollups_sql(yearly)),
    ]


def compute_rollups(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """What ``rebuild_rollups`` writes for the whole months around [start, end]: the rebuild
    run in a savepoint, its rows read back, and the savepoint rolled back, so the stored rows
    stay as they were (on PostgreSQL the rollup tables are locked meanwhile)."""
    with transaction.atomic():
        rebuild_rollups(start, end)
        rows = rollup_table(start, end)
        transaction.set_rollback(True)
    return rows


@transaction.atomic
def rebuild_rollups(start: date | None = None, end: date | None = None) -> int:
    """Replace the rollup rows of the whole months around [start, end] (None: unbounded) with
    rows recomputed from the case table, and the yearly rows of the years they are in. Returns
    the number of rows written (every grain)."""
    start, end = month_bounds(start, end)
    for model, _field in GRAINS.values():
        if connection.vendor == "postgresql":
            # Services that already changed rollups finish first; services that start now wait
            # until the rebuilt rows are committed, and then apply their change on top of them.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    period_fields = dict(GRAINS.values())
    written = 0
    with connection.cursor() as cursor:
        for model, period_field in period_fields.items():
            # One DELETE in the database: the ORM's delete() would load every row as an
            # object first when any delete signal is listening (a million rows, gigabytes).
            # The yearly rows of every year the range touches are summed again.
            low, high = year_bounds(start, end) if model is YearlyRollup else (start, end)
            where, params = ["1 = 1"], []
            if low:
                where.append(f"{period_field} >= %s")
                params.append(low)
            if high:
                where.append(f"{period_field} <= %s")
                params.append(high)
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE {' AND '.join(where)}", params
            )
        daily_from = daily_rollups_from()
        for model, select, params in _steps(start, end, daily_from):
            columns = ", ".join(
                ["dimension", period_fields[model], "agency_key", "value", *_COLUMNS, "histogram"]
            )
            cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {select}", params)
            written += cursor.rowcount
        # The monthly rows were summed from the daily rows; of the months before the kept
        # days, only they stay (``fold_past_months``).
        if daily_from is not None and (start is None or start < daily_from):
            cursor.execute(
                f"DELETE FROM {DailyRollup._meta.db_table} WHERE day < %s"
                + (" AND day >= %s" if start else ""),
                [daily_from, *([start] if start else [])],
            )
            written -= cursor.rowcount
    return written


@transaction.atomic
def fold_past_months(today: date | None = None) -> int:
    """Keep the months that are over in monthly rows only: ``daily_rollups_from`` moves on to
    the first day of ``today``'s month (default: the local date; never back), and the daily
    rows before it are deleted. The statistics read a month that is over from its monthly
    rows, so no figure changes (tested); what every later write adds to those months goes to
    their monthly rows alone (``services.rollup_rows``, the rebuild, ``Additions``), which is
    most of what an import of past cases writes. Run before the nightly rebuild
    (``tasks.rebuild_rollups_task``). Returns the number of daily rows deleted."""
    today = today or timezone.localdate()
    PetitionSettings.get()
    settings = PetitionSettings.objects.select_for_update().get(pk=1)
    daily_from = max(today.replace(day=1), settings.daily_rollups_from or date.min)
    table = DailyRollup._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As the rebuild: services that changed daily rows finish first; later ones wait,
            # then write to the monthly rows alone (a service that read the first day before
            # may leave a daily row here; no statistic reads it, the next fold deletes it).
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        # One DELETE in the database, as the rebuild's (no row loaded as an object).
        cursor.execute(f"DELETE FROM {table} WHERE day < %s", [daily_from])
        deleted = cursor.rowcount
    if settings.daily_rollups_from != daily_from:
        settings.daily_rollups_from = daily_from
        settings.save(update_fields=["daily_rollups_from"])
    return deleted


# -- adding to the rollups as cases arrive ----------------------------------------------------

# Cases named in one statement (SQLite takes at most 32,766 parameters).
_CASES_AT_A_TIME = 10_000
# Temporary tables of the connection: the agencies' daily rows gathered as cases arrive, and
# the rows being merged (the gathered rows summed, the city's, the monthly).
_GATHERED = "petitions_rollup_gathered"
_ADDING = "petitions_rollup_adding"
_ADDING_KEYS = ("dimension", "k_period", "k_agency", "k_value")
# Gathered rows are merged into the rollup tables once there are this many (and at the end).
# A file is best merged once: each merge adds to the rows the one before stored (an UPDATE of
# each), where one merge stores them (an INSERT). A five-year file of 300,000 cases gathers
# about 3 million rows (about 150 bytes each, in PostgreSQL's temporary files, not memory).
MERGE_AT = 20_000_000


class Additions:
    """What new cases add to the rollups, gathered as they arrive and merged into the rollup
    tables in a few big steps: an import's way, instead of rebuilding the months it touched,
    so the work follows the new cases, not the cases already there.

    ``cases(ids)`` gathers what new cases contribute (their receipt, due date and close: the
    agencies' daily rows of the rebuild's own SELECTs, restricted to them); ``repeat_changes``
    what a grouping changed (``repeat_calls`` up or down on each case's receipt day, for the
    agency that received it); ``merge()`` sums what is gathered, adds the city's, the
    monthly and the yearly rows, and adds each to its stored row or stores it new
    (``_add``). Use it as a context manager (its gathering table lives inside) and
    ``merge()`` at the end: what is gathered and not merged is dropped, as when the caller's
    file turns out wrong. The figures after the merge equal a rebuild's (tested)."""

    def __init__(self, *, merge_at: int | None = None):
        self.merge_at = merge_at or MERGE_AT
        self.gathered = 0
        self.written = 0

    def __enter__(self) -> Additions:
        with connection.cursor() as cursor:
            _create(cursor, _GATHERED, grain=False)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        # After an error the transaction rolls back, the temporary table with it (the next
        # ``Additions`` on the connection replaces it anyway).
        if kind is None:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {_GATHERED}")

    def cases(self, ids) -> None:
        """Gather what new cases contribute. They must be in no group yet (their repeat-call
        marks come with the grouping's changes) and counted nowhere before."""
        ids = list(ids)
        if ids:
            cases = Case.objects.filter(pk__in=ids)
            self._gather([_from_cases_sql(d, None, None, cases) for d in RollupDimension])

    def gather(self, rows: list[tuple] | bytes, count: int | None = None) -> None:
        """Gather rows ``case_rows`` made: the rows, or on PostgreSQL their COPY text
        (``count`` rows, formatted where they were counted, as an import's workers do)."""
        if not rows:
            return
        columns = f"{', '.join(_ADDING_KEYS)}, {', '.join(_COLUMNS)}, histogram"
        with connection.cursor() as cursor:
            if isinstance(rows, bytes):
                with cursor.cursor.copy(f"COPY {_GATHERED} ({columns}) FROM STDIN") as copy:
                    copy.write(rows)
            elif connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {_GATHERED} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * (len(_ADDING_KEYS) + len(_COLUMNS) + 1))
                cursor.executemany(f"INSERT INTO {_GATHERED} ({columns}) VALUES ({marks})", rows)
        self.gathered += len(rows) if count is None else count
        if self.gathered >= self.merge_at:
            self.merge()

    def repeat_changes(self, changes) -> None:
        """Gather the repeat-call marks a grouping changed (any number: a first full
        regrouping changes about one case in sixteen)."""
        selects = []
        for sign, pks in (
            (1, [change.pk for change in changes if change.repeat]),
            (-1, [change.pk for change in changes if not change.repeat]),
        ):
            for start in range(0, len(pks), _CASES_AT_A_TIME):
                some = pks[start : start + _CASES_AT_A_TIME]
                selects += [_repeat_rows_sql(d, some, sign) for d in RollupDimension]
        self._gather(selects)

    def _gather(self, selects) -> None:
        columns = f"{', '.join(_ADDING_KEYS)}, {', '.join(_COLUMNS)}, histogram"
        with connection.cursor() as cursor:
            for select, params in selects:
                cursor.execute(f"INSERT INTO {_GATHERED} ({columns}) {select}", params)
                self.gathered += cursor.rowcount
        if self.gathered >= self.merge_at:
            self.merge()

    def merge(self) -> int:
        """Merge what is gathered into the rollup tables; the number of rows changed or
        stored."""
        if not self.gathered:
            return 0
        daily_from = daily_rollups_from()
        period = _kept_period_sql(daily_from)
        written = _add(
            [(_summed_sql(period, "k_agency", "1 = 1", source=_GATHERED), [])], daily_from
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_GATHERED}")
        self.gathered = 0
        self.written += written
        return written


# What a new case is read as by ``case_rows``.
NewCase = tuple  # (received_at, agency_id, category_id, channel, district code or "",
#                   due_date, status, closed_at, closed_on_time, processing_days, satisfaction)
_FIGURE = {name: i for i, name in enumerate(_COLUMNS)}
_HISTOGRAM = len(_COLUMNS)


def case_rows(cases, daily_from: date | None = None) -> list[tuple]:
    """What new cases contribute, as the agencies' daily rows ``Additions.gather`` takes:
    computed in Python where the rows are checked (an import's worker processes), by the
    rules the rebuild's SQL counts by (``_from_cases_sql``; the tests compare the two). A new
    case was received by the agency handling it and is in no group (no repeat call). What
    falls on a day before ``daily_from`` is counted on the first day of its month, as the
    merge keeps it (in the monthly row only): far fewer rows for a file of past months."""
    counts = CaseCounts(daily_from)
    counts.add(cases)
    return counts.take()


class CaseCounts:
    """``case_rows`` summed over many batches of new cases (``add``), taken as rows when
    wanted (``take``): an import's worker sums what its chunks contribute and hands over the
    sums now and then, so the rows gathered and merged are one per key and worker, not one
    per key and chunk (a chunk of a five-year file shares few keys; the worker's chunks share
    most). Its size (``len``) is the number of keys held."""

    def __init__(self, daily_from: date | None = None):
        self.daily_from = daily_from
        self.rows: dict[tuple, list] = {}
        # What a few thousand cases of one file share, worked out once each: the period a
        # local date is kept in, the histogram key of a processing time, a category's value.
        self._periods: dict[date, date] = {}
        self._histogram_keys: dict = {}
        self._categories: dict = {}

    def __len__(self) -> int:
        return len(self.rows)

    def _period(self, moment) -> date:
        """The period a moment (or a date) is kept in: its local date, or the first of its
        month before ``daily_from`` (``kept_on``)."""
        day = to_local_date(moment)
        period = self._periods.get(day)
        if period is None:
            period = self._periods[day] = kept_on(day, self.daily_from)[1]
        return period

    def add(self, cases) -> None:
        """Count new cases (``NewCase`` tuples)."""
        rows, period_of = self.rows, self._period
        histogram_keys, categories = self._histogram_keys, self._categories
        received, fell_due, due_on_time, due_closed, closed_n, closed_on_time, days_sum = (
            _FIGURE[name]
            for name in (
                "received",
                "fell_due",
                "fell_due_closed_on_time",
                "fell_due_closed",
                "closed",
                "closed_on_time",
                "processing_days_sum",
            )
        )
        sat_sum, sat_count, sat_satisfied = (
            _FIGURE[name]
            for name in ("satisfaction_sum", "satisfaction_count", "satisfaction_satisfied")
        )
        blank = [0] * len(_COLUMNS) + [None]
        total, by_category, by_channel, by_district = (
            dimension.value
            for dimension in (
                RollupDimension.TOTAL,
                RollupDimension.CATEGORY,
                RollupDimension.CHANNEL,
                RollupDimension.DISTRICT,
            )
        )
        closed_status = CaseStatus.CLOSED

        for (received_at, agency, category, channel, district, due, status, closed_at, on_time,
             days, satisfaction) in cases:  # fmt: skip
            closed = status == closed_status
            on = int(closed and bool(on_time))
            day = period_of(received_at)
            due = period_of(due)
            if closed:
                closed_day = period_of(closed_at)
                on_close = int(bool(on_time))
                key = histogram_keys.get(days)
                if key is None:
                    key = histogram_keys[days] = histogram_key(days)
            category_value = categories.get(category)
            if category_value is None:
                category_value = categories[category] = str(category)
            for dimension, value in (
                (total, ""),
                (by_category, category_value),
                (by_channel, channel),
                (by_district, district or ""),
            ):
                row = rows.get(at := (dimension, day, agency, value))
                if row is None:
                    row = rows[at] = blank.copy()
                row[received] += 1
                due_row = rows.get(at := (dimension, due, agency, value))
                if due_row is None:
                    due_row = rows[at] = blank.copy()
                due_row[fell_due] += 1
                due_row[due_on_time] += on
                due_row[due_closed] += closed
                if not closed:
                    continue
                closed_row = rows.get(at := (dimension, closed_day, agency, value))
                if closed_row is None:
                    closed_row = rows[at] = blank.copy()
                closed_row[closed_n] += 1
                closed_row[closed_on_time] += on_close
                closed_row[days_sum] += days
                histogram = closed_row[_HISTOGRAM]
                if histogram is None:
                    histogram = closed_row[_HISTOGRAM] = {}
                histogram[key] = histogram.get(key, 0) + 1
                if satisfaction is not None:
                    closed_row[sat_sum] += satisfaction
                    closed_row[sat_count] += 1
                    closed_row[sat_satisfied] += int(satisfaction >= SATISFIED_FROM)

    def take(self) -> list[tuple]:
        """The rows summed so far (``Additions.gather``'s), and start again from none."""
        rows, self.rows = self.rows, {}
        # The rows hold a few hundred different histograms: each written as JSON once.
        texts: dict[tuple, str] = {}

        def as_json(histogram: dict | None) -> str:
            items = tuple(sorted(histogram.items())) if histogram else ()
            text = texts.get(items)
            if text is None:
                text = texts[items] = json.dumps(dict(items))
            return text

        return [
            (*key, *figures[:_HISTOGRAM], as_json(figures[_HISTOGRAM]))
            for key, figures in rows.items()
        ]


def add_new_cases(ids) -> int:
    """Add what new cases contribute to the rollups now (``Additions``, merged at once).
    Returns the number of rows changed or stored (every grain)."""
    with Additions() as additions:
        additions.cases(ids)
        return additions.merge()


def add_repeat_changes(changes) -> int:
    """Put the cases whose repeat-call mark a grouping changed into the rollups now, set-based:
    the same as ``services.apply_repeat_changes`` for a batch of any size. Returns the number
    of rows changed."""
    with Additions() as additions:
        additions.repeat_changes(changes)
        return additions.merge()


def _create(cursor, table: str, *, grain: bool) -> None:
    """A temporary table of rollup rows being added (``grain``: with the grain of each)."""
    postgres = connection.vendor == "postgresql"
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {table} ("
        + ("grain varchar(5) DEFAULT 'day', " if grain else "")
        + "dimension varchar(10), k_period date, k_agency integer, k_value varchar(20), "
        + ", ".join(
            f"{name} numeric(12, 1)" if name == "processing_days_sum" else f"{name} integer"
            for name in _COLUMNS
        )
        + f", histogram {'jsonb' if postgres else 'text'})"
    )


def _repeat_rows_sql(dimension, pks, sign: int) -> tuple[str, list]:
    rows = _keyed(
        Case.objects.filter(pk__in=pks),
        dimension,
        TruncDate("received_at", tzinfo=TAIPEI),
        _received_agency(),
    ).annotate(n=Count("pk"))
    sql, params = rows.query.sql_with_params()
    zeros = ", ".join(f"0 AS {name}" for name in _COLUMNS[2:])
    contributions = f"""
        SELECT {_KEYS}, 0 AS received, {int(sign)} * n AS repeat_calls, {zeros},
               NULL AS h_key, 0 AS h_n
        FROM ({sql}) repeat_rows
    """
    return _rows_sql(contributions), list(params)


def _summed_sql(period: str, agency: str, where: str, source: str = _ADDING) -> str:
    """The rows of ``source`` (a temporary table of rows being added) summed into other rows:
    ``period`` and ``agency`` (SQL over its columns) give the row each counts in; histograms
    add key by key."""
    _object_agg, each, _empty = _json_sql()
    sums = ", ".join(f"SUM({name}) AS {name}" for name in _COLUMNS)
    zeros = ", ".join("0" for _name in _COLUMNS)
    keys = f"dimension, {period} AS k_period, {agency} AS k_agency, k_value"
    group = f"dimension, {period}, {agency}, k_value"
    contributions = f"""
        SELECT {keys}, {sums}, NULL AS h_key, 0 AS h_n
        FROM {source} WHERE {where}
        GROUP BY {group}
        UNION ALL
        SELECT {keys}, {zeros}, entry.key, SUM(CAST(entry.value AS INTEGER))
        FROM {source}, {each}({source}.histogram) entry WHERE {where}
        GROUP BY {group}, entry.key
    """
    return _rows_sql(contributions)


def _merged_histogram(stored: str, added: str) -> str:
    """SQL for the stored row's histogram plus the added row's, key by key."""
    object_agg, each, empty = _json_sql()
    return f"""CASE WHEN {added}.histogram = {empty} THEN {stored}.histogram ELSE (
        SELECT COALESCE({object_agg}(key, n), {empty}) FROM (
            SELECT key, SUM(CAST(value AS INTEGER)) AS n FROM (
                SELECT key, value FROM {each}({stored}.histogram)
                UNION ALL SELECT key, value FROM {each}({added}.histogram)
            ) entries GROUP BY key
        ) summed
    ) END"""


def _month_sql() -> str:
    """SQL for the first day of the month of ``k_period``."""
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('month', k_period) AS date)"
    return "date(k_period, 'start of month')"


def _year_sql() -> str:
    """SQL for 1 January of the year of ``k_period``."""
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('year', k_period) AS date)"
    return "date(k_period, 'start of year')"


def _date_sql(day: date) -> str:
    # SQLite keeps dates as ISO text, compared as text; CAST would make a number of it.
    literal = f"'{day.isoformat()}'"
    return f"DATE {literal}" if connection.vendor == "postgresql" else literal


def _kept_period_sql(daily_from: date | None) -> str:
    """SQL for the period a row of ``k_period`` is kept in: its day, or the first day of its
    month when the day is before ``daily_from`` (``services.daily_rollups_from``)."""
    if daily_from is None:
        return "k_period"
    return f"CASE WHEN k_period < {_date_sql(daily_from)} THEN {_month_sql()} ELSE k_period END"


@contextlib.contextmanager
def _no_jit(cursor):
    """PostgreSQL's JIT compiling off meanwhile (in this transaction), as before afterwards. A
    merge's statements sum hundreds of thousands of rows with their histograms; their cost
    estimate turns JIT compiling on: 1.8 s of compiling in an import's first sum (300,000
    cases, ``EXPLAIN ANALYZE``: 5.6–6.6 s with it, 5.4–5.7 s without)."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    before = cursor.fetchone()[0]
    yield
    cursor.execute("SELECT set_config('jit', %s, true)", [before])


def _add(selects: list[tuple[str, list]], daily_from: date | None = None) -> int:
    """Add the agencies' rows the ``selects`` give (``_rows_sql`` rows, a day before
    ``daily_from`` already the first of its month) to the stored rollups, with the city's rows
    summed from them, at every grain: daily rows from ``daily_from`` on, monthly rows summed
    from them, and the rows of the months before it as they are; yearly rows summed from the
    monthly rows. The rows that exist are
    added to (an UPDATE: a repeat-call mark moving away takes one off), the others are stored
    new (an INSERT; one a service created meanwhile is added to instead). Returns the number
    of rows changed or stored."""
    postgres = connection.vendor == "postgresql"
    figures = ", ".join(_COLUMNS)
    keys = ", ".join(_ADDING_KEYS)
    columns = f"{keys}, {figures}, histogram"
    # A row's grain from its period: a period before the first kept day is a month's.
    grain = (
        "'day'"
        if daily_from is None
        else f"CASE WHEN k_period < {_date_sql(daily_from)} THEN 'month' ELSE 'day' END"
    )
    written = 0
    with connection.cursor() as cursor, _no_jit(cursor):
        _create(cursor, _ADDING, grain=True)
        for select, params in selects:
            cursor.execute(
                f"INSERT INTO {_ADDING} (grain, {columns}) "
                f"SELECT {grain}, {columns} FROM ({select}) added",
                params,
            )
        city = _summed_sql(
            "k_period", f"CAST({ALL_AGENCIES} AS integer)", f"k_agency <> {ALL_AGENCIES}"
        )
        cursor.execute(
            f"INSERT INTO {_ADDING} (grain, {columns}) SELECT {grain}, {columns} FROM ({city}) c"
        )
        # The months of the daily rows (from ``daily_from`` on: no month of the rows kept by
        # month already).
        months = _summed_sql(_month_sql(), "k_agency", "grain = 'day'")
        cursor.execute(
            f"INSERT INTO {_ADDING} (grain, {columns}) SELECT 'month', {columns} "
            f"FROM ({months}) months"
        )
        # The years of every monthly row: those just summed and those of the months before
        # ``daily_from``.
        years = _summed_sql(_year_sql(), "k_agency", "grain = 'month'")
        cursor.execute(
            f"INSERT INTO {_ADDING} (grain, {columns}) SELECT 'year', {columns} "
            f"FROM ({years}) years"
        )
        if postgres:
            # A temporary table has no statistics until analysed: the planner would guess
            # its size when joining it to the rollup tables.
            cursor.execute(f"ANALYZE {_ADDING}")
        for grain, (model, period_field) in GRAINS.items():
            table = model._meta.db_table
            same = (
                f"{table}.dimension = a.dimension AND {table}.agency_key = a.k_agency AND "
                f"{table}.value = a.k_value AND {table}.{period_field} = a.k_period"
            )
            added = ", ".join(f"{name} = {table}.{name} + a.{name}" for name in _COLUMNS)
            cursor.execute(
                f"UPDATE {table} SET {added}, histogram = {_merged_histogram(table, 'a')} "
                f"FROM {_ADDING} a WHERE a.grain = %s AND {same}",
                [grain],
            )
            written += cursor.rowcount
            on_conflict = ", ".join(
                f"{name} = {table}.{name} + excluded.{name}" for name in _COLUMNS
            )
            cursor.execute(
                f"INSERT INTO {table} (dimension, {period_field}, agency_key, value, {figures}, "
                f"histogram) SELECT {columns} FROM {_ADDING} a WHERE a.grain = %s AND NOT "
                f"EXISTS (SELECT 1 FROM {table} WHERE {same}) "
                f"ORDER BY dimension, k_agency, k_value, k_period "
                f"ON CONFLICT (dimension, agency_key, value, {period_field}) DO UPDATE SET "
                f"{on_conflict}, histogram = {_merged_histogram(table, 'excluded')}",
                [grain],
            )
            written += cursor.rowcount
        cursor.execute(f"DROP TABLE {_ADDING}")
    return written


def _as_table(rows: dict[tuple, Delta]) -> dict[Key, dict]:
    return {
        key: {
            **{name: getattr(delta, name) for name in COUNTERS},
            "histogram": {k: n for k, n in sorted(delta.histogram.items()) if n},
        }
        for key, delta in rows.items()
        if not delta.is_zero()
    }


def _whole_years_only(table: dict[Key, dict], start: date | None, end: date | None) -> dict:
    """``table`` without the yearly rows of the years [start, end] holds only part of: what
    the rows of a range are compared by (a yearly row counts its months outside it too)."""

    def whole(year: date) -> bool:
        first, last = year_bounds(year, year)
        return (start is None or first >= start) and (end is None or last <= end)

    return {key: row for key, row in table.items() if key[0] != "year" or whole(key[1])}


def rollup_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """The stored rollup rows of the whole months around [start, end] (of the yearly rows,
    those of the whole years in it), in the shape ``direct_stats`` returns."""
    start, end = month_bounds(start, end)
    result = {}
    for grain, (model, period_field) in GRAINS.items():
        stored = model.objects.all()
        if start:
            stored = stored.filter(**{f"{period_field}__gte": start})
        if end:
            stored = stored.filter(**{f"{period_field}__lte": end})
        for r in stored:
            key = (grain, getattr(r, period_field), r.dimension, r.agency_key, r.value)
            result[key] = {
                **{name: getattr(r, name) for name in COUNTERS},
                "histogram": dict(sorted(r.histogram.items())),
            }
    return _whole_years_only(result, start, end)


def direct_stats(
    start: date | None = None,
    end: date | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> dict[Key, dict]:
    """The rollup rows of the whole months around [start, end] (and of the whole years in
    it), computed case by case in Python: processing days recounted on the calendar, on time
    as close date ≤ due date, the receiving agency read from the transfer history; daily rows
    from the stored ``daily_rollups_from`` on. Slow by design; for tests and checks."""
    start, end = month_bounds(start, end)
    cases = list(
        Case.objects.select_related("district").prefetch_related("transfers").order_by("pk")
    )
    if calendar is None and cases:
        years = [c.received_at.astimezone(TAIPEI).year for c in cases]
        calendar = WorkingCalendar.for_years(min(years), max(years) + 1)
    # Each group's first call, from its cases (not from ``ProblemGroup.first_case``, which
    # the tests check against this).
    first_calls: dict[int, tuple] = {}
    for case in cases:
        if case.problem_group_id is not None:
            key = (case.received_at, case.pk)
            first_calls[case.problem_group_id] = min(
                first_calls.get(case.problem_group_id, key), key
            )
    contributions: dict[tuple, Delta] = {}
    for case in cases:

        def at(day, agency_id, case=case) -> Delta:
            return contributions.setdefault(rollup_key(case, day, agency_id), Delta())

        transfers = sorted(case.transfers.all(), key=lambda t: (t.at, t.pk))
        received_by = transfers[0].from_agency_id if transfers else case.handling_agency_id
        received_on = to_local_date(case.received_at)
        if _in_range(received_on, start, end):
            row = at(received_on, received_by)
            row.received += 1
            row.repeat_calls += int(
                case.problem_group_id is not None
                and first_calls[case.problem_group_id] != (case.received_at, case.pk)
            )

        closed = case.status == CaseStatus.CLOSED
        on_time = closed and to_local_date(case.closed_at) <= case.due_date
        if _in_range(case.due_date, start, end):
            row = at(case.due_date, case.handling_agency_id)
            row.fell_due += 1
            row.fell_due_closed_on_time += int(on_time)
            row.fell_due_closed += int(closed)
        if closed and _in_range(to_local_date(case.closed_at), start, end):
            days = processing_working_days(case.received_at, case.closed_at, calendar=calendar)
            row = at(to_local_date(case.closed_at), case.handling_agency_id)
            row.closed += 1
            row.closed_on_time += int(on_time)
            row.processing_days_sum += days
            row.histogram[histogram_key(days)] += 1
            if case.satisfaction is not None:
                row.satisfaction_sum += case.satisfaction
                row.satisfaction_count += 1
                row.satisfaction_satisfied += int(case.satisfaction >= SATISFIED_FROM)
    return _whole_years_only(_as_table(roll_up(contributions, daily_rollups_from())), start, end)


def computed_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """What ``rebuild_rollups`` would write, without writing it."""
    return compute_rollups(start, end)


__all__ = [
    "Additions",
    "DailyRollup",
    "MonthlyRollup",
    "add_new_cases",
    "add_repeat_changes",
    "case_rows",
    "compute_rollups",
    "computed_table",
    "direct_stats",
    "fold_past_months",
    "month_bounds",
    "rebuild_rollups",
    "rollup_table",
]

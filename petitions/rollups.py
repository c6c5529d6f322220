"""Rollups (統計彙總): rebuilt in bulk from the case table, and computed directly for tests.

``petitions.services`` keeps ``DailyRollup`` and ``MonthlyRollup`` current case by case;
``rebuild_rollups`` recomputes the rows of a range of whole months from the case table, e.g.
after an import that bypassed the services or a data repair. It runs in the database, one
``INSERT … SELECT`` per grain and row kind (sixteen in all), each aggregating the three
contributions of a case (receipt, due date, close) in one pass; nothing goes through Python
objects, so a rebuild of five years (1.5 million cases) is a matter of seconds, not minutes.
The aggregate queries are built with the ORM, so each backend gets its own date and time-zone
SQL; only the outer sum and the histogram (``jsonb_object_agg`` on PostgreSQL,
``json_group_object`` on SQLite) are written here. It trusts the per-case figures the services
stored (``due_date``, ``processing_days``, ``closed_on_time``).

``direct_stats`` computes the same rows case by case in Python, recounting processing days on a
``WorkingCalendar`` built once: the tests use it to check that the rollups the services keep,
the rebuilt rollups and a direct computation agree field for field.

Both follow the contribution rules written at the top of ``petitions.services``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import CharField, Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth

from petitions.choices import CaseStatus, RollupDimension
from petitions.models import ALL_AGENCIES, Case, DailyRollup, MonthlyRollup
from petitions.services import COUNTERS, GRAINS, Delta, histogram_key, roll_up, rollup_key
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


_VALUE = {
    RollupDimension.TOTAL: lambda: Value("", output_field=CharField()),
    RollupDimension.CATEGORY: lambda: Cast("category_id", CharField()),
    RollupDimension.CHANNEL: lambda: F("channel"),
    RollupDimension.DISTRICT: lambda: Coalesce(F("district__code"), Value("")),
}


def _period(grain: str, field: str):
    """The local day (or its month) of a datetime field, or of the ``due_date`` date field."""
    day = F(field) if field == "due_date" else TruncDate(field, tzinfo=TAIPEI)
    return day if grain == "day" else TruncMonth(day)


def _contribution_queries(grain, dimension, per_agency, start, end):
    """The three aggregate querysets (receipts, due dates, closes) for one grain and row kind,
    each giving k_period, k_agency, k_value and its measures."""
    low, high = _bounds(start, end)
    received = Case.objects.all()
    due = Case.objects.all()
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    if low:
        received = received.filter(received_at__gte=low)
        closed = closed.filter(closed_at__gte=low)
        due = due.filter(due_date__gte=start)
    if high:
        received = received.filter(received_at__lt=high)
        closed = closed.filter(closed_at__lt=high)
        due = due.filter(due_date__lte=end)

    def keyed(queryset, period_field, agency):
        agency = agency if per_agency else Value(ALL_AGENCIES, output_field=IntegerField())
        return queryset.annotate(
            k_period=_period(grain, period_field), k_agency=agency, k_value=_VALUE[dimension]()
        )

    keys = ("k_period", "k_agency", "k_value")
    received = (
        keyed(received, "received_at", _received_agency())
        .values(*keys)
        .annotate(n=Count("pk"))
        .order_by()
    )
    due = (
        keyed(due, "due_date", F("handling_agency"))
        .values(*keys)
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(status=CaseStatus.CLOSED, closed_on_time=True)),
            closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        )
        .order_by()
    )
    # Grouped by processing days as well, which gives the histogram in the same pass.
    closed = (
        keyed(closed, "closed_at", F("handling_agency"))
        .annotate(k_days=F("processing_days"))
        .values(*keys, "k_days")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(closed_on_time=True)),
            satisfaction_sum=Coalesce(Sum("satisfaction"), 0),
            satisfaction_count=Count("satisfaction"),
        )
        .order_by()
    )
    return received, due, closed


_COLUMNS = (
    "received",
    "fell_due",
    "fell_due_closed_on_time",
    "fell_due_closed",
    "closed",
    "closed_on_time",
    "processing_days_sum",
    "satisfaction_sum",
    "satisfaction_count",
)


def _select_sql(grain, dimension, per_agency, start, end) -> tuple[str, list]:
    """One SELECT giving the finished rollup rows of one grain and row kind: k_period, k_agency,
    k_value, the counters in ``_COLUMNS`` order, and the histogram as JSON."""
    received, due, closed = _contribution_queries(grain, dimension, per_agency, start, end)
    sql = []
    params: list = []
    for queryset in (received, due, closed):
        q_sql, q_params = queryset.query.sql_with_params()
        sql.append(q_sql)
        params.extend(q_params)
    if connection.vendor == "postgresql":
        histogram = (
            "COALESCE(jsonb_object_agg(h_key, h_n) FILTER (WHERE h_key IS NOT NULL), '{}'::jsonb)"
        )
    else:
        histogram = "COALESCE(json_group_object(h_key, h_n) FILTER (WHERE h_key IS NOT NULL), '{}')"
    # The histogram key: "0.5" for a same-day close, else the whole number of days.
    h_key = (
        "CASE WHEN k_days = 0.5 THEN '0.5' ELSE CAST(CAST(k_days AS INTEGER) AS VARCHAR(10)) END"
    )
    select = f"""
        SELECT k_period, k_agency, k_value,
               SUM(received), SUM(fell_due), SUM(fell_due_closed_on_time),
               SUM(fell_due_closed), SUM(closed),
               SUM(closed_on_time), SUM(processing_days_sum), SUM(satisfaction_sum),
               SUM(satisfaction_count), {histogram}
        FROM (
            SELECT k_period, k_agency, k_value, n AS received, 0 AS fell_due,
                   0 AS fell_due_closed_on_time, 0 AS fell_due_closed, 0 AS closed,
                   0 AS closed_on_time,
                   0 AS processing_days_sum, 0 AS satisfaction_sum, 0 AS satisfaction_count,
                   NULL AS h_key, 0 AS h_n
            FROM ({sql[0]}) received_rows
            UNION ALL
            SELECT k_period, k_agency, k_value, 0, n, on_time, closed, 0, 0, 0, 0, 0, NULL, 0
            FROM ({sql[1]}) due_rows
            UNION ALL
            SELECT k_period, k_agency, k_value, 0, 0, 0, 0, n, on_time, k_days * n,
                   satisfaction_sum, satisfaction_count, {h_key}, n
            FROM ({sql[2]}) closed_rows
        ) contributions
        GROUP BY k_period, k_agency, k_value
    """
    return select, params


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _figures(counters, histogram) -> dict:
    """A row read back from ``_select_sql`` as ``rollup_table`` gives it."""
    figures = dict(zip(_COLUMNS, counters, strict=True))
    result = {name: int(figures[name] or 0) for name in COUNTERS if name != "processing_days_sum"}
    result["processing_days_sum"] = Decimal(str(figures["processing_days_sum"] or 0))
    if isinstance(histogram, str):
        histogram = json.loads(histogram)
    result["histogram"] = {k: int(n) for k, n in sorted(histogram.items())}
    return {name: result[name] for name in (*COUNTERS, "histogram")}


def _row_kinds():
    """(dimension, per_agency) for the eight kinds of row: four dimensions, agency and city."""
    return [(d, per_agency) for d in RollupDimension for per_agency in (True, False)]


def compute_rollups(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """What ``rebuild_rollups`` writes for the whole months around [start, end], read back
    instead of written."""
    start, end = month_bounds(start, end)
    rows: dict[Key, dict] = {}
    with connection.cursor() as cursor:
        for grain in GRAINS:
            for dimension, per_agency in _row_kinds():
                sql, params = _select_sql(grain, dimension, per_agency, start, end)
                cursor.execute(sql, params)
                for period, agency_key, value, *counters, histogram in cursor.fetchall():
                    key = (grain, _as_date(period), str(dimension), agency_key, value)
                    rows[key] = _figures(counters, histogram)
    return rows


@transaction.atomic
def rebuild_rollups(start: date | None = None, end: date | None = None) -> int:
    """Replace the rollup rows of the whole months around [start, end] (None: unbounded) with
    rows recomputed from the case table. Returns the number of rows written (both grains)."""
    start, end = month_bounds(start, end)
    for model, _field in GRAINS.values():
        if connection.vendor == "postgresql":
            # Services that already changed rollups finish first; services that start now wait
            # until the rebuilt rows are committed, and then apply their change on top of them.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    written = 0
    with connection.cursor() as cursor:
        for grain, (model, period_field) in GRAINS.items():
            table = model._meta.db_table
            # One DELETE in the database: the ORM's delete() would load every row as an
            # object first when any delete signal is listening (a million rows, gigabytes).
            where, params = ["1 = 1"], []
            if start:
                where.append(f"{period_field} >= %s")
                params.append(start)
            if end:
                where.append(f"{period_field} <= %s")
                params.append(end)
            cursor.execute(f"DELETE FROM {table} WHERE {' AND '.join(where)}", params)
            columns = ", ".join([period_field, "agency_key", "value", *_COLUMNS, "histogram"])
            for dimension, per_agency in _row_kinds():
                sql, params = _select_sql(grain, dimension, per_agency, start, end)
                # The dimension is a constant column: put it in front of the SELECT's columns.
                cursor.execute(
                    f"INSERT INTO {table} (dimension, {columns}) SELECT %s, r.* FROM ({sql}) r",
                    [str(dimension), *params],
                )
                written += cursor.rowcount
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


def rollup_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """The stored rollup rows of the whole months around [start, end], in the shape
    ``direct_stats`` returns."""
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
    return result


def direct_stats(
    start: date | None = None,
    end: date | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> dict[Key, dict]:
    """The rollup rows of the whole months around [start, end], computed case by case in
    Python: processing days recounted on the calendar, on time as close date ≤ due date, the
    receiving agency read from the transfer history. Slow by design; for tests and checks."""
    start, end = month_bounds(start, end)
    cases = list(
        Case.objects.select_related("district").prefetch_related("transfers").order_by("pk")
    )
    if calendar is None and cases:
        years = [c.received_at.astimezone(TAIPEI).year for c in cases]
        calendar = WorkingCalendar.for_years(min(years), max(years) + 1)
    contributions: dict[tuple, Delta] = {}
    for case in cases:

        def at(day, agency_id, case=case) -> Delta:
            return contributions.setdefault(rollup_key(case, day, agency_id), Delta())

        transfers = sorted(case.transfers.all(), key=lambda t: (t.at, t.pk))
        received_by = transfers[0].from_agency_id if transfers else case.handling_agency_id
        received_on = to_local_date(case.received_at)
        if _in_range(received_on, start, end):
            at(received_on, received_by).received += 1

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
    return _as_table(roll_up(contributions))


def computed_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """What ``rebuild_rollups`` would write, without writing it."""
    return compute_rollups(start, end)


__all__ = [
    "DailyRollup",
    "MonthlyRollup",
    "compute_rollups",
    "computed_table",
    "direct_stats",
    "month_bounds",
    "rebuild_rollups",
    "rollup_table",
]

"""Daily rollups (每日統計): rebuilt in bulk from the case table, and computed directly for tests.

``petitions.services`` keeps ``DailyRollup`` current case by case; ``rebuild_rollups`` recomputes
the rows of a date range from the case table with three aggregate queries (receipts, due dates,
closes) and one ``bulk_create``, e.g. after a data repair or an import that bypassed the
services. It trusts the per-case figures the services stored (``due_date``,
``processing_days``, ``closed_on_time``).

``direct_stats`` computes the same rows case by case in Python, recounting processing days on
a ``WorkingCalendar`` built once: the tests use it to check that the rollups the services keep,
the rebuilt rollups and a direct computation agree field for field.

Both follow the contribution rules written at the top of ``petitions.services``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from petitions.choices import CaseStatus
from petitions.models import Case, CaseTransfer, DailyRollup
from petitions.services import COUNTERS, Delta, histogram_key
from tainan_rdec.workdays import TAIPEI, WorkingCalendar, processing_working_days, to_local_date

Key = tuple  # (day, agency_id, category_id, channel, district_code)


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The aware datetimes [start 00:00, end + 1 day 00:00) in Taipei time."""
    low = datetime.combine(start, time.min, TAIPEI) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min, TAIPEI) if end else None
    return low, high


def _in_range(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _received_agency():
    """The agency that received a case: the first transfer's origin, else the handling agency."""
    first_origin = (
        CaseTransfer.objects.filter(case=OuterRef("pk")).order_by("at", "pk").values("from_agency")
    )
    return Coalesce(Subquery(first_origin[:1]), F("handling_agency"), output_field=IntegerField())


def _district_code():
    return Coalesce(F("district__code"), Value(""))


def compute_rollups(start: date | None = None, end: date | None = None) -> dict[Key, Delta]:
    """The rollup rows for days in [start, end] (None: unbounded), from aggregate queries."""
    low, high = _bounds(start, end)
    rows: dict[Key, Delta] = {}

    def at(day, agency_id, category_id, channel, district_code) -> Delta:
        return rows.setdefault((day, agency_id, category_id, channel, district_code), Delta())

    received = Case.objects.all()
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    due = Case.objects.all()
    if low:
        received = received.filter(received_at__gte=low)
        closed = closed.filter(closed_at__gte=low)
        due = due.filter(due_date__gte=start)
    if high:
        received = received.filter(received_at__lt=high)
        closed = closed.filter(closed_at__lt=high)
        due = due.filter(due_date__lte=end)

    keys = ("k_day", "k_agency", "category_id", "channel", "k_district")
    received = (
        received.annotate(
            k_day=TruncDate("received_at", tzinfo=TAIPEI),
            k_agency=_received_agency(),
            k_district=_district_code(),
        )
        .values(*keys)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in received:
        at(*(r[k] for k in keys)).received += r["n"]

    due = (
        due.annotate(
            k_day=F("due_date"), k_agency=F("handling_agency"), k_district=_district_code()
        )
        .values(*keys)
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(status=CaseStatus.CLOSED, closed_on_time=True)),
        )
        .order_by()
    )
    for r in due:
        row = at(*(r[k] for k in keys))
        row.fell_due += r["n"]
        row.fell_due_closed_on_time += r["on_time"]

    # Grouped by processing days as well, which gives the histogram in the same query.
    closed = (
        closed.annotate(
            k_day=TruncDate("closed_at", tzinfo=TAIPEI),
            k_agency=F("handling_agency"),
            k_district=_district_code(),
        )
        .values(*keys, "processing_days")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(closed_on_time=True)),
            satisfaction_sum=Sum("satisfaction"),
            satisfaction_count=Count("satisfaction"),
        )
        .order_by()
    )
    for r in closed:
        row = at(*(r[k] for k in keys))
        days = Decimal(r["processing_days"])
        row.closed += r["n"]
        row.closed_on_time += r["on_time"]
        row.processing_days_sum += days * r["n"]
        row.satisfaction_sum += r["satisfaction_sum"] or 0
        row.satisfaction_count += r["satisfaction_count"]
        row.histogram[histogram_key(days)] += r["n"]
    return rows


@transaction.atomic
def rebuild_rollups(start: date | None = None, end: date | None = None) -> int:
    """Replace the rollup rows for days in [start, end] (None: unbounded) with rows recomputed
    from the case table. Returns the number of rows written."""
    if connection.vendor == "postgresql":
        # Services that already changed rollups finish first; services that start now wait
        # until the rebuilt rows are committed, and then apply their change on top of them.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DailyRollup._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    old = DailyRollup.objects.all()
    if start:
        old = old.filter(day__gte=start)
    if end:
        old = old.filter(day__lte=end)
    old.delete()
    rows = [
        DailyRollup(
            day=day,
            agency_id=agency_id,
            category_id=category_id,
            channel=channel,
            district_code=district_code,
            histogram={k: n for k, n in sorted(delta.histogram.items()) if n},
            **{name: getattr(delta, name) for name in COUNTERS},
        )
        for (day, agency_id, category_id, channel, district_code), delta in compute_rollups(
            start, end
        ).items()
    ]
    DailyRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _as_table(rows: dict[Key, Delta]) -> dict[Key, dict]:
    return {
        key: {
            **{name: getattr(delta, name) for name in COUNTERS},
            "histogram": {k: n for k, n in sorted(delta.histogram.items()) if n},
        }
        for key, delta in rows.items()
        if not delta.is_zero()
    }


def rollup_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """The stored rollup rows for days in [start, end], in the shape ``direct_stats`` returns."""
    stored = DailyRollup.objects.all()
    if start:
        stored = stored.filter(day__gte=start)
    if end:
        stored = stored.filter(day__lte=end)
    result = {}
    for r in stored:
        result[(r.day, r.agency_id, r.category_id, r.channel, r.district_code)] = {
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
    """The rollup rows for days in [start, end], computed case by case in Python: processing
    days recounted on the calendar, on time as close date ≤ due date, the receiving agency read
    from the transfer history. Slow by design; for tests and spot checks."""
    cases = list(
        Case.objects.select_related("district").prefetch_related("transfers").order_by("pk")
    )
    if calendar is None and cases:
        years = [c.received_at.astimezone(TAIPEI).year for c in cases]
        calendar = WorkingCalendar.for_years(min(years), max(years) + 1)
    rows: dict[Key, Delta] = {}
    for case in cases:
        district_code = case.district.code if case.district else ""

        def at(day, agency_id, case=case, district_code=district_code) -> Delta:
            key = (day, agency_id, case.category_id, case.channel, district_code)
            return rows.setdefault(key, Delta())

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
    return _as_table(rows)


def computed_table(start: date | None = None, end: date | None = None) -> dict[Key, dict]:
    """What ``rebuild_rollups`` would write, without writing it."""
    return _as_table(compute_rollups(start, end))

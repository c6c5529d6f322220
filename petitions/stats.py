"""Case statistics for the dashboards (陳情案件統計), read from the rollups: ``YearlyRollup`` for
the whole years already over, ``MonthlyRollup`` for the other whole months already over,
``DailyRollup`` for the rest of a period.

Nothing here reads the case table. Every function runs a fixed number of queries whatever
the number of cases.

Definitions (DOMAIN.md "Citizen service"), for the days in [start, end]:

- received: cases received (by the agency that received them, see ``petitions.services``);
- closed, closed on time: cases closed, and those closed by their due date; on-time % = closed
  on time ÷ closed; overdue rate (逾期率) = closed late ÷ closed;
- 屆期依限結案率 = fell due and closed on time ÷ fell due, over the cases whose due date is in the
  period and already past (before today): a case falls due at the end of its due date, so
  cases due today or later are not counted yet;
- overdue still open: open cases whose due date is in the period and before today, by the
  agency handling them now (fell due − closed, counted on the due day);
- mean and 90th percentile of working days to close, over the cases closed in the period. The
  percentile is the **nearest-rank** one: the smallest value v such that at least 90% of the
  closed cases took v days or fewer (the ⌈0.9·N⌉-th smallest). The histograms hold every value
  (0.5 or whole days), so it is exact;
- satisfaction (滿意度, 1–5, 5 = 非常滿意), over the cases closed in the period that were rated:
  the number answered, the mean, and the share satisfied (rated 4 or 5) — reported together, as
  a mean of three answers is no figure to rank by;
- ``ranked``: the row has at least ``PetitionSettings.min_cases_for_ranking`` closed cases
  (the rates are computed on them); ``flagged``: overdue rate above
  ``PetitionSettings.overdue_flag_rate`` (% — agencies above it owe an improvement plan).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.choices import Channel, RollupDimension
from petitions.models import (
    ALL_AGENCIES,
    Category,
    DailyRollup,
    MonthlyRollup,
    PetitionSettings,
    YearlyRollup,
)
from petitions.services import daily_rollups_from
from tainan_rdec.models import Agency, District
from tainan_rdec.roc import format_roc_month

DIMENSIONS = ("agency", "category", "channel", "district", "month")

TOTAL = RollupDimension.TOTAL
CATEGORY = RollupDimension.CATEGORY
CHANNEL = RollupDimension.CHANNEL


ONE = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def _round(value: Decimal, step: Decimal = ONE) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    return _round(Decimal(100) * part / whole) if whole else None


def percentile_nearest_rank(histogram: dict[str, int], p: int = 90) -> Decimal | None:
    """The nearest-rank p-th percentile of the values counted in ``histogram``: the smallest
    value with at least p% of the counts at or below it; None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = math.ceil(total * p / 100)
    seen = 0
    for value in sorted(histogram, key=Decimal):
        seen += histogram[value]
        if seen >= rank:
            return Decimal(value)
    raise AssertionError("unreachable")


@dataclass
class TimelinessRow:
    """One line of a timeliness table (by agency, category, channel, district or month)."""

    key: object
    label: str
    received: int
    closed: int
    closed_on_time: int
    fell_due: int
    fell_due_closed_on_time: int
    processing_days_sum: Decimal
    satisfaction_sum: int
    satisfaction_count: int
    histogram: dict[str, int]
    overdue_open: int
    satisfaction_satisfied: int = 0
    repeat_calls: int = 0  # of ``received``: later calls of a problem (petitions.problems)
    ranked: bool = False
    flagged: bool = False

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    @property
    def closed_on_time_pct(self) -> Decimal | None:
        """依限結案百分比: closed on time ÷ closed."""
        return _percent(self.closed_on_time, self.closed)

    @property
    def on_time_closure_rate(self) -> Decimal | None:
        """屆期依限結案率: fell due and closed on time ÷ fell due."""
        return _percent(self.fell_due_closed_on_time, self.fell_due)

    @property
    def overdue_rate(self) -> Decimal | None:
        """逾期率: closed late ÷ closed."""
        return _percent(self.closed_late, self.closed)

    @property
    def mean_days(self) -> Decimal | None:
        return _round(self.processing_days_sum / self.closed) if self.closed else None

    @property
    def p90_days(self) -> Decimal | None:
        return percentile_nearest_rank(self.histogram, 90)

    @property
    def mean_satisfaction(self) -> Decimal | None:
        if not self.satisfaction_count:
            return None
        return _round(Decimal(self.satisfaction_sum) / self.satisfaction_count, HUNDREDTH)

    @property
    def satisfied_pct(self) -> Decimal | None:
        """Share satisfied: rated 4 or 5 ÷ rated, in %."""
        return _percent(self.satisfaction_satisfied, self.satisfaction_count)

    @property
    def owes_improvement_plan(self) -> bool:
        """應提改善計畫: enough closed cases to be ranked, and an overdue rate above the flag."""
        return self.ranked and self.flagged


def _month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _split(
    start: date, end: date, today: date, *, years: bool = True
) -> tuple[tuple | None, list[tuple[date, date]], list[tuple[date, date]]]:
    """[start, end] as the whole years ``YearlyRollup`` answers for (first and last
    1 January, or None; none unless ``years``), the other whole past months ``MonthlyRollup``
    answers for (ranges of first days: before the years and after them), and the days left
    over that ``DailyRollup`` answers for: partial months at the edges, and the months not yet
    over (due-date measures count only days before today)."""
    first = start if start.day == 1 else _month_end(start) + timedelta(days=1)
    last = end.replace(day=1) if end == _month_end(end) else end.replace(day=1) - timedelta(days=1)
    last = last.replace(day=1)
    if _month_end(last) >= today:  # not over yet: today's month and later go by day
        last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if first > last:
        return None, [], [(start, end)]
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if _month_end(last) < end:
        days.append((_month_end(last) + timedelta(days=1), end))
    first_year = first if first.month == 1 else date(first.year + 1, 1, 1)
    last_year = date(last.year if last.month == 12 else last.year - 1, 1, 1)
    if not years or first_year > last_year:
        return None, [(first, last)], days
    months = []
    if first < first_year:
        months.append((first, date(first_year.year - 1, 12, 1)))
    if last > date(last_year.year, 12, 1):
        months.append((date(last_year.year + 1, 1, 1), last))
    return (first_year, last_year), months, days


def _check_days_kept(days: list[tuple[date, date]], today: date) -> None:
    """Refuse days the rollups keep by month only (``services.daily_rollups_from``): part of
    a month that is over. Every page asks for whole months, and for days of this month; the
    first day kept is read only when a period asks for another day."""
    if all(low >= today.replace(day=1) for low, _high in days):
        return
    kept_from = daily_rollups_from()
    if kept_from is not None and any(low < kept_from for low, _high in days):
        raise ValueError(
            f"the rollups keep the days before {kept_from} by month only: "
            f"ask for whole months there, not {days}"
        )


def _python_type(column: str):
    """How a summed rollup column reads in Python: a Decimal (through its text, as SQLite
    sums it as a float) for processing days, an int for the counts."""
    if isinstance(DailyRollup._meta.get_field(column), DecimalField):
        return lambda value: Decimal(str(value))
    return int


# What a grain's rows hold of the period (``_Rows.querysets``): every figure; the days of a
# month not over, whose due-date figures count only before today; the days from today on of
# months read from their monthly rows, whose due-date figures are taken off again.
WHOLE, DAYS, FROM_TODAY = "whole", "days", "from_today"


class _Rows:
    """The rollup rows that answer for [start, end] by one breakdown, from every grain (the
    yearly rows unless grouped by month).

    ``dimension`` picks the row kind; the rows of the city (``agency_key`` 0) unless
    ``agency_ids`` limits them to those agencies. ``group`` names what to group by: "agency",
    "value" or "month". Each method runs one query over the grains that have rows to read.

    This month and the months after it, when the period holds them whole (as the dashboard's
    periods do), are read from their monthly rows, as the months that are over are: a month's
    row holds the sum of its days' rows. Only the figures counted on due dates
    (``past_`` measures) must leave out the days from today on; their rows are read and taken
    off (``FROM_TODAY``), which is fewer rows than a month of days."""

    def __init__(self, start, end, today, dimension, agency_ids, group, per_agency=False):
        self.years, self.months, self.days = _split(start, end, today, years=group != "month")
        _check_days_kept(self.days, today)
        self.from_today = None
        this_month = today.replace(day=1)
        for low, high in self.days:
            if low == this_month and high == _month_end(high):
                self.days.remove((low, high))
                self.months.append((low, high.replace(day=1)))
                self.from_today = (today, high)
                break
        self.today = today
        self.group = group
        self.filters = {"dimension": dimension}
        if agency_ids is not None:
            self.filters["agency_key__in"] = list(agency_ids)
        elif per_agency:
            self.filters["agency_key__gt"] = ALL_AGENCIES
        else:
            self.filters["agency_key"] = ALL_AGENCIES

    def querysets(self):
        """(queryset, group expression, what its rows hold: ``WHOLE``, ``DAYS`` or
        ``FROM_TODAY``) per grain with rows to read."""
        field = {"agency": "agency_key", "value": "value"}
        result = []
        if self.years:
            rows = YearlyRollup.objects.filter(
                year__gte=self.years[0], year__lte=self.years[1], **self.filters
            )
            result.append((rows, F(field[self.group]), WHOLE))
        if self.months:
            span = Q()
            for low, high in self.months:
                span |= Q(month__gte=low, month__lte=high)
            rows = MonthlyRollup.objects.filter(span, **self.filters)
            result.append((rows, F(field.get(self.group, "month")), WHOLE))
        day_group = TruncMonth("day") if self.group == "month" else F(field[self.group])
        if self.days:
            span = Q()
            for low, high in self.days:
                span |= Q(day__gte=low, day__lte=high)
            rows = DailyRollup.objects.filter(span, **self.filters)
            result.append((rows, day_group, DAYS))
        if self.from_today:
            low, high = self.from_today
            rows = DailyRollup.objects.filter(day__gte=low, day__lte=high, **self.filters)
            result.append((rows, day_group, FROM_TODAY))
        return result

    def key(self, raw):
        """A group key as the callers know it: a month as its first day, a ``date`` (a
        backend may give a datetime, or SQLite text, for a month computed in SQL)."""
        if self.group != "month":
            return raw
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, str):
            return date.fromisoformat(raw[:10])
        return raw

    def _all_grains(self, selects: list[tuple[str, list]], columns: str, group: str) -> list:
        """The rows of one query over the grains' SELECTs (``UNION ALL``): ``columns`` of
        their rows grouped by ``group``. One query, not one per grain: a page asks for a
        dozen breakdowns, and each query's round trip cost more than its rows."""
        if not selects:
            return []
        union = " UNION ALL ".join(sql for sql, _params in selects)
        params = [param for _sql, grain_params in selects for param in grain_params]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM ({union}) AS grains GROUP BY {group}", params)
            return cursor.fetchall()

    def sums(self, **measures) -> dict:
        """{group key: {measure: sum}}; a measure named with a ``past_`` prefix counts only days
        before today. One query."""
        selects = []
        for rows, group, holds in self.querysets():
            annotations = {}
            for name, column in measures.items():
                past = name.startswith("past_")
                if holds == FROM_TODAY:
                    annotations[name] = -Sum(column) if past else Value(0)
                else:
                    only_past = Q(day__lt=self.today) if past and holds == DAYS else None
                    annotations[name] = Sum(column, filter=only_past)
            grain = rows.annotate(k=group).values("k").annotate(**annotations).order_by()
            selects.append(grain.query.sql_with_params())
        names = list(measures)
        summed = ", ".join(f"SUM({name})" for name in names)
        # A sum of sums comes back as the backend makes it (PostgreSQL: numeric, a Decimal,
        # for the sum of bigint sums): each figure as its column's type, counts as int.
        types = [_python_type(column) for column in measures.values()]
        result = {}
        for k, *values in self._all_grains(selects, f"k, {summed}", "k"):
            figures = zip(names, types, values, strict=True)
            result[self.key(k)] = {name: kind(value or 0) for name, kind, value in figures}
        return result

    def histograms(self) -> dict:
        """{group key: Counter of processing days}, the rows' histograms added key by key in
        the database (``jsonb_each_text``, SQLite's ``json_each``): five years by agency are
        thousands of rows whose histograms, decoded and added here, were a fifth of the
        dashboard's time. One query."""
        each = "jsonb_each_text" if connection.vendor == "postgresql" else "json_each"
        selects = []
        for rows, group, holds in self.querysets():
            if holds == FROM_TODAY:
                continue  # the monthly rows hold these days' closes already
            inner, params = (
                rows.filter(closed__gt=0).annotate(k=group).values_list("k", "histogram")
            ).query.sql_with_params()
            selects.append(
                (
                    f"SELECT t.k AS k, h.key AS days, CAST(h.value AS integer) AS n "
                    f"FROM ({inner}) AS t CROSS JOIN {each}(t.histogram) AS h",
                    params,
                )
            )
        merged: dict = {}
        for raw, days, count in self._all_grains(selects, "k, days, SUM(n)", "k, days"):
            key = self.key(raw)
            histogram = merged.get(key)
            if histogram is None:
                histogram = merged[key] = Counter()
            histogram[days] += count
        return merged


def _breakdown(dimension: str, start, end, today, agency_ids) -> _Rows:
    if dimension == "agency":
        return _Rows(start, end, today, TOTAL, agency_ids, "agency", per_agency=True)
    if dimension == "month":
        return _Rows(start, end, today, TOTAL, agency_ids, "month")
    return _Rows(start, end, today, dimension, agency_ids, "value")


def _labels(dimension: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if dimension == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "category":
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "district":
        names = dict(District.objects.filter(code__in=keys).values_list("code", "name"))
        names[""] = str(_("未填行政區"))
        return names
    if dimension == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    return {k: format_roc_month(k) for k in keys}


def timeliness_by(
    dimension: str, *, start: date, end: date, agency_ids=None, today: date | None = None
) -> list[TimelinessRow]:
    """The timeliness table for [start, end] grouped by ``dimension`` (one of DIMENSIONS), in
    key order; ``agency_ids`` limits it to those agencies (an agency's own view); ``today``
    (default: the local date) decides which due dates are past. Queries: settings, totals and
    histograms per grain read, labels (none for channel and month)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    today = today or timezone.localdate()
    settings = PetitionSettings.get()
    breakdown = _breakdown(dimension, start, end, today, agency_ids)
    totals = breakdown.sums(
        received="received",
        repeat_calls="repeat_calls",
        closed="closed",
        closed_on_time="closed_on_time",
        past_fell_due="fell_due",
        past_fell_due_closed_on_time="fell_due_closed_on_time",
        past_fell_due_closed="fell_due_closed",
        processing_days_sum="processing_days_sum",
        satisfaction_sum="satisfaction_sum",
        satisfaction_count="satisfaction_count",
        satisfaction_satisfied="satisfaction_satisfied",
    )
    histograms = breakdown.histograms()
    rows = {}
    for raw_key, t in totals.items():
        key = _key(dimension, raw_key)
        rows[key] = TimelinessRow(
            key=key,
            label="",
            received=t["received"],
            closed=t["closed"],
            closed_on_time=t["closed_on_time"],
            fell_due=t["past_fell_due"],
            fell_due_closed_on_time=t["past_fell_due_closed_on_time"],
            processing_days_sum=t["processing_days_sum"],
            satisfaction_sum=t["satisfaction_sum"],
            satisfaction_count=t["satisfaction_count"],
            satisfaction_satisfied=t["satisfaction_satisfied"],
            histogram=dict(histograms.get(raw_key, {})),
            overdue_open=t["past_fell_due"] - t["past_fell_due_closed"],
            repeat_calls=t["repeat_calls"],
        )
    labels = _labels(dimension, rows)
    threshold = Decimal(settings.overdue_flag_rate)
    for key, row in rows.items():
        row.label = labels.get(key, str(key))
        row.ranked = row.closed >= settings.min_cases_for_ranking
        row.flagged = row.overdue_rate is not None and row.overdue_rate > threshold
    return [rows[k] for k in sorted(rows, key=lambda k: (k is None, k))]


def total_row(rows: list[TimelinessRow], label: str) -> TimelinessRow:
    """The rows of one breakdown added up (every case counts in one row of a breakdown, so the
    sum is the whole): the 合計 line under a table."""
    histogram: Counter = Counter()
    for row in rows:
        histogram.update(row.histogram)
    summed = {
        name: sum((getattr(row, name) for row in rows), start)
        for name, start in (
            ("received", 0),
            ("repeat_calls", 0),
            ("closed", 0),
            ("closed_on_time", 0),
            ("fell_due", 0),
            ("fell_due_closed_on_time", 0),
            ("processing_days_sum", Decimal(0)),
            ("satisfaction_sum", 0),
            ("satisfaction_count", 0),
            ("satisfaction_satisfied", 0),
            ("overdue_open", 0),
        )
    }
    return TimelinessRow(key=None, label=label, histogram=dict(histogram), **summed)


def satisfaction_tables(by_category, by_agency=()) -> dict:
    """What a page shows of satisfaction: the categories and (for the commission) the agencies
    with rated cases, and the total; every rated case has one category, so the categories add
    up to it."""
    rated = [row for row in by_category if row.satisfaction_count]
    return {
        "agencies": [row for row in by_agency if row.satisfaction_count],
        "categories": rated,
        "total": total_row(rated, str(_("合計"))),
    }


def _key(dimension: str, raw):
    """A breakdown's key as the caller knows it: a category pk as an int."""
    return int(raw) if dimension == "category" else raw


def volume_by_month_and_channel(start: date, end: date, agency_ids=None) -> list[dict]:
    """Cases received per month and channel: [{"month": date, "channel": str, "received": n}],
    by month then channel. One query per grain."""
    today = timezone.localdate()
    counts: Counter = Counter()
    grains = _Rows(start, end, today, CHANNEL, agency_ids, "month")
    for rows, month, holds in grains.querysets():
        if holds == FROM_TODAY:
            continue  # the monthly rows hold these days' receipts already
        for r in rows.annotate(k=month).values("k", "value").annotate(n=Sum("received")).order_by():
            counts[(grains.key(r["k"]), r["value"])] += r["n"]
    return [
        {"month": month, "channel": channel, "received": n}
        for (month, channel), n in sorted(counts.items())
        if n
    ]


def top_categories(start: date, end: date, n: int = 10, agency_ids=None) -> list[dict]:
    """The ``n`` categories with the most cases received:
    [{"category_id", "name", "received"}], most first (ties by name). Two queries per grain
    at most, and one for the names."""
    today = timezone.localdate()
    received = _Rows(start, end, today, CATEGORY, agency_ids, "value").sums(received="received")
    names = dict(
        Category.objects.filter(pk__in=[int(k) for k in received]).values_list("pk", "name")
    )
    rows = [
        {"category_id": int(k), "name": names.get(int(k), k), "received": v["received"]}
        for k, v in received.items()
        if v["received"]
    ]
    rows.sort(key=lambda r: (-r["received"], r["name"]))
    return rows[:n]


def total_received(start: date, end: date, agency_ids=None) -> int:
    """Cases received in [start, end]. One query per grain."""
    today = timezone.localdate()
    totals = _Rows(start, end, today, TOTAL, agency_ids, "value").sums(received="received")
    return sum(v["received"] for v in totals.values())

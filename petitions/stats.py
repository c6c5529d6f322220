"""Case statistics for the dashboards (陳情案件統計), read from ``DailyRollup``.

Nothing here scans the case table except one indexed count of the cases overdue and still
open. Every function runs a fixed number of queries whatever the number of cases.

Definitions (DOMAIN.md "Citizen service"), for the days in [start, end]:

- received: cases received (by the agency that received them, see ``petitions.services``);
- closed, closed on time: cases closed, and those closed by their due date; on-time % = closed
  on time ÷ closed; overdue rate (逾期率) = closed late ÷ closed;
- 屆期依限結案率 = fell due and closed on time ÷ fell due, over the cases whose due date is in the
  period and already past (before today): a case falls due at the end of its due date, so
  cases due today or later are not counted yet;
- overdue still open: open cases whose due date is in the period and before today, by the
  agency handling them now;
- mean and 90th percentile of working days to close, over the cases closed in the period. The
  percentile is the **nearest-rank** one: the smallest value v such that at least 90% of the
  closed cases took v days or fewer (the ⌈0.9·N⌉-th smallest). The histograms hold every value
  (0.5 or whole days), so it is exact;
- mean satisfaction over the closed cases that were rated;
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

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.choices import Channel
from petitions.models import Case, Category, DailyRollup, PetitionSettings
from tainan_rdec.models import Agency, District

DIMENSIONS = ("agency", "category", "channel", "district", "month")

# The DailyRollup column per dimension ("month" is annotated).
_ROLLUP_FIELD = {
    "agency": "agency_id",
    "category": "category_id",
    "channel": "channel",
    "district": "district_code",
    "month": "month",
}


def _case_group(dimension: str):
    return {
        "agency": F("handling_agency_id"),
        "category": F("category_id"),
        "channel": F("channel"),
        "district": Coalesce(F("district__code"), Value("")),
        "month": TruncMonth("due_date"),
    }[dimension]


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


def _rollups(start: date, end: date, agency_ids=None):
    rows = DailyRollup.objects.filter(day__gte=start, day__lte=end)
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    return rows


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
    return {k: f"{k.year - 1911}年{k.month}月" for k in keys}


def _overdue_open(dimension: str, start: date, end: date, today: date, agency_ids=None) -> dict:
    """Open cases that fell due in [start, end] before today, counted per dimension value."""
    last = min(end, today - timedelta(days=1))
    if last < start:
        return {}
    cases = Case.objects.open().filter(due_date__gte=start, due_date__lte=last)
    if agency_ids is not None:
        cases = cases.filter(handling_agency_id__in=list(agency_ids))
    counts = cases.annotate(k=_case_group(dimension)).values("k").annotate(n=Count("pk")).order_by()
    return {_norm(r["k"]): r["n"] for r in counts}


def timeliness_by(
    dimension: str, *, start: date, end: date, agency_ids=None, today: date | None = None
) -> list[TimelinessRow]:
    """The timeliness table for [start, end] grouped by ``dimension`` (one of DIMENSIONS), in
    key order; ``agency_ids`` limits it to those agencies (an agency's own view); ``today``
    (default: the local date) decides which due dates are past. At most five queries: settings,
    totals, histograms, overdue open, labels (none for channel and month)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    today = today or timezone.localdate()
    settings = PetitionSettings.get()
    field = _ROLLUP_FIELD[dimension]
    rollups = _rollups(start, end, agency_ids)
    if dimension == "month":
        rollups = rollups.annotate(month=TruncMonth("day"))
    # Due-date measures count only days already past (a case falls due at the end of the day).
    past = Q(day__lt=today)
    totals = (
        rollups.values(field)
        .annotate(
            received_=Sum("received"),
            closed_=Sum("closed"),
            closed_on_time_=Sum("closed_on_time"),
            fell_due_=Coalesce(Sum("fell_due", filter=past), 0),
            fell_due_closed_on_time_=Coalesce(Sum("fell_due_closed_on_time", filter=past), 0),
            processing_days_sum_=Sum("processing_days_sum"),
            satisfaction_sum_=Sum("satisfaction_sum"),
            satisfaction_count_=Sum("satisfaction_count"),
        )
        .order_by(field)
    )
    histograms: dict[object, Counter] = {}
    for key, histogram in rollups.filter(closed__gt=0).values_list(field, "histogram"):
        histograms.setdefault(_norm(key), Counter()).update(histogram)
    overdue = _overdue_open(dimension, start, end, today, agency_ids)
    rows = {}
    for t in totals:
        key = _norm(t[field])
        rows[key] = TimelinessRow(
            key=key,
            label="",
            received=t["received_"],
            closed=t["closed_"],
            closed_on_time=t["closed_on_time_"],
            fell_due=t["fell_due_"],
            fell_due_closed_on_time=t["fell_due_closed_on_time_"],
            processing_days_sum=Decimal(t["processing_days_sum_"]),
            satisfaction_sum=t["satisfaction_sum_"],
            satisfaction_count=t["satisfaction_count_"],
            histogram=dict(histograms.get(key, {})),
            overdue_open=0,
        )
    for key, n in overdue.items():
        if key not in rows:
            rows[key] = TimelinessRow(key, "", 0, 0, 0, 0, 0, Decimal(0), 0, 0, {}, 0)
        rows[key].overdue_open = n
    labels = _labels(dimension, rows)
    threshold = Decimal(settings.overdue_flag_rate)
    for key, row in rows.items():
        row.label = labels.get(key, str(key))
        row.ranked = row.closed >= settings.min_cases_for_ranking
        row.flagged = row.overdue_rate is not None and row.overdue_rate > threshold
    return [rows[k] for k in sorted(rows, key=lambda k: (k is None, k))]


def _norm(key):
    """A month key as a date (a backend may hand back a datetime for TruncMonth)."""
    return key.date() if isinstance(key, datetime) else key


def volume_by_month_and_channel(start: date, end: date, agency_ids=None) -> list[dict]:
    """Cases received per month and channel: [{"month": date, "channel": str, "received": n}],
    by month then channel. One query."""
    rows = (
        _rollups(start, end, agency_ids)
        .annotate(month=TruncMonth("day"))
        .values("month", "channel")
        .annotate(received=Sum("received"))
        .filter(received__gt=0)
        .order_by("month", "channel")
    )
    return [
        {"month": _norm(r["month"]), "channel": r["channel"], "received": r["received"]}
        for r in rows
    ]


def top_categories(start: date, end: date, n: int = 10, agency_ids=None) -> list[dict]:
    """The ``n`` categories with the most cases received:
    [{"category_id", "name", "received"}], most first (ties by name). One query."""
    rows = (
        _rollups(start, end, agency_ids)
        .values("category_id", "category__name")
        .annotate(received=Sum("received"))
        .filter(received__gt=0)
        .order_by("-received", "category__name")[:n]
    )
    return [
        {"category_id": r["category_id"], "name": r["category__name"], "received": r["received"]}
        for r in rows
    ]


def total_received(start: date, end: date, agency_ids=None) -> int:
    """Cases received in [start, end]. One query."""
    return _rollups(start, end, agency_ids).aggregate(n=Sum("received"))["n"] or 0

"""Petition timeliness, followed through (陳情案件處理時效統計並改進): an agency whose overdue
rate was above the flag for a month gets an improvement item, and the item is closed once the
agency's rate has stayed under the flag for the recovery period.

The rules, run for one whole month that is over (``follow_up``, monthly by beat through
``evaluations.tasks.follow_up_petition_timeliness``, or for a past month by hand):

- **Raised**: for each agency that owes an improvement plan for the month — enough closed cases
  to be ranked (``PetitionSettings.min_cases_for_ranking``) and an overdue rate (closed late ÷
  closed, by the agency handling the case) above ``PetitionSettings.overdue_flag_rate``: the
  dashboard's "應提改善計畫" — one item, waiting for the agency's plan, due
  ``improvement_plan_days`` later. None when the agency already has an open timeliness item, or
  an item for this month or a later one (a past month run after a later one adds nothing): at
  most one item per agency and month, and one open per agency (the table's constraints hold
  it whatever runs at once).
- **Closed**: an item whose results the agency has reported, when the agency's rate was at or
  under the flag in each of the last ``improvement_recovery_months`` months that had a case
  closed, counted back from the month run, after the item's own month. A month with no case
  closed is no evidence either way and is skipped; a month above the flag restarts the count.

The figures come from the rollups (``petitions.stats``), never the case table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import reminders
from evaluations.choices import ImprovementSource, ImprovementStatus
from evaluations.models import ImprovementItem
from petitions import stats
from petitions.models import PetitionSettings
from tainan_rdec.months import add_months, month_end, month_start
from tainan_rdec.roc import format_roc_month


@dataclass(frozen=True)
class MonthFigures:
    """One month of one agency's closing figures."""

    month: date
    closed: int
    closed_late: int
    overdue_rate: Decimal | None  # None when nothing was closed

    def above(self, threshold: Decimal) -> bool:
        return self.overdue_rate is not None and self.overdue_rate > threshold


@dataclass
class FollowUp:
    """What one run did."""

    month: date
    raised: list[ImprovementItem] = field(default_factory=list)
    closed: list[ImprovementItem] = field(default_factory=list)


def _threshold(rules: PetitionSettings) -> Decimal:
    return Decimal(rules.overdue_flag_rate)


def _percent_text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def month_figures(agency_id: int, first: date, last: date, *, today: date) -> list[MonthFigures]:
    """The agency's figures for every month from ``first`` to ``last`` (first days), months
    without a row included. A fixed number of queries whatever the span."""
    if last < first:
        return []
    rows = stats.timeliness_by(
        "month", start=first, end=month_end(last), agency_ids=[agency_id], today=today
    )
    by_month = {row.key: row for row in rows}
    figures, month = [], first
    while month <= last:
        row = by_month.get(month)
        closed = row.closed if row else 0
        late = row.closed_late if row else 0
        figures.append(MonthFigures(month, closed, late, row.overdue_rate if row else None))
        month = add_months(month, 1)
    return figures


def recovery_streak(figures: list[MonthFigures], threshold: Decimal) -> int:
    """Months in a row at or under ``threshold``, counted back from the last; months with
    nothing closed are skipped, the first month above it ends the count."""
    streak = 0
    for month in reversed(figures):
        if not month.closed:
            continue
        if month.above(threshold):
            break
        streak += 1
    return streak


def recovery(item: ImprovementItem, *, today: date | None = None) -> dict:
    """An item's figures since its month, up to the last month that is over, and how far the
    agency is on its way back: for the item's page."""
    today = today or timezone.localdate()
    rules = PetitionSettings.get()
    last = add_months(month_start(today), -1)
    figures = month_figures(item.agency_id, item.period, last, today=today)
    after = [f for f in figures if f.month > item.period]
    return {
        "figures": figures,
        "threshold": _threshold(rules),
        "needed": rules.improvement_recovery_months,
        "streak": recovery_streak(after, _threshold(rules)),
    }


def _check_over(month: date, today: date) -> None:
    if month_end(month) >= today:
        raise ValueError(f"{month:%Y-%m} is not over yet on {today}: its figures may still change")


def raise_items(month: date, *, today: date) -> list[ImprovementItem]:
    """Raise an item for each agency that owes an improvement plan for ``month``."""
    rules = PetitionSettings.get()
    rows = stats.timeliness_by("agency", start=month, end=month_end(month), today=today)
    raised = []
    for row in rows:
        if row.owes_improvement_plan:
            item = _raise(row, month, rules, today)
            if item is not None:
                raised.append(item)
    return raised


def _raise(row, month: date, rules: PetitionSettings, today: date) -> ImprovementItem | None:
    agency_id = row.key
    followed = ImprovementItem.objects.timeliness().filter(agency_id=agency_id)
    if followed.filter(Q(period__gte=month) | ~Q(status=ImprovementStatus.VERIFIED)).exists():
        return None
    description = _(
        "{month}陳情案件逾期率{rate}%（結案{closed}件，逾期結案{late}件），高於{threshold}%，"
        "應提改善計畫。"
    ).format(
        month=format_roc_month(month),
        rate=_percent_text(row.overdue_rate),
        closed=f"{row.closed:,}",
        late=f"{row.closed_late:,}",
        threshold=_percent_text(rules.overdue_flag_rate),
    )
    try:
        with transaction.atomic():
            item = ImprovementItem.objects.create(
                source=ImprovementSource.TIMELINESS,
                agency_id=agency_id,
                period=month,
                overdue_rate=row.overdue_rate,
                description=description,
                status=ImprovementStatus.PLAN_DUE,
                due_date=today + timedelta(days=rules.improvement_plan_days),
            )
            reminders.notify_raised(item)
    except IntegrityError:
        return None  # raised meanwhile by another run: the constraints keep one
    return item


def close_recovered(month: date, *, today: date) -> list[ImprovementItem]:
    """Close the items whose agency has been back at or under the flag for the recovery period
    up to ``month``, once their results are reported."""
    rules = PetitionSettings.get()
    threshold = _threshold(rules)
    closed = []
    reported = ImprovementItem.objects.timeliness().filter(
        status=ImprovementStatus.REPORTED, period__lt=month
    )
    for item in reported.order_by("pk"):
        figures = month_figures(item.agency_id, add_months(item.period, 1), month, today=today)
        streak = recovery_streak(figures, threshold)
        if streak >= rules.improvement_recovery_months and _close(item, month, streak, rules):
            item.refresh_from_db()
            closed.append(item)
    return closed


@transaction.atomic
def _close(item: ImprovementItem, month: date, streak: int, rules: PetitionSettings) -> bool:
    item = ImprovementItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ImprovementStatus.REPORTED:
        return False  # returned or closed meanwhile
    item.status = ImprovementStatus.VERIFIED
    item.review_note = _("逾期率已連續{n}個月不高於{threshold}%（至{month}），解除列管。").format(
        n=streak, threshold=_percent_text(rules.overdue_flag_rate), month=format_roc_month(month)
    )
    item.reviewed_by = None
    item.reviewed_at = timezone.now()
    item._change_reason = _("逾期率連續達標，解除列管")
    item.save()
    return True


def follow_up(month: date, *, today: date | None = None) -> FollowUp:
    """The month's run: raise the items it calls for and close the items it completes.
    Refuses a month not yet over (its figures may still change)."""
    today = today or timezone.localdate()
    month = month_start(month)
    _check_over(month, today)
    result = FollowUp(month)
    result.closed = close_recovered(month, today=today)
    result.raised = raise_items(month, today=today)
    return result

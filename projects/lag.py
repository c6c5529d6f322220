"""Lag status (落後狀態) and its flags, from accepted reports and the commission's thresholds.

Pure functions over figures already loaded, so a list page assesses hundreds of projects from a
few bulk queries (see ``assess_many``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from django.db.models import Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from projects.choices import LagStatus, ReportState
from projects.models import ControlSettings, Milestone, MonthlyReport


def is_behind(actual: Decimal, planned: Decimal, rules: ControlSettings | None = None) -> bool:
    """落後: actual below planned by more than the threshold (default 0 points)."""
    rules = rules or ControlSettings.get()
    return actual - planned < -rules.behind_points


def lag_status(
    actual: Decimal, planned: Decimal, *, stopped: bool, rules: ControlSettings
) -> LagStatus:
    if stopped:
        return LagStatus.STOPPED
    difference = actual - planned
    if difference <= -rules.seriously_behind_points:
        return LagStatus.SERIOUSLY_BEHIND
    if difference < -rules.behind_points:
        return LagStatus.BEHIND
    return LagStatus.ON_SCHEDULE


FLAG_CONSECUTIVE = "consecutive_behind"
FLAG_CHECKPOINT_OVERDUE = "checkpoint_overdue"
FLAG_LOW_EXECUTION = "low_execution"
FLAG_LABELS = {
    FLAG_CONSECUTIVE: _("連續落後"),
    FLAG_CHECKPOINT_OVERDUE: _("檢核點逾期"),
    FLAG_LOW_EXECUTION: _("執行率偏低"),
}


@dataclass
class Assessment:
    status: LagStatus
    latest: MonthlyReport | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def difference(self) -> Decimal | None:
        return self.latest.difference if self.latest else None

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAG_LABELS[f]) for f in self.flags]


def _successive_months(reports_desc: list[MonthlyReport]) -> bool:
    """True when the periods follow each other month by month: a month without an accepted
    report breaks a run of 連續落後."""
    index = [r.period.year * 12 + r.period.month for r in reports_desc]
    return all(newer - older == 1 for newer, older in pairwise(index))


def assess(
    project,
    accepted_desc: list[MonthlyReport],
    milestones: list[Milestone],
    *,
    rules: ControlSettings,
    today: date,
) -> Assessment:
    """``accepted_desc``: the project's accepted reports, newest first (at least the last N)."""
    stopped = project.is_stopped
    if not accepted_desc:
        status = LagStatus.STOPPED if stopped else LagStatus.NO_DATA
        result = Assessment(status)
    else:
        latest = accepted_desc[0]
        status = lag_status(
            latest.actual_percent, latest.planned_percent, stopped=stopped, rules=rules
        )
        result = Assessment(status, latest)
        run = accepted_desc[: rules.consecutive_behind_months]
        if (
            len(run) == rules.consecutive_behind_months
            and _successive_months(run)
            and all(is_behind(r.actual_percent, r.planned_percent, rules) for r in run)
        ):
            result.flags.append(FLAG_CONSECUTIVE)
        rate = latest.execution_rate
        if rate is not None and rate < rules.low_execution_rate:
            result.flags.append(FLAG_LOW_EXECUTION)
    if any(m.is_overdue(today) for m in milestones):
        result.flags.append(FLAG_CHECKPOINT_OVERDUE)
    return result


def assess_many(projects, *, today: date, rules: ControlSettings | None = None) -> dict:
    """{project id: Assessment} for ``projects`` in three queries, whatever their number."""
    rules = rules or ControlSettings.get()
    ids = [p.pk for p in projects]
    depth = max(rules.consecutive_behind_months, 1)
    ranked = (
        MonthlyReport.objects.filter(project_id__in=ids, state=ReportState.ACCEPTED)
        .annotate(
            rank=Window(RowNumber(), partition_by="project_id", order_by="-period"),
        )
        .order_by("project_id", "-period")
    )
    reports: dict[int, list[MonthlyReport]] = {}
    # Filtering on a window function needs Django 4.2+; both SQLite and PostgreSQL run it.
    for report in ranked.filter(rank__lte=depth):
        reports.setdefault(report.project_id, []).append(report)
    milestones: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(project_id__in=ids):
        milestones.setdefault(milestone.project_id, []).append(milestone)
    return {
        p.pk: assess(p, reports.get(p.pk, []), milestones.get(p.pk, []), rules=rules, today=today)
        for p in projects
    }

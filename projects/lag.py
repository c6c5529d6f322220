"""Lag status (落後狀態) and its flags, from accepted reports and the commission's thresholds.

Pure functions over figures already loaded, so a list page assesses hundreds of projects from a
few bulk queries (see ``assess_many``). A page that shows only the figures (the dashboard, the
early-warning list) asks for ``ReportFigures`` instead of whole reports: the rule reads the same
numbers, and building a thousand model instances with their narratives costs more than the rest
of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import ClassVar

from django.db import connection
from django.db.models import Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from projects.choices import LagStatus, MilestoneStatus, ReportState
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
    latest: MonthlyReport | ReportFigures | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def difference(self) -> Decimal | None:
        return self.latest.difference if self.latest else None

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAG_LABELS[f]) for f in self.flags]


@dataclass(slots=True)
class ReportFigures:
    """An accepted report's figures without its narrative: what the lag and risk rules read, and
    what the figure-only pages show. ``difference`` and ``execution_rate`` are the report's own."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "pk",
        "project_id",
        "period",
        "planned_percent",
        "actual_percent",
        "allocated_to_date",
        "paid",
        "payable_unpaid",
        "savings",
    )

    pk: int
    project_id: int
    period: date
    planned_percent: Decimal
    actual_percent: Decimal
    allocated_to_date: int
    paid: int
    payable_unpaid: int
    savings: int

    difference = MonthlyReport.difference
    execution_rate = MonthlyReport.execution_rate


def _successive_months(reports_desc: list[MonthlyReport]) -> bool:
    """True when the periods follow each other month by month: a month without an accepted
    report breaks a run of 連續落後."""
    index = [r.period.year * 12 + r.period.month for r in reports_desc]
    return all(newer - older == 1 for newer, older in pairwise(index))


def status_of(project, latest, *, rules: ControlSettings) -> LagStatus:
    """A project's lag status (落後狀態) from its last accepted report (None: none yet)."""
    if latest is None:
        return LagStatus.STOPPED if project.is_stopped else LagStatus.NO_DATA
    return lag_status(
        latest.actual_percent, latest.planned_percent, stopped=project.is_stopped, rules=rules
    )


def lag_statuses(
    projects: list, *, rules: ControlSettings, until: date | None = None
) -> dict[int, LagStatus]:
    """{project id: its lag status} in one query, for a page that counts statuses only: the
    ``status`` of ``assess_many``'s assessments, from each project's last accepted report
    (``until``: see ``accepted_reports``)."""
    latest = accepted_reports([p.pk for p in projects], 1, figures_only=True, until=until)
    return {p.pk: status_of(p, (latest.get(p.pk) or [None])[0], rules=rules) for p in projects}


def assess(
    project,
    accepted_desc: list[MonthlyReport],
    milestones: list[Milestone],
    *,
    rules: ControlSettings,
    today: date,
) -> Assessment:
    """``accepted_desc``: the project's accepted reports, newest first (at least the last N)."""
    latest = accepted_desc[0] if accepted_desc else None
    result = Assessment(status_of(project, latest, rules=rules), latest)
    if latest is not None:
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


def accepted_reports(
    ids, depth: int, *, figures_only: bool = False, until: date | None = None
) -> dict:
    """{project id: its last ``depth`` accepted reports, newest first} in one query; as
    ``ReportFigures`` when ``figures_only``, else as whole reports. ``until``: the last month
    counted (the figures as they stood at a past quarter's end); None: every month."""
    reports: dict[int, list] = {}
    if connection.vendor == "postgresql":
        rows = _last_accepted_rows(list(ids), depth, figures_only=figures_only, until=until)
    else:
        accepted = MonthlyReport.objects.filter(project_id__in=ids, state=ReportState.ACCEPTED)
        if until is not None:
            accepted = accepted.filter(period__lte=until)
        ranked = (
            accepted.annotate(
                rank=Window(RowNumber(), partition_by="project_id", order_by="-period")
            )
            # Filtering on a window function needs Django 4.2+.
            .filter(rank__lte=depth)
            .order_by("project_id", "-period")
        )
        rows = ranked.values_list(*ReportFigures.FIELDS) if figures_only else ranked
    for row in rows:
        report = ReportFigures(*row) if figures_only else row
        reports.setdefault(report.project_id, []).append(report)
    return reports


def _last_accepted_rows(ids: list[int], depth: int, *, figures_only: bool, until: date | None):
    """``accepted_reports``'s rows on PostgreSQL: each project's last ``depth`` accepted reports
    read from its own end of the (project, period) index (a LATERAL join, which the ORM cannot
    write), and the ids sent as one array. Ranking every accepted report of the projects with
    a window function reads all their years of reports: 10,944 rows to keep 1,608 for the 530
    plans closed on completion of the five-year data set (tests/perf, bench_pages)."""
    meta, quote = MonthlyReport._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [meta.pk if name == "pk" else meta.get_field(name) for name in ReportFigures.FIELDS]
    columns = ", ".join(f"m.{quote(field.column)}" for field in fields) if figures_only else "m.*"
    sql = (
        f"SELECT {columns} FROM unnest(%s::bigint[]) AS p(id) CROSS JOIN LATERAL ("
        f"SELECT * FROM {table} m WHERE m.project_id = p.id AND m.state = %s"
        + (" AND m.period <= %s" if until is not None else "")
        + " ORDER BY m.period DESC LIMIT %s) m ORDER BY m.project_id, m.period DESC"
    )
    params = [ids, ReportState.ACCEPTED, *([until] if until is not None else []), depth]
    if not figures_only:
        return MonthlyReport.objects.raw(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def overdue_checkpoints(ids, today: date) -> dict[int, list[Milestone]]:
    """{project id: its overdue checkpoints} in one query: the rows ``Milestone.is_overdue``
    would pick, chosen by the database (a project has many checkpoints, few of them overdue)."""
    overdue: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(
        Q(status=MilestoneStatus.SCHEDULED) | Q(actual_date__gt=today),
        project_id__in=ids,
        planned_date__lt=today,
    ):
        overdue.setdefault(milestone.project_id, []).append(milestone)
    return overdue


def with_ids(projects) -> tuple[list, object]:
    """``projects`` as a list, and their ids for an ``__in`` filter. A queryset's ids stay in
    the database as a subquery: written into the SQL, hundreds of ids cost more to send and
    parse than the database takes to find them again."""
    if isinstance(projects, QuerySet):
        return list(projects), projects.values("pk")
    projects = list(projects)
    return projects, [p.pk for p in projects]


def assess_with_reports(
    projects: list,
    ids,
    *,
    today: date,
    rules: ControlSettings,
    depth: int,
    figures_only=False,
    until: date | None = None,
) -> tuple[dict, dict]:
    """({project id: Assessment}, {project id: last ``depth`` accepted reports, newest first})
    in two queries, so a caller that reads more of the reports (the risk rule) loads them once.
    ``ids``: the projects' ids (see ``with_ids``); ``until``: see ``accepted_reports``."""
    # The ids themselves here, even for a queryset: PostgreSQL then reads each project's reports
    # by its index, where a subquery has it scan five years of every project's reports.
    reports = accepted_reports(
        [p.pk for p in projects],
        max(depth, rules.consecutive_behind_months, 1),
        figures_only=figures_only,
        until=until,
    )
    overdue = overdue_checkpoints(ids, today)
    assessments = {
        p.pk: assess(p, reports.get(p.pk, []), overdue.get(p.pk, []), rules=rules, today=today)
        for p in projects
    }
    return assessments, reports


def assess_many(
    projects, *, today: date, rules: ControlSettings | None = None, figures_only: bool = False
) -> dict:
    """{project id: Assessment} for ``projects`` (a list, or a queryset: see ``with_ids``) in
    two queries, whatever their number.

    ``figures_only``: each assessment's ``latest`` is a ``ReportFigures``, for a page that shows
    the figures but not the report's narrative."""
    rules = rules or ControlSettings.get()
    projects, ids = with_ids(projects)
    assessments, _reports = assess_with_reports(
        projects, ids, today=today, rules=rules, depth=1, figures_only=figures_only
    )
    return assessments

"""Figures for the reviewers' overview dashboard (列管總覽), from aggregate queries.

Every figure is computed over the projects the dashboard's filters select (``projects``, a
queryset) in a number of queries that does not grow with the projects:

- counts and total budget by kind (列管類別) and by control status (列管狀態);
- lag distribution (落後狀態) of the listed projects, from ``projects.warning.rate_many`` (which
  also gives the number of high- and medium-risk projects);
- the eight forward-looking categories (前瞻基礎建設, all control statuses): count, total budget,
  **completion rate** = projects whose phase is 已申報竣工, 驗收中, 結算付款中 or 已結案, or that
  have an actual completion date, ÷ the category's projects; **on-schedule rate** = listed
  projects whose lag status is 進度符合 ÷ listed projects with an accepted report (a listed project
  with no accepted report yet has no lag status and is left out of the rate, shown apart);
- filing compliance per host agency, for two periods: the period bureaus are filing now
  (``projects.home.current_filing_period``, its deadline still ahead: filed so far and not yet
  filed) and the month before it, whose deadline has passed: projects that owed a report (listed,
  planned start in or before that month), filed (submitted or accepted), late (filed after the
  deadline), missing (owed but not filed) and the compliance rate = filed on time ÷ owed;
- the seriously-behind list (嚴重落後 and 停工, worst difference first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum, prefetch_related_objects

from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    LagStatus,
    ProjectKind,
    ReportState,
    RiskLevel,
)
from projects.history import as_they_stood, end_of
from projects.home import current_filing_period
from projects.lag import lag_statuses
from projects.models import ControlSettings, MonthlyReport, Project
from projects.warning import RATED_FIELDS, listed_for_rating, rate_many
from tainan_rdec.months import add_months

COMPLETED_PHASES = (
    ExecutionPhase.COMPLETION_REPORTED,
    ExecutionPhase.ACCEPTANCE,
    ExecutionPhase.SETTLEMENT,
    ExecutionPhase.CLOSED,
)
FILED_STATES = (ReportState.SUBMITTED, ReportState.ACCEPTED)
# What counting projects as they stood on a past day reads besides the rated fields.
STOOD_FIELDS = ("control_status", "total_budget", "created_at")
SERIOUS_STATUSES = frozenset({LagStatus.SERIOUSLY_BEHIND, LagStatus.STOPPED})

# Lag bar chart geometry (SVG user units).
CHART_WIDTH = 560
CHART_LABEL_WIDTH = 120
CHART_VALUE_WIDTH = 60
CHART_BAR_HEIGHT = 26
CHART_GAP = 12


def rate_percent(part: int, whole: int) -> Decimal | None:
    """part ÷ whole in %, one decimal, half up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Group:
    """One row of a count-and-budget table."""

    key: str
    label: str
    count: int = 0
    budget: int = 0
    url: str = ""


@dataclass
class LagBar:
    status: LagStatus
    count: int
    percent: Decimal | None
    y: int = 0
    width: float = 0
    url: str = ""

    @property
    def label(self) -> str:
        return str(self.status.label)

    @property
    def text_y(self) -> int:
        return self.y + CHART_BAR_HEIGHT // 2


@dataclass
class LagChart:
    bars: list[LagBar]
    total: int
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH
    bar_height: int = CHART_BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * (CHART_BAR_HEIGHT + CHART_GAP) + CHART_GAP

    @property
    def description(self) -> str:
        return "；".join(f"{bar.label} {bar.count:,}" for bar in self.bars)


@dataclass
class CategoryRow:
    category: ForwardCategory | None  # None on the total row
    count: int = 0
    budget: int = 0
    completed: int = 0
    listed: int = 0
    assessed: int = 0
    on_schedule: int = 0
    url: str = ""

    @property
    def completion_rate(self) -> Decimal | None:
        return rate_percent(self.completed, self.count)

    @property
    def on_schedule_rate(self) -> Decimal | None:
        return rate_percent(self.on_schedule, self.assessed)


@dataclass
class ComplianceRow:
    """One agency's filings: the period being filed now, and the last period already due."""

    agency_id: int
    agency_name: str
    listed: int
    current_due: int
    current_filed: int
    due: int
    filed: int
    late: int

    @property
    def current_not_filed(self) -> int:
        return self.current_due - self.current_filed

    @property
    def missing(self) -> int:
        return self.due - self.filed

    @property
    def on_time(self) -> int:
        return self.filed - self.late

    @property
    def compliance_rate(self) -> Decimal | None:
        return rate_percent(self.on_time, self.due)


@dataclass
class Dashboard:
    today: date
    rules: ControlSettings
    total: Group
    by_kind: list[Group]
    by_status: list[Group]
    lag_chart: LagChart
    risk_counts: dict[str, int]
    categories: list[CategoryRow]
    category_total: CategoryRow
    period: date
    deadline: date
    closed_period: date
    closed_deadline: date
    compliance: list[ComplianceRow]
    compliance_total: ComplianceRow
    seriously_behind: list = field(default_factory=list)


def _counts(base) -> list[dict]:
    """Count, budget and completed projects per kind, control status and forward category: one
    grouped query that every count-and-budget table of the dashboard adds up."""
    return list(
        base.values("kind", "control_status", "forward_category")
        .annotate(
            n=Count("pk"),
            budget=Sum("total_budget"),
            completed=Count(
                "pk", filter=Q(phase__in=COMPLETED_PHASES) | Q(actual_completion__isnull=False)
            ),
        )
        .order_by()
    )


def _counts_of(projects: list[Project], day: date) -> list[dict]:
    """``_counts`` of projects as they stood on a past ``day`` (``projects.history``), counted
    here: their status and phase are rewound in memory, not in the table."""
    groups: dict[tuple, dict] = {}
    for p in projects:
        key = (p.kind, p.control_status, p.forward_category)
        row = groups.setdefault(
            key,
            dict(zip(("kind", "control_status", "forward_category"), key, strict=True))
            | {"n": 0, "budget": 0, "completed": 0},
        )
        row["n"] += 1
        row["budget"] += p.total_budget or 0
        row["completed"] += p.phase in COMPLETED_PHASES or (
            p.actual_completion is not None and p.actual_completion <= day
        )
    return list(groups.values())


def _groups(counts: list[dict]) -> tuple[list[Group], list[Group], Group]:
    """Count and budget by kind and by control status (every choice, zeros included), and the
    total."""
    by_kind = {value: Group(value, str(label)) for value, label in ProjectKind.choices}
    by_status = {value: Group(value, str(label)) for value, label in ControlStatus.choices}
    for row in counts:
        for groups, key in ((by_kind, row["kind"]), (by_status, row["control_status"])):
            if key in groups:
                groups[key].count += row["n"]
                groups[key].budget += row["budget"] or 0
    kinds = list(by_kind.values())
    total = Group("", "", sum(g.count for g in kinds), sum(g.budget for g in kinds))
    return kinds, list(by_status.values()), total


def _lag_chart(counts: dict[str, int]) -> LagChart:
    total = sum(counts.values())
    biggest = max(counts.values(), default=0) or 1
    span = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH
    bars = []
    for i, status in enumerate(
        [
            LagStatus.ON_SCHEDULE,
            LagStatus.BEHIND,
            LagStatus.SERIOUSLY_BEHIND,
            LagStatus.STOPPED,
            LagStatus.NO_DATA,
        ]
    ):
        count = counts.get(status, 0)
        bars.append(
            LagBar(
                status,
                count,
                rate_percent(count, total),
                y=CHART_GAP + i * (CHART_BAR_HEIGHT + CHART_GAP),
                width=round(span * count / biggest, 1),
            )
        )
    return LagChart(bars, total)


def _categories(
    counts: list[dict],
    listed: list[Project],
    closed: list[Project],
    statuses: dict[int, LagStatus],
) -> tuple[list[CategoryRow], CategoryRow]:
    """The eight forward-looking categories. 進度符合 counts over the listed plans and the ones
    closed on completion (a closed plan keeps the status of its last accepted report);
    ``statuses``: the lag status of both."""
    result = {c: CategoryRow(c) for c in ForwardCategory}
    for row in counts:
        if row["kind"] == ProjectKind.FORWARD and row["forward_category"] in result:
            target = result[ForwardCategory(row["forward_category"])]
            target.count += row["n"]
            target.budget += row["budget"] or 0
            target.completed += row["completed"]
    # Lag status is computed, not stored: count the assessed ones from the ratings.
    for project, is_listed in [*((p, True) for p in listed), *((p, False) for p in closed)]:
        if project.kind != ProjectKind.FORWARD or project.forward_category not in result:
            continue
        row = result[ForwardCategory(project.forward_category)]
        row.listed += is_listed
        status = statuses[project.pk]
        if status != LagStatus.NO_DATA:
            row.assessed += 1
        if status == LagStatus.ON_SCHEDULE:
            row.on_schedule += 1
    categories = list(result.values())
    total = CategoryRow(None)
    for row in categories:
        for name in ("count", "budget", "completed", "listed", "assessed", "on_schedule"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return categories, total


def is_closed_on_completion(project: Project, day: date) -> bool:
    """A plan delisted once its works were done (解除列管／結案): completed by ``day`` (an actual
    completion date or a finished phase). It owes no more filings; in the forward-looking
    table it still counts, with the lag status of its last accepted report."""
    return project.control_status == ControlStatus.DELISTED and (
        project.phase in COMPLETED_PHASES
        or (project.actual_completion is not None and project.actual_completion <= day)
    )


def _compliance(
    listed, current: date, closed: date, *, filed_before=None
) -> tuple[list[ComplianceRow], ComplianceRow]:
    """Per host agency. A project owes a report for a month once its planned start is in or
    before that month (應填報); filed = submitted or accepted; late = filed after the deadline.
    ``filed_before``: count only what was sent before that moment (a past day's figures).

    Two grouped queries: the projects per agency, then the two months' filings per agency (a
    join of every project with all its reports would count five years of reports to find two
    months' worth)."""

    def due_in(period):
        return Q(planned_start__lt=add_months(period, 1))

    agencies = (
        listed.values("host_agency", "host_agency__name", "host_agency__short_name")
        .annotate(
            n=Count("pk"),
            current_due=Count("pk", filter=due_in(current)),
            due=Count("pk", filter=due_in(closed)),
        )
        .order_by("host_agency__sort_order", "host_agency__code")
    )
    reports = MonthlyReport.objects.filter(
        project__in=listed, period__in=[current, closed], state__in=FILED_STATES
    )
    if filed_before is not None:
        reports = reports.filter(submitted_at__lt=filed_before)
    filings = {
        row["project__host_agency"]: row
        for row in reports.values("project__host_agency")
        .annotate(
            current_filed=Count("pk", filter=Q(period=current)),
            filed=Count("pk", filter=Q(period=closed)),
            late=Count("pk", filter=Q(period=closed, is_late=True)),
        )
        .order_by()
    }
    nothing = {"current_filed": 0, "filed": 0, "late": 0}
    rows = []
    for row in agencies:
        filed = filings.get(row["host_agency"], nothing)
        rows.append(
            ComplianceRow(
                row["host_agency"],
                row["host_agency__short_name"] or row["host_agency__name"],
                row["n"],
                row["current_due"],
                filed["current_filed"],
                row["due"],
                filed["filed"],
                filed["late"],
            )
        )
    totals = [
        sum(getattr(r, name) for r in rows)
        for name in ("listed", "current_due", "current_filed", "due", "filed", "late")
    ]
    return rows, ComplianceRow(0, "", *totals)


def build_dashboard(
    projects, *, today: date, rules: ControlSettings | None = None, until: date | None = None
) -> Dashboard:
    """The dashboard's figures for ``projects`` (a Project queryset, already filtered).

    ``until``: the figures as they stood on ``today``, a past day (a quarter's packet): the
    projects' status and phase then, and the reports for months up to ``until``
    (``projects.history``)."""
    rules = rules or ControlSettings.get()
    # A plain queryset over the selected ids: the filters may join districts, which would
    # otherwise count a project once per district in the aggregates below.
    base = Project.objects.filter(pk__in=projects.values("pk"))
    if until is None:
        counts = _counts(base)
        listed_qs = listed_for_rating(projects)
        listed = list(listed_qs)
        rated = listed_qs
    else:
        stood = as_they_stood(base.only(*RATED_FIELDS, *STOOD_FIELDS), today)
        counts = _counts_of(stood, today)
        listed = [p for p in stood if p.control_status == ControlStatus.LISTED]
        listed_qs = Project.objects.filter(pk__in=[p.pk for p in listed])
        rated = listed
    by_kind, by_status, total = _groups(counts)

    ratings = rate_many(rated, today=today, rules=rules, figures_only=True, until=until)
    statuses = {pk: rating.assessment.status for pk, rating in ratings.items()}
    lag_counts: dict[str, int] = {}
    for status in statuses.values():
        lag_counts[status] = lag_counts.get(status, 0) + 1
    risk_counts = {level.value: 0 for level in RiskLevel}
    for rating in ratings.values():
        risk_counts[rating.level.value] += 1

    # The forward-looking plans closed on completion: rated on their own (their last accepted
    # report), so they never enter the lag chart, the risk counts or the seriously-behind list.
    if until is None:
        closed = [
            p
            for p in base.filter(
                kind=ProjectKind.FORWARD, control_status=ControlStatus.DELISTED
            ).only(*RATED_FIELDS, "control_status")
            if is_closed_on_completion(p, today)
        ]
    else:
        closed = [
            p for p in stood if p.kind == ProjectKind.FORWARD and is_closed_on_completion(p, today)
        ]
    # Only their lag status counts (their last accepted report): not rated, so neither their
    # checkpoints nor their curve's rise are read.
    closed_statuses = lag_statuses(closed, rules=rules, until=until) if closed else {}
    categories, category_total = _categories(
        counts, listed, closed, {**statuses, **closed_statuses}
    )
    period = current_filing_period(today, rules)
    closed_period = add_months(period, -1)  # its deadline has passed: late and missing are facts
    compliance, compliance_total = _compliance(
        listed_qs, period, closed_period, filed_before=None if until is None else end_of(today)
    )

    serious = [
        (project, ratings[project.pk])
        for project in listed
        if ratings[project.pk].assessment.status in SERIOUS_STATUSES
    ]
    # Only the listed projects shown need their agency: one query for those, not a join for all.
    prefetch_related_objects([project for project, _rating in serious], "host_agency")
    # Stopped first (no figure may show it), then the worst difference first.
    serious.sort(
        key=lambda pair: (
            pair[1].assessment.status != LagStatus.STOPPED,
            pair[1].assessment.difference if pair[1].assessment.latest else Decimal(0),
            pair[0].control_number,
        )
    )
    return Dashboard(
        today=today,
        rules=rules,
        total=total,
        by_kind=by_kind,
        by_status=by_status,
        lag_chart=_lag_chart(lag_counts),
        risk_counts=risk_counts,
        categories=categories,
        category_total=category_total,
        period=period,
        deadline=rules.filing_deadline(period),
        closed_period=closed_period,
        closed_deadline=rules.filing_deadline(closed_period),
        compliance=compliance,
        compliance_total=compliance_total,
        seriously_behind=serious,
    )

"""Early warning (預警, the NDC's scheme for general-subsidy infrastructure): a risk rating of
高風險 / 中風險 / 低風險 for each listed project, with the reasons in sentences.

The rule, with every threshold taken from ``ControlSettings`` (admin-set):

高風險 (HIGH) when any of:

1. the lag status is 嚴重落後 (actual − planned ≤ −``seriously_behind_points``) or 停工
   (phase 停工中 or 已解約);
2. the project is behind and flagged 連續落後 (behind in each of the last
   ``consecutive_behind_months`` accepted reports, month after month);
3. the project is behind and a checkpoint (檢核點) is overdue.

中風險 (MEDIUM) when none of the above, but any of:

4. the lag status is 落後 (actual − planned < −``behind_points``);
5. a flag of the lag assessment: 檢核點逾期, or 執行率偏低 (below ``low_execution_rate`` %);
6. 配當失衡: on the current S-curve, the planned % rises by ``steep_curve_points`` points or more
   in the last ``steep_curve_months`` months before planned completion, i.e. planned % of the
   completion month − planned % of the month ``steep_curve_months`` months earlier (0 before the
   curve starts). Not applied once the project has an actual completion date;
7. the lag is worsening: the difference (actual − planned) fell from each of the last three
   accepted reports to the next (d₁ > d₂ > d₃, newest last);
8. a scheduled checkpoint falls due within ``checkpoint_due_days`` days (today included) while the
   latest accepted actual % is below planned (any shortfall, whatever ``behind_points`` says).

低風險 (LOW) otherwise. A project with no accepted report can still be rated from its facts
(stopped, checkpoints, S-curve).

``rate_many`` rates any number of projects in four queries: the last accepted reports (as many
as the lag assessment and the trend need, loaded once), the overdue checkpoints, the checkpoints
coming due, and the rise of each current S-curve (rule 6), which the database reads off the curve
(``planned_rises``) rather than sending every point of every curve. The projects passed in must
have ``phase``, ``planned_completion`` and ``actual_completion`` loaded (else each costs a query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db.models import (
    DateField,
    Exists,
    Func,
    OuterRef,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from projects.choices import ControlStatus, LagStatus, MilestoneStatus, RiskLevel
from projects.history import end_of
from projects.lag import (
    FLAG_CHECKPOINT_OVERDUE,
    FLAG_CONSECUTIVE,
    FLAG_LOW_EXECUTION,
    Assessment,
    assess_with_reports,
    with_ids,
)
from projects.models import (
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    PlannedPoint,
    Project,
)
from tainan_rdec.months import add_months, month_start
from tainan_rdec.roc import format_roc_date, format_roc_month

TREND_REPORTS = 3
BEHIND_STATUSES = frozenset({LagStatus.BEHIND, LagStatus.SERIOUSLY_BEHIND})
LEVEL_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


@dataclass
class Rating:
    """A project's risk level and why. ``reasons`` lists the high-risk reasons first."""

    level: RiskLevel
    reasons: list[str] = field(default_factory=list)
    assessment: Assessment | None = None

    @property
    def is_high(self) -> bool:
        return self.level == RiskLevel.HIGH

    @property
    def is_medium(self) -> bool:
        return self.level == RiskLevel.MEDIUM


def _points(value: Decimal) -> str:
    """A number of percentage points without trailing zeros: 10, 2.5."""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def planned_rise(curve: list[tuple[date, Decimal]], completion: date, months: int) -> Decimal:
    """How much planned % the curve adds in the last ``months`` months up to ``completion``.

    ``curve``: (month, planned %) sorted by month. The value at a month is the latest point at or
    before it, 0 before the curve starts. The rule's statement for one curve in hand;
    ``planned_rises`` computes the same for many projects in the database.
    """

    def value_at(month: date) -> Decimal:
        value = Decimal(0)
        for point_month, percent in curve:
            if point_month > month:
                break
            value = percent
        return value

    end = month_start(completion)
    return value_at(end) - value_at(add_months(end, -months))


class MonthsEarlier(Func):
    """The first day of the month ``months`` months before the month of a date expression,
    computed by the database (Django has no portable month arithmetic)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        super().__init__(expression)
        self.months = int(months)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # Through ``timestamp`` (no time zone), so no session time zone shifts the day.
        return (
            f"(date_trunc('month', ({sql})::timestamp) - %s * interval '1 month')::date",
            [*params, self.months],
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, 'start of month', %s)", [*params, f"-{self.months} months"]


def planned_rises(ids, months: int, *, on: date | None = None) -> dict[int, Decimal]:
    """{project id: ``planned_rise`` of its current S-curve up to its planned completion} for
    those of ``ids`` that have a current curve, in one query: the database picks the two points
    the rule compares (the latest at or before the completion month, and at or before the month
    ``months`` months earlier) instead of sending every point of every curve. ``on``: the curve
    current at the end of that past day (``projects.history``), not today's."""
    latest_first = (
        PlannedPoint.objects.filter(baseline=OuterRef("pk"))
        .order_by("-month")
        .values("planned_percent")
    )
    if on is None:
        curves = PlanBaseline.objects.filter(project_id__in=ids, is_current=True)
    else:
        then = (
            PlanBaseline.objects.filter(project=OuterRef("project"))
            .filter(Q(created_at__lt=end_of(on)) | Q(version=1))
            .order_by("-version")
            .values("pk")[:1]
        )
        curves = PlanBaseline.objects.filter(project_id__in=ids, pk=Subquery(then))
    rows = (
        curves.annotate(start_month=MonthsEarlier("project__planned_completion", months))
        .filter(Exists(latest_first))
        # A point's month is its 1st day, so "at or before the completion date" is "at or
        # before the completion month".
        .annotate(
            end=Subquery(
                latest_first.filter(month__lte=OuterRef("project__planned_completion"))[:1]
            ),
            start=Subquery(latest_first.filter(month__lte=OuterRef("start_month"))[:1]),
        )
        .order_by()
        .values_list("project_id", "end", "start")
    )
    # Before the curve starts the planned % is 0 (no point at or before that month).
    return {pk: (end or Decimal(0)) - (start or Decimal(0)) for pk, end, start in rows}


def is_worsening(accepted_desc: list[MonthlyReport]) -> bool:
    """The difference fell at every step over the last three accepted reports (newest first)."""
    recent = accepted_desc[:TREND_REPORTS]
    if len(recent) < TREND_REPORTS:
        return False
    # Newest first: each difference is below the one before it in time.
    return all(newer.difference < older.difference for newer, older in pairwise(recent))


def rate(
    project,
    assessment: Assessment,
    *,
    recent_desc: list[MonthlyReport],
    due_soon: list[Milestone],
    rise: Decimal | None,
    rules: ControlSettings,
) -> Rating:
    """Apply the module's rule to one project's figures (already loaded). ``rise``: the
    ``planned_rise`` of its current S-curve, None when it has none."""
    status = assessment.status
    latest = assessment.latest
    flags = assessment.flags
    behind = status in BEHIND_STATUSES
    high: list[str] = []
    medium: list[str] = []

    if status == LagStatus.STOPPED:
        high.append(_("本案停工中或已解約。"))
    elif status == LagStatus.SERIOUSLY_BEHIND:
        high.append(
            _(
                "{month}實際進度落後預定進度{points}個百分點，達嚴重落後門檻（{threshold}個百分點）。"
            ).format(
                month=format_roc_month(latest.period),
                points=_points(-latest.difference),
                threshold=_points(rules.seriously_behind_points),
            )
        )
    if behind and FLAG_CONSECUTIVE in flags:
        high.append(
            _("已連續{months}個月進度落後。").format(months=rules.consecutive_behind_months)
        )
    if behind and FLAG_CHECKPOINT_OVERDUE in flags:
        high.append(_("進度落後且有檢核點逾期未達成。"))

    if status == LagStatus.BEHIND:
        medium.append(
            _("{month}實際進度落後預定進度{points}個百分點。").format(
                month=format_roc_month(latest.period), points=_points(-latest.difference)
            )
        )
    if FLAG_CHECKPOINT_OVERDUE in flags and not behind:
        medium.append(_("有檢核點逾期未達成。"))
    if FLAG_LOW_EXECUTION in flags:
        medium.append(
            _("經費執行率{rate}%，低於{threshold}%。").format(
                rate=latest.execution_rate, threshold=_points(rules.low_execution_rate)
            )
        )
    if project.actual_completion is None and rise is not None:
        if rise >= rules.steep_curve_points:
            medium.append(
                _(
                    "配當失衡：預定進度在完工前{months}個月內增加{rise}個百分點"
                    "（門檻{threshold}個百分點）。"
                ).format(
                    months=rules.steep_curve_months,
                    rise=_points(rise),
                    threshold=_points(rules.steep_curve_points),
                )
            )
    if is_worsening(recent_desc):
        differences = "、".join(
            _points(r.difference) for r in reversed(recent_desc[:TREND_REPORTS])
        )
        medium.append(
            _("落後趨勢擴大：最近{count}次審核的進度差異依序為{values}個百分點。").format(
                count=TREND_REPORTS, values=differences
            )
        )
    if due_soon and latest is not None and latest.difference < 0:
        first = due_soon[0]
        medium.append(
            _("檢核點「{name}」將於{date}到期，而實際進度仍低於預定進度。").format(
                name=first.name, date=format_roc_date(first.planned_date)
            )
        )

    if high:
        level = RiskLevel.HIGH
    elif medium:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.LOW
    return Rating(level, high + medium, assessment)


def rate_many(
    projects,
    *,
    today: date,
    rules: ControlSettings | None = None,
    figures_only: bool = False,
    until: date | None = None,
) -> dict:
    """{project id: Rating} for ``projects`` (a list, or a queryset: see
    ``projects.lag.with_ids``), in a constant number of queries.

    ``figures_only``: each assessment's ``latest`` is a ``projects.lag.ReportFigures`` (the
    figures without the narrative), for a page that shows the figures only. ``until``: rate
    the projects as they stood on ``today``, a past day, counting reports up to that month
    (``projects.history``; pass the projects as they stood then)."""
    rules = rules or ControlSettings.get()
    projects, ids = with_ids(projects)
    assessments, recent = assess_with_reports(
        projects,
        ids,
        today=today,
        rules=rules,
        depth=TREND_REPORTS,
        figures_only=figures_only,
        until=until,
    )

    due_soon: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(
        project_id__in=ids,
        status=MilestoneStatus.SCHEDULED,
        planned_date__gte=today,
        planned_date__lte=today + timedelta(days=rules.checkpoint_due_days),
    ).order_by("planned_date", "pk"):
        due_soon.setdefault(milestone.project_id, []).append(milestone)

    rises = planned_rises(ids, rules.steep_curve_months, on=today if until else None)

    return {
        p.pk: rate(
            p,
            assessments[p.pk],
            recent_desc=recent.get(p.pk, []),
            due_soon=due_soon.get(p.pk, []),
            rise=rises.get(p.pk),
            rules=rules,
        )
        for p in projects
    }


# What the rating and the pages listing rated projects (dashboard, early warning) read of one.
RATED_FIELDS = (
    "pk",
    "name",
    "control_number",
    "host_agency",
    "kind",
    "forward_category",
    "phase",
    "planned_completion",
    "actual_completion",
)


def listed_for_rating(projects):
    """The listed projects among ``projects`` (a queryset: the page's filters), with the columns
    the rating and the lists read. A plain queryset over the selected ids: the filters may join
    districts, which would repeat a project. Fetch its rows, then hand the queryset itself to
    ``rate_many``, which filters its queries by a subquery rather than by hundreds of ids."""
    return Project.objects.filter(
        pk__in=projects.values("pk"), control_status=ControlStatus.LISTED
    ).only(*RATED_FIELDS)


@dataclass
class WarningList:
    """The early-warning list (預警): high-risk, then medium-risk projects, each by control
    number, as (project, Rating) pairs; low-risk ones are only counted."""

    high: list
    medium: list
    low_count: int


def warning_list(projects, *, today: date, rules: ControlSettings) -> WarningList:
    """Rate the listed projects among ``projects`` (figures only) into the early-warning list.
    Only the rows shown read their agency: one query for those, not a join for all."""
    listed_qs = listed_for_rating(projects)
    listed = list(listed_qs)
    ratings = rate_many(listed_qs, today=today, rules=rules, figures_only=True)
    rows = sorted(
        ((p, ratings[p.pk]) for p in listed),
        key=lambda pair: (LEVEL_ORDER[pair[1].level], pair[0].control_number),
    )
    high = [row for row in rows if row[1].level == RiskLevel.HIGH]
    medium = [row for row in rows if row[1].level == RiskLevel.MEDIUM]
    prefetch_related_objects([project for project, _rating in high + medium], "host_agency")
    return WarningList(high, medium, len(rows) - len(high) - len(medium))

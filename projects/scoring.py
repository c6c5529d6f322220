"""The annual evaluation score (年度考評分數): computing a project's four components for a year,
weighting them with the commission's settings, and a reviewer's adjustment.

The component definitions are DOMAIN.md's *default component definitions*, for year Y:

- 進度達成 = min(actual ÷ planned cumulative % in December's accepted report, 1) × 100. A project
  completed by the end of Y scores 100. Without an accepted December report the latest accepted
  report of Y is used, and the explanation says so.
- 經費執行 = min(執行率 at year end, 100%) × 100, from the same report as progress.
- 填報時效及品質 = 100 × (reports accepted and filed by the deadline ÷ reports due in Y) − 5 per
  report returned more than once, floor 0.
- 檢核點達成 = 100 × (checkpoints due in Y met by their planned date ÷ checkpoints due in Y), 100
  when none fell due.

How "reports due in Y" is read (the rule names the months, not the edge cases):

- the months of Y from max(planned start, January) to min(actual completion, December);
- of those, only the months at whose end the project was 列管中 according to its status log: a
  month before listing, during 暫緩列管 or from the month of 解除列管 on is not due (a delisted
  project cannot file). A project without control-status entries in its log counts as listed
  throughout;
- only months whose filing deadline has passed, so a score of the current year counts what fell
  due so far. Likewise a checkpoint "falls due" when its planned date in Y is before today.

"Filed by the deadline" is the report's late flag, which the submit service sets on the first
submission; a report returned and sent again is not late for that (its return count is what the
quality deduction looks at).

Every component is rounded to 2 decimals (half up) before weighting, so the formula on the page
reproduces the stored figures exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import ControlStatus, Grade, MilestoneStatus, ReportState, StatusField
from projects.models import (
    AnnualScore,
    ControlSettings,
    Milestone,
    MonthlyReport,
    Project,
    StatusChange,
)
from tainan_rdec.months import add_months, month_start
from tainan_rdec.roc import ROC_OFFSET, format_roc_date_long, format_roc_month
from tainan_rdec.scoping import is_commission

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


COMPONENTS = ("progress", "budget", "filing", "milestone")
SCORE_FIELDS = {
    "progress": "progress_score",
    "budget": "budget_score",
    "filing": "filing_score",
    "milestone": "milestone_score",
}

# Grades are fixed in DOMAIN.md (not a *default*): highest threshold first.
GRADE_THRESHOLDS = (
    (Decimal(90), Grade.EXCELLENT),
    (Decimal(80), Grade.GOOD),
    (Decimal(70), Grade.FAIR),
)

# What a recomputation writes; the reviewer's adjustment, its reason and author are kept.
COMPUTED_FIELDS = [
    "progress_score",
    "budget_score",
    "filing_score",
    "milestone_score",
    "weights",
    "explanation",
    "weighted_score",
    "final_score",
    "grade",
    "computed_at",
]


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(value) -> str:
    """A figure as the page prints it: ``80.00``; whole weights and counts without decimals."""
    if isinstance(value, Decimal):
        return f"{_round(value):f}"
    return str(value)


def _points(value: Decimal) -> str:
    """A limit or a deduction the way people say it: ``5``, ``2.5``."""
    return f"{value.normalize():f}"


def grade_for(score: Decimal) -> Grade:
    """優等 ≥ 90, 甲等 ≥ 80, 乙等 ≥ 70, 丙等 below."""
    for threshold, grade in GRADE_THRESHOLDS:
        if score >= threshold:
            return grade
    return Grade.POOR


def weights_from(rules: ControlSettings) -> dict[str, int]:
    return {
        "progress": rules.weight_progress,
        "budget": rules.weight_budget,
        "filing": rules.weight_filing,
        "milestone": rules.weight_milestone,
    }


def return_penalty(rules: ControlSettings) -> Decimal:
    return Decimal(rules.filing_return_penalty)


# -- the components --------------------------------------------------------------------------


@dataclass
class Component:
    """One component's score with what it was computed from, for the ``explanation`` JSON."""

    label: str
    score: Decimal
    formula: str
    inputs: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "score": _fmt(self.score),
            "formula": self.formula,
            "inputs": [{"label": label, "value": value} for label, value in self.inputs],
            "notes": self.notes,
        }


def _completed_by_year_end(project: Project, year: int) -> bool:
    return project.actual_completion is not None and project.actual_completion.year <= year


def year_end_report(reports: list[MonthlyReport], year: int) -> MonthlyReport | None:
    """December's accepted report of ``year``, else the latest accepted report of the year."""
    accepted = [r for r in reports if r.state == ReportState.ACCEPTED and r.period.year == year]
    return max(accepted, key=lambda r: r.period, default=None)


def _basis_note(report: MonthlyReport, year: int) -> list[str]:
    if report.period.month == 12:
        return []
    return [
        _("{year}年12月尚無審核通過的填報，以本年度最後一份審核通過的填報（{month}）計算。").format(
            year=year - ROC_OFFSET, month=format_roc_month(report.period)
        )
    ]


def progress_component(project: Project, year: int, basis: MonthlyReport | None) -> Component:
    label = _("進度達成")
    if _completed_by_year_end(project, year):
        return Component(
            label,
            HUNDRED,
            _("已完工，以100分計"),
            [(_("實際完工日期"), format_roc_date_long(project.actual_completion))],
            [
                _("本案已於{date}完工，進度達成以100分計。").format(
                    date=format_roc_date_long(project.actual_completion)
                )
            ],
        )
    if basis is None:
        return Component(
            label,
            Decimal(0),
            _("無審核通過的填報，以0分計"),
            notes=[_("本年度沒有審核通過的每月填報，無從計算進度達成。")],
        )
    inputs = [
        (_("依據填報月份"), format_roc_month(basis.period)),
        (_("預定累計進度"), f"{_fmt(basis.planned_percent)}%"),
        (_("實際累計進度"), f"{_fmt(basis.actual_percent)}%"),
    ]
    notes = _basis_note(basis, year)
    if basis.planned_percent <= 0:
        notes.append(_("預定累計進度為0%，尚無應達成的進度，以100分計。"))
        return Component(label, HUNDRED, _("預定進度為0%，以100分計"), inputs, notes)
    ratio = min(basis.actual_percent / basis.planned_percent, Decimal(1))
    score = _round(ratio * HUNDRED)
    formula = _("min(實際 {actual}% ÷ 預定 {planned}%, 1) × 100 = {score}").format(
        actual=_fmt(basis.actual_percent), planned=_fmt(basis.planned_percent), score=_fmt(score)
    )
    return Component(label, score, formula, inputs, notes)


def budget_component(year: int, basis: MonthlyReport | None) -> Component:
    label = _("經費執行")
    if basis is None:
        return Component(
            label,
            Decimal(0),
            _("無審核通過的填報，以0分計"),
            notes=[_("本年度沒有審核通過的每月填報，無從計算執行率。")],
        )
    inputs = [
        (_("依據填報月份"), format_roc_month(basis.period)),
        (_("累計分配數"), _("{amount:,}元").format(amount=basis.allocated_to_date)),
        (_("實支數"), _("{amount:,}元").format(amount=basis.paid)),
        (_("應付未付數"), _("{amount:,}元").format(amount=basis.payable_unpaid)),
        (_("節餘數"), _("{amount:,}元").format(amount=basis.savings)),
    ]
    notes = _basis_note(basis, year)
    rate = basis.execution_rate
    if rate is None:
        notes.append(_("累計分配數為0，尚無應執行的經費，以100分計。"))
        return Component(label, HUNDRED, _("累計分配數為0，以100分計"), inputs, notes)
    inputs.append((_("執行率"), f"{_fmt(rate)}%"))
    score = _round(min(rate, HUNDRED))
    formula = _(
        "執行率 = (實支 {paid:,} + 應付未付 {payable:,} + 節餘 {savings:,}) ÷ 累計分配 "
        "{allocated:,} = {rate}%；min({rate}%, 100%) × 100 = {score}"
    ).format(
        paid=basis.paid,
        payable=basis.payable_unpaid,
        savings=basis.savings,
        allocated=basis.allocated_to_date,
        rate=_fmt(rate),
        score=_fmt(score),
    )
    return Component(label, score, formula, inputs, notes)


def _month_ranges(months: list[date]) -> str:
    """``113年1月至113年6月、113年9月`` for a sorted list of months."""
    if not months:
        return "—"
    runs, start, previous = [], months[0], months[0]
    for month in months[1:]:
        if month != add_months(previous, 1):
            runs.append((start, previous))
            start = month
        previous = month
    runs.append((start, previous))
    return "、".join(
        format_roc_month(a)
        if a == b
        else _("{start}至{end}").format(start=format_roc_month(a), end=format_roc_month(b))
        for a, b in runs
    )


def filing_component(
    due: list[date], reports: list[MonthlyReport], *, penalty: Decimal
) -> Component:
    label = _("填報時效及品質")
    by_month = {r.period: r for r in reports}
    due_reports = [by_month[m] for m in due if m in by_month]
    on_time = [r for r in due_reports if r.state == ReportState.ACCEPTED and not r.is_late]
    repeated = [r for r in due_reports if r.return_count > 1]
    missing = [m for m in due if m not in by_month]
    late = [r for r in due_reports if r.is_late]
    inputs = [
        (_("應填報月份"), _month_ranges(due)),
        (_("應填報份數"), str(len(due))),
        (_("依限填報且審核通過"), str(len(on_time))),
        (_("逾期填報"), _month_ranges([r.period for r in late])),
        (_("未填報"), _month_ranges(missing)),
        (_("退回2次以上"), _month_ranges([r.period for r in repeated])),
    ]
    if not due:
        return Component(
            label,
            HUNDRED,
            _("本年度無應填報月份，以100分計"),
            inputs,
            [_("本年度沒有應填報的月份。")],
        )
    raw = HUNDRED * len(on_time) / len(due) - penalty * len(repeated)
    score = _round(max(raw, Decimal(0)))
    formula = _("100 × {on_time} ÷ {due} − {penalty} × {repeated} = {score}").format(
        on_time=len(on_time),
        due=len(due),
        penalty=_points(penalty),
        repeated=len(repeated),
        score=_fmt(score),
    )
    notes = [_("每份退回2次以上的填報扣{penalty}分，最低0分。").format(penalty=_points(penalty))]
    if raw < 0:
        notes.append(_("扣分後低於0分，以0分計。"))
    return Component(label, score, formula, inputs, notes)


def _met_on_time(milestone: Milestone) -> bool:
    if milestone.status != MilestoneStatus.MET:
        return False
    return milestone.actual_date is None or milestone.actual_date <= milestone.planned_date


def milestone_component(milestones: list[Milestone], year: int, today: date) -> Component:
    label = _("檢核點達成")
    due = [m for m in milestones if m.planned_date.year == year and m.planned_date < today]
    met = [m for m in due if _met_on_time(m)]
    inputs = [
        (
            m.name,
            _("預定{planned}，{status}{actual}").format(
                planned=format_roc_date_long(m.planned_date),
                status=m.get_status_display(),
                actual=(
                    _("（實際{date}）").format(date=format_roc_date_long(m.actual_date))
                    if m.actual_date
                    else ""
                ),
            ),
        )
        for m in sorted(due, key=lambda m: (m.planned_date, m.pk))
    ]
    if not due:
        return Component(
            label,
            HUNDRED,
            _("本年度無到期檢核點，以100分計"),
            inputs,
            [_("本年度沒有到期的檢核點。")],
        )
    score = _round(HUNDRED * len(met) / len(due))
    formula = _("100 × {met} ÷ {due} = {score}").format(
        met=len(met), due=len(due), score=_fmt(score)
    )
    notes = [_("檢核點須於預定完成日期當日或之前達成才計入；部分達成或逾期達成不計。")]
    return Component(label, score, formula, inputs, notes)


# -- months due ------------------------------------------------------------------------------


def _listed_at(project: Project, changes: list[StatusChange], day: date) -> bool:
    """Whether the status log says the project was 列管中 at the end of ``day``."""
    if not changes:
        return True  # no log: counts as listed throughout (see the module docstring)
    status = changes[0].old_value
    for change in changes:
        if timezone.localdate(change.at) > day:
            break
        status = change.new_value
    return status == ControlStatus.LISTED


def passed_deadlines(year: int, rules: ControlSettings, today: date) -> set[date]:
    """The months of ``year`` whose filing deadline is before ``today``."""
    months = [date(year, m, 1) for m in range(1, 13)]
    # Two months on, any deadline (at most the 28th, moved past a few days off) has passed;
    # only the last months need the working calendar.
    return {
        m
        for m in months
        if add_months(m, 2) <= month_start(today) or rules.filing_deadline(m) < today
    }


def due_months(
    project: Project, year: int, changes: list[StatusChange], passed: set[date]
) -> list[date]:
    """The months of ``year`` for which ``project`` owed a report (see the module docstring)."""
    first = max(month_start(project.planned_start), date(year, 1, 1))
    last = date(year, 12, 1)
    if project.actual_completion is not None:
        last = min(last, month_start(project.actual_completion))
    months = []
    month = first
    while month <= last:
        month_end = add_months(month, 1) - timedelta(days=1)
        if month in passed and _listed_at(project, changes, month_end):
            months.append(month)
        month = add_months(month, 1)
    return months


# -- building and saving a score -------------------------------------------------------------


@dataclass
class YearData:
    """What one project's score for one year is computed from, loaded in bulk."""

    reports: list[MonthlyReport] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)


def load_year_data(project_ids, year: int) -> dict[int, YearData]:
    """{project id: YearData} in three queries, whatever the number of projects.

    ``project_ids`` may be a list or a ``values("pk")`` queryset (a subquery)."""
    data: dict[int, YearData] = {}
    for report in MonthlyReport.objects.filter(
        project_id__in=project_ids, period__year=year
    ).order_by("period"):
        data.setdefault(report.project_id, YearData()).reports.append(report)
    for milestone in Milestone.objects.filter(project_id__in=project_ids, planned_date__year=year):
        data.setdefault(milestone.project_id, YearData()).milestones.append(milestone)
    for change in StatusChange.objects.filter(
        project_id__in=project_ids, field=StatusField.CONTROL_STATUS
    ).order_by("at", "pk"):
        data.setdefault(change.project_id, YearData()).changes.append(change)
    return data


def weighted_sum(scores: dict[str, Decimal], weights: dict[str, int]) -> tuple[Decimal, str]:
    """Σ weight × component ÷ 100, and the formula in words."""
    total = _round(sum((weights[c] * scores[c] / HUNDRED for c in COMPONENTS), Decimal(0)))
    terms = " + ".join(
        _("{weight} × {score} ÷ 100").format(weight=weights[c], score=_fmt(scores[c]))
        for c in COMPONENTS
    )
    return total, f"{terms} = {_fmt(total)}"


def _finish(score: AnnualScore) -> None:
    """final = weighted + adjustment, clamped to 0..100, its grade and its formula."""
    raw = score.weighted_score + score.adjustment
    score.final_score = _round(min(max(raw, Decimal(0)), HUNDRED))
    score.grade = grade_for(score.final_score)
    sign = "+" if score.adjustment >= 0 else "−"
    formula = _("加權分數 {weighted} {sign} 審查加減分 {adjustment} = {final}").format(
        weighted=_fmt(score.weighted_score),
        sign=sign,
        adjustment=_fmt(abs(Decimal(score.adjustment))),
        final=_fmt(score.final_score),
    )
    if raw != score.final_score:
        formula += _("（以0至100分為限）")
    score.explanation = {
        **score.explanation,
        "final": {
            "formula": formula,
            "grade": _("{grade}（優等90分以上、甲等80分以上、乙等70分以上、丙等未滿70分）").format(
                grade=Grade(score.grade).label
            ),
        },
    }


def build_score(
    project: Project,
    year: int,
    data: YearData,
    *,
    rules: ControlSettings,
    passed: set[date],
    today: date,
    existing: AnnualScore | None = None,
) -> AnnualScore:
    """An unsaved AnnualScore for ``project`` and ``year``, keeping ``existing``'s adjustment."""
    basis = year_end_report(data.reports, year)
    due = due_months(project, year, data.changes, passed)
    components = {
        "progress": progress_component(project, year, basis),
        "budget": budget_component(year, basis),
        "filing": filing_component(due, data.reports, penalty=return_penalty(rules)),
        "milestone": milestone_component(data.milestones, year, today),
    }
    weights = weights_from(rules)
    scores = {name: c.score for name, c in components.items()}
    weighted, weighted_formula = weighted_sum(scores, weights)
    explanation = {name: c.as_json() for name, c in components.items()}
    for name in COMPONENTS:
        explanation[name]["weight"] = weights[name]
    explanation["weighted"] = {"formula": weighted_formula}
    score = AnnualScore(
        project=project,
        year=year,
        weights=weights,
        explanation=explanation,
        weighted_score=weighted,
        **{SCORE_FIELDS[name]: scores[name] for name in COMPONENTS},
    )
    if existing is not None:
        score.adjustment = existing.adjustment
        score.adjustment_reason = existing.adjustment_reason
        score.adjusted_by_id = existing.adjusted_by_id
    _finish(score)
    return score


def _save(scores: list[AnnualScore]) -> None:
    # One upsert: a new row for a first computation, the computed fields only for a recompute
    # (the adjustment columns are left as the reviewer set them).
    AnnualScore.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["project", "year"],
        update_fields=COMPUTED_FIELDS,
    )


def _require_commission(user, message):
    if not is_commission(user):
        raise PermissionDenied(message)


@transaction.atomic
def compute_score(
    project: Project,
    year: int,
    *,
    rules: ControlSettings | None = None,
    today: date | None = None,
) -> AnnualScore:
    """Compute (or recompute) ``project``'s score for ``year`` (Gregorian) and save it."""
    rules = rules or ControlSettings.get()
    today = today or timezone.localdate()
    existing = AnnualScore.objects.select_for_update().filter(project=project, year=year).first()
    data = load_year_data([project.pk], year).get(project.pk, YearData())
    score = build_score(
        project,
        year,
        data,
        rules=rules,
        passed=passed_deadlines(year, rules, today),
        today=today,
        existing=existing,
    )
    _save([score])
    return AnnualScore.objects.select_related("project").get(project=project, year=year)


def evaluated_projects(year: int):
    """Projects in the annual evaluation of ``year``: listed or delisted, flagged for it, and
    running during the year."""
    return Project.objects.filter(
        in_annual_evaluation=True,
        control_status__in=[ControlStatus.LISTED, ControlStatus.DELISTED],
        planned_start__lte=date(year, 12, 31),
    ).exclude(actual_completion__lt=date(year, 1, 1))


@transaction.atomic
def compute_year(
    year: int,
    *,
    by=None,
    rules: ControlSettings | None = None,
    today: date | None = None,
) -> int:
    """Compute every evaluated project's score for ``year``; returns how many were scored.

    A project with no month due in the year gets no score. A score left from an earlier run for a
    project that no longer qualifies (taken out of the evaluation, never due) is removed. The
    number of queries does not grow with the number of projects. ``by`` is the reviewer who
    asked (None for the management command)."""
    if by is not None:
        _require_commission(by, _("只有研考會審查人員可以重新計算考評分數。"))
    rules = rules or ControlSettings.get()
    today = today or timezone.localdate()
    passed = passed_deadlines(year, rules, today)
    projects = list(evaluated_projects(year))
    ids = evaluated_projects(year).values("pk")
    existing = {
        s.project_id: s
        for s in AnnualScore.objects.select_for_update().filter(year=year, project_id__in=ids)
    }
    data = load_year_data(ids, year)
    scores = []
    for project in projects:
        project_data = data.get(project.pk, YearData())
        if not due_months(project, year, project_data.changes, passed):
            continue
        scores.append(
            build_score(
                project,
                year,
                project_data,
                rules=rules,
                passed=passed,
                today=today,
                existing=existing.get(project.pk),
            )
        )
    AnnualScore.objects.filter(year=year).exclude(
        project_id__in=[s.project_id for s in scores]
    ).delete()
    if scores:
        _save(scores)
    return len(scores)


# -- the reviewer's adjustment ---------------------------------------------------------------


def _as_decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def adjust_score(
    score: AnnualScore,
    adjustment,
    reason: str,
    *,
    by,
    rules: ControlSettings | None = None,
) -> AnnualScore:
    """審查加減分: a reviewer or admin adds or subtracts up to the limit (default 5 points) with
    a written reason; final score and grade are recomputed. An adjustment of 0 removes it."""
    _require_commission(by, _("只有研考會審查人員可以調整考評分數。"))
    rules = rules or ControlSettings.get()
    limit = rules.adjustment_limit
    number = _as_decimal(adjustment)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if number is None:
        errors["adjustment"] = [_("請以數字輸入加減分，例如 3 或 -2.5。")]
    elif number != number.quantize(CENT):
        errors["adjustment"] = [_("加減分最多到小數點後2位。")]
    elif abs(number) > limit:
        errors["adjustment"] = [
            _("加減分須介於 −{limit} 至 +{limit} 分之間。").format(limit=_points(limit))
        ]
    if number and not reason:
        errors["reason"] = [_("有加減分時，請填寫加減分理由。")]
    if errors:
        raise ValidationError(errors)
    score = AnnualScore.objects.select_for_update().get(pk=score.pk)
    score.adjustment = number.quantize(CENT)
    score.adjustment_reason = reason
    score.adjusted_by = by
    _finish(score)
    score.save(
        update_fields=[
            "adjustment",
            "adjustment_reason",
            "adjusted_by",
            "final_score",
            "grade",
            "explanation",
        ]
    )
    return score

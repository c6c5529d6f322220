"""The processes of project control: listing a project, re-planning, filing and reviewing a
monthly report. Each is a verb, runs in one transaction and records who did it and when.

Permission rules live here too (who may list, submit, review), so a view, an import and a task
that call the same verb get the same answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import plans, reminders
from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    MilestoneStatus,
    ReportState,
    StatusField,
)
from projects.models import (
    Application,
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    PlannedPoint,
    Project,
    ReportTransition,
    StatusChange,
)
from tainan_rdec.choices import Role
from tainan_rdec.months import month_start
from tainan_rdec.roc import format_roc_date, format_roc_month
from tainan_rdec.scoping import is_admin, is_commission


def _require_commission(user):
    if not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以執行此項作業。"))


# -- project lifecycle ----------------------------------------------------------------------


def listing_problems(project: Project) -> list[str]:
    """Why ``project`` cannot be listed yet (empty when it can): basic data, budget, at least
    one checkpoint, each inside the planned period, and a current S-curve covering every month
    of the planned period with no allocation above the budget.

    The one statement of the listing rules: the bureau's application (申請列管), the reviewer's
    decision, the import and the admin's action all ask it. A project not saved yet (a new
    import row) has neither checkpoints nor a curve."""
    problems = []
    if not project.name or not project.host_agency_id:
        problems.append(_("基本資料不完整（案件名稱、主辦機關）。"))
    if not project.total_budget:
        problems.append(_("尚未填寫總核定經費。"))
    saved = project.pk is not None
    # An import row whose dates could not be read has its own message about them already.
    dated = project.planned_start is not None and project.planned_completion is not None
    checkpoints = list(project.milestones.values_list("name", "planned_date")) if saved else []
    if not checkpoints:
        problems.append(_("至少需要一個檢核點。"))
    for name, planned_date in checkpoints if dated else ():
        if not project.planned_start <= planned_date <= project.planned_completion:
            problems.append(checkpoint_outside_message(project, name, planned_date))
    baseline = project.current_baseline() if saved else None
    if baseline is None:
        problems.append(_("尚未建立預定進度（S曲線）。"))
    elif dated:
        rows = list(baseline.points.values_list("month", "planned_percent", "planned_allocation"))
        if plans.missing_months(project, (m for m, _p, _a in rows)):
            problems.append(plans.coverage_message(project))
        if project.total_budget:  # without a budget, the message above says what to do
            problems += [p.message for p in plans.over_budget(project, rows)]
    return problems


def checkpoint_outside_message(project: Project, name: str, planned_date: date) -> str:
    return _("檢核點「{name}」的預定完成日期（{date}）不在預定期程（{start}至{end}）內。").format(
        name=name,
        date=format_roc_date(planned_date),
        start=format_roc_date(project.planned_start),
        end=format_roc_date(project.planned_completion),
    )


# The control-status lifecycle: action -> (statuses it starts from, status it leads to).
# Pages read it to offer only the actions that can work.
LIFECYCLE = {
    "list": (frozenset({ControlStatus.NEW}), ControlStatus.LISTED),
    "suspend": (frozenset({ControlStatus.LISTED}), ControlStatus.SUSPENDED),
    "resume": (frozenset({ControlStatus.SUSPENDED}), ControlStatus.LISTED),
    "delist": (frozenset({ControlStatus.LISTED, ControlStatus.SUSPENDED}), ControlStatus.DELISTED),
}


def waiting_refusal(project: Project, *, but=None) -> str:
    """Why the commission may not change ``project``'s control status directly now ("" when it
    may): an application about the project is waiting for its decision. What the bureau sent
    is decided on the application's page; a status changed past it would leave the
    application to be approved against a project that is no longer what it was about."""
    waiting = Application.objects.waiting().filter(project=project)
    if but is not None:
        waiting = waiting.exclude(pk=but.pk)
    kinds = sorted({a.get_kind_display() for a in waiting})
    if not kinds:
        return ""
    return _("本案有審查中的{kinds}，請先在申請頁面審查，不能直接變更列管狀態。").format(
        kinds="、".join(kinds)
    )


def _change_status(project, action, *, by, reason, application=None):
    """Change the control status along ``LIFECYCLE`` and log it. Without ``application`` (the
    commission's own buttons, the admin's action) it is refused while an application about
    the project waits; an approval passes the application it decides."""
    if application is None:
        refusal = waiting_refusal(project)
        if refusal:
            raise ValidationError(refusal)
    allowed_from, new_status = LIFECYCLE[action]
    if project.control_status not in allowed_from:
        raise ValidationError(
            _("案件目前為「{status}」，不能改為「{new}」。").format(
                status=project.get_control_status_display(),
                new=ControlStatus(new_status).label,
            )
        )
    StatusChange.objects.create(
        project=project,
        field=StatusField.CONTROL_STATUS,
        old_value=project.control_status,
        new_value=new_status,
        reason=reason,
        by=by,
    )
    project.control_status = new_status
    project.save(update_fields=["control_status", "updated_at"])


@transaction.atomic
def list_project(project: Project, *, by, reason: str = "", application=None) -> None:
    """納入列管: a reviewer lists a new project once its basic data are complete."""
    _require_commission(by)
    problems = listing_problems(project)
    if problems:
        raise ValidationError(problems)
    _change_status(project, "list", by=by, reason=reason or _("納入列管"), application=application)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("請填寫原因。")})
    return reason


@transaction.atomic
def suspend_project(project: Project, *, by, reason: str, application=None) -> None:
    """暫緩列管, with the reason and the approving reviewer: the commission's own decision or
    its approval of the bureau's application (申請暫緩列管)."""
    _require_commission(by)
    reason = _reason_required(reason)
    _change_status(project, "suspend", by=by, reason=reason, application=application)


@transaction.atomic
def resume_project(project: Project, *, by, reason: str) -> None:
    _require_commission(by)
    reason = _reason_required(reason)
    _change_status(project, "resume", by=by, reason=reason)


@transaction.atomic
def delist_project(
    project: Project,
    *,
    by,
    reason: str,
    application=None,
    actual_completion: date | None = None,
    settlement_amount: int | None = None,
) -> None:
    """解除列管 (closure), with the reason and the reviewer: the commission's own decision or
    its approval of the bureau's application (申請解除列管). Delisted on completion, the project
    keeps its actual completion date and settlement amount (結算金額), and its phase becomes
    已結案."""
    _require_commission(by)
    reason = _reason_required(reason)
    _change_status(project, "delist", by=by, reason=reason, application=application)
    if actual_completion is None and settlement_amount is None:
        return
    project.actual_completion = actual_completion
    project.settlement_amount = settlement_amount
    project._change_reason = reason
    project.save(update_fields=["actual_completion", "settlement_amount", "updated_at"])
    change_phase(project, ExecutionPhase.CLOSED, by=by, reason=reason)


@transaction.atomic
def transfer_host(project: Project, to_agency, *, by, reason: str) -> None:
    """主辦機關移撥: the project passes to ``to_agency`` with its reports, checkpoints and
    curves; the status log records both agencies. An agency that was a co-agency (協辦) is
    one no longer: it now hosts."""
    _require_commission(by)
    reason = _reason_required(reason)
    project = Project.objects.select_for_update().select_related("host_agency").get(pk=project.pk)
    if to_agency.pk == project.host_agency_id:
        raise ValidationError(
            {
                "to_agency": _("移入機關與目前主辦機關相同（{agency}）。").format(
                    agency=project.host_agency.name
                )
            }
        )
    StatusChange.objects.create(
        project=project,
        field=StatusField.HOST_AGENCY,
        old_value=project.host_agency.code,
        new_value=to_agency.code,
        reason=reason,
        by=by,
    )
    project.host_agency = to_agency
    project._change_reason = reason
    project.save(update_fields=["host_agency", "updated_at"])
    project.co_agencies.remove(to_agency)


@transaction.atomic
def replan_project(
    project: Project, points, *, by, reason: str, completion: date | None = None, checkpoints=()
) -> PlanBaseline:
    """變更預定進度 approved: the planned completion date moves (when given), the checkpoints
    take their new dates and the new ones are added, and ``points`` become a new version of
    the S-curve, checked against the new planned period; the earlier versions are kept.

    ``checkpoints``: ``(milestone or None, name, planned date)``, an existing checkpoint with
    its date or a new one."""
    _require_commission(by)
    reason = _reason_required(reason)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if completion is not None and completion != project.planned_completion:
        project.planned_completion = completion
        project._change_reason = reason
        project.save(update_fields=["planned_completion", "updated_at"])
    points = list(points)
    problems = plans.plan_problems(project, points)
    if problems:
        raise ValidationError([p.message for p in problems])
    checkpoints = list(checkpoints)
    for _milestone, name, planned_date in checkpoints:
        if not project.planned_start <= planned_date <= project.planned_completion:
            raise ValidationError(checkpoint_outside_message(project, name, planned_date))
    position = Milestone.objects.filter(project=project).count()
    for milestone, name, planned_date in checkpoints:
        if milestone is None:
            position += 1
            row = Milestone(project=project, name=name, planned_date=planned_date)
            row.position = position
        elif milestone.planned_date != planned_date:
            row = milestone
            row.planned_date = planned_date
        else:
            continue
        row._change_reason = reason
        row.save()
    return create_baseline(project, points, by=by, reason=reason)


@transaction.atomic
def record_checkpoint_done(milestone: Milestone, achieved_on: date, *, by, note: str = ""):
    """檢核點達成 approved: the checkpoint is done on ``achieved_on`` (如期達成, or 逾期達成 after
    its planned date). Until then an overdue checkpoint stays flagged."""
    _require_commission(by)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.status != MilestoneStatus.SCHEDULED:
        raise ValidationError(checkpoint_done_message(milestone))
    milestone.actual_date = achieved_on
    milestone.status = (
        MilestoneStatus.MET if achieved_on <= milestone.planned_date else MilestoneStatus.MET_LATE
    )
    milestone._change_reason = note or _("檢核點達成")
    milestone.save()
    return milestone


def checkpoint_done_message(milestone: Milestone) -> str:
    if milestone.actual_date is None:
        return _("檢核點「{name}」已是「{status}」。").format(
            name=milestone.name, status=milestone.get_status_display()
        )
    return _("檢核點「{name}」已於{date}達成。").format(
        name=milestone.name, date=format_roc_date(milestone.actual_date)
    )


@transaction.atomic
def change_phase(project: Project, phase: str, *, by, reason: str = "") -> None:
    """Record a change of execution phase (施工中 → 停工中 ...) with who and why.

    The host agency reports its phase; the commission may record one too (e.g. a stoppage found
    on a site visit). A co-agency or another bureau may not."""
    if not (is_commission(by) or Project.objects.editable_by(by).filter(pk=project.pk).exists()):
        raise PermissionDenied(_("您不能變更此案件的執行階段。"))
    if phase not in ExecutionPhase.values:
        raise ValidationError({"phase": _("執行階段不正確。")})
    if project.phase == phase:
        return
    StatusChange.objects.create(
        project=project,
        field=StatusField.PHASE,
        old_value=project.phase,
        new_value=phase,
        reason=reason,
        by=by,
    )
    project.phase = phase
    project.save(update_fields=["phase", "updated_at"])


@transaction.atomic
def create_baseline(project: Project, points, *, by, reason: str = "") -> PlanBaseline:
    """Add a version of the planned S-curve and make it current; earlier versions are kept.

    ``points``: iterable of ``(month, planned_percent, planned_allocation)``. Cumulative figures
    may not decrease from one month to the next, and the curve ends at 100%.
    """
    rows = sorted((month_start(m), Decimal(p), int(a)) for m, p, a in points)
    problems = plans.curve_problems(rows)
    if problems:
        raise ValidationError([p.message for p in problems])
    previous = PlanBaseline.objects.select_for_update().filter(project=project).order_by("-version")
    last = previous.first()
    if last is not None and not (reason or "").strip():
        raise ValidationError({"reason": _("修正預定進度須說明原因。")})
    previous.filter(is_current=True).update(is_current=False)
    baseline = PlanBaseline.objects.create(
        project=project,
        version=(last.version + 1) if last else 1,
        is_current=True,
        reason=reason,
        created_by=by,
    )
    PlannedPoint.objects.bulk_create(
        PlannedPoint(baseline=baseline, month=m, planned_percent=p, planned_allocation=a)
        for m, p, a in rows
    )
    return baseline


# -- monthly reports -------------------------------------------------------------------------


def planned_for(project: Project, period: date):
    """(baseline, planned cumulative %, planned cumulative allocation) for ``period`` from the
    current S-curve: the latest planned month not after ``period`` (0 before the curve starts)."""
    baseline = project.current_baseline()
    if baseline is None:
        return None, Decimal("0.00"), 0
    point = baseline.points.filter(month__lte=period).order_by("-month").first()
    if point is None:
        return baseline, Decimal("0.00"), 0
    return baseline, point.planned_percent, point.planned_allocation


def check_period(project: Project, period: date, today: date) -> None:
    """A report is for a listed project, for a month that has ended or the current month."""
    if not project.is_listed:
        raise ValidationError(_("只有「列管中」的案件可以填報。"))
    if period != month_start(period):
        raise ValidationError(_("填報月份須為月份，不含日。"))
    if period > month_start(today):
        raise ValidationError(
            _("{month}尚未開始，不能預先填報。").format(month=format_roc_month(period))
        )
    if period < month_start(project.planned_start):
        raise ValidationError(
            _("{month}早於預定開工月份，不必填報。").format(month=format_roc_month(period))
        )


def previous_report(report: MonthlyReport, *, accepted_only=False):
    qs = MonthlyReport.objects.filter(project_id=report.project_id, period__lt=report.period)
    if accepted_only:
        qs = qs.filter(state=ReportState.ACCEPTED)
    return qs.order_by("-period").first()


@transaction.atomic
def start_report(project: Project, period: date, *, by, today: date | None = None):
    """The month's report of ``project``: the existing one, or a new draft with the planned
    figures snapshotted and last month's money carried over as a starting point."""
    if not Project.objects.editable_by(by).filter(pk=project.pk).exists():
        raise PermissionDenied(_("您不能為此案件填報。"))
    existing = MonthlyReport.objects.filter(project=project, period=period).first()
    if existing is not None:
        return existing
    check_period(project, period, today or timezone.localdate())
    baseline, planned_percent, planned_allocation = planned_for(project, period)
    report = MonthlyReport(
        project=project,
        period=period,
        baseline=baseline,
        planned_percent=planned_percent,
        actual_percent=Decimal("0.00"),
        allocated_to_date=planned_allocation,
        created_by=by,
        progress_text="",
    )
    last = previous_report(report)
    if last is not None:
        report.actual_percent = last.actual_percent
        report.paid, report.payable_unpaid, report.savings = (
            last.paid,
            last.payable_unpaid,
            last.savings,
        )
    report.save()
    return report


def report_problems(report: MonthlyReport) -> dict[str, list[str]]:
    """The filing rules (DOMAIN.md) as field -> messages, checked on save and on submit."""
    from projects.lag import is_behind

    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for field in ("allocated_to_date", "paid", "payable_unpaid", "savings"):
        if getattr(report, field) is not None and getattr(report, field) < 0:
            add(field, _("金額不得為負數。"))
    if report.actual_percent is not None and not (
        Decimal(0) <= report.actual_percent <= Decimal(100)
    ):
        add("actual_percent", _("實際累計進度須介於0至100%。"))
    spent = (report.paid or 0) + (report.payable_unpaid or 0) + (report.savings or 0)
    if spent > (report.allocated_to_date or 0):
        add(
            "paid",
            _(
                "實支數、應付未付數與節餘數合計{spent:,}元，超過累計分配數{allocated:,}元，"
                "請檢查金額。"
            ).format(spent=spent, allocated=report.allocated_to_date or 0),
        )
    last_accepted = previous_report(report, accepted_only=True)
    if (
        last_accepted is not None
        and report.actual_percent is not None
        and report.actual_percent < last_accepted.actual_percent
        and not report.decrease_explanation.strip()
    ):
        add(
            "decrease_explanation",
            _("實際進度{now}%低於上次審核通過的{before}%，請說明下修原因。").format(
                now=report.actual_percent, before=last_accepted.actual_percent
            ),
        )
    if report.actual_percent is not None and (
        is_behind(report.actual_percent, report.planned_percent) or report.project.is_stopped
    ):
        if not report.lag_reasons.strip():
            add("lag_reasons", _("進度落後或停工時，請填寫落後原因。"))
        if not report.remedies.strip():
            add("remedies", _("進度落後或停工時，請填寫解決對策。"))
    return errors


# What the filing agency writes; the planned snapshot, state, late flag and review stay as the
# services set them.
FILER_FIELDS = (
    "actual_percent",
    "allocated_to_date",
    "paid",
    "payable_unpaid",
    "savings",
    "progress_text",
    "lag_reasons",
    "remedies",
    "help_needed",
    "decrease_explanation",
)


@transaction.atomic
def save_report(report: MonthlyReport, *, by, reason: str | None = None) -> None:
    """Save a draft or returned report's figures (the history keeps every version).

    Only the filer's fields are taken from ``report``: a copy loaded before a reviewer returned
    the report cannot put back the old state or return count."""
    stored = MonthlyReport.objects.select_for_update().filter(pk=report.pk).first()
    if stored is None or not MonthlyReport.objects.editable_by(by).filter(pk=report.pk).exists():
        raise PermissionDenied(_("此份填報目前不能修改。"))
    for name in FILER_FIELDS:
        setattr(stored, name, getattr(report, name))
    problems = {
        k: v
        for k, v in report_problems(stored).items()
        if k
        not in {
            "lag_reasons",
            "remedies",  # a draft may be saved before the narrative is written
        }
    }
    if problems:
        raise ValidationError(problems)
    stored._change_reason = reason or _("儲存草稿")
    stored.save()
    report.refresh_from_db()


def can_submit(user) -> bool:
    """局處主管 submit on the agency's behalf; admins may too (e.g. for an absent manager)."""
    return is_admin(user) or user.role == Role.BUREAU_MANAGER


def _transition(report, to_state, *, by, comment=""):
    ReportTransition.objects.create(
        report=report, from_state=report.state, to_state=to_state, by=by, comment=comment
    )
    report.state = to_state


@transaction.atomic
def submit_report(report: MonthlyReport, *, by, now=None) -> MonthlyReport:
    """送出: the agency's manager sends the report as saved to the commission. Late if after
    the deadline (a fact kept on the report)."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if not MonthlyReport.objects.editable_by(by).filter(pk=report.pk).exists():
        raise PermissionDenied(_("此份填報目前不能送出。"))
    if not can_submit(by):
        raise PermissionDenied(_("須由局處主管送出填報。"))
    if not report.progress_text.strip():
        raise ValidationError({"progress_text": [_("請填寫目前辦理情形。")]})
    problems = report_problems(report)
    if problems:
        raise ValidationError(problems)
    now = now or timezone.now()
    deadline = ControlSettings.get().filing_deadline(report.period)
    if report.state == ReportState.DRAFT:
        # Lateness is judged on the first submission; a resubmission after a return is not
        # late in itself (the return count says how often it came back).
        report.is_late = timezone.localdate(now) > deadline
    _transition(report, ReportState.SUBMITTED, by=by)
    report.submitted_by, report.submitted_at = by, now
    report._change_reason = _("送出")
    report.save()
    return report


def _review(report, *, by):
    _require_commission(by)
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(_("只有「已送出」的填報可以審核。"))
    return report


@transaction.atomic
def accept_report(report: MonthlyReport, *, by, comment: str = "", now=None) -> MonthlyReport:
    report = _review(report, by=by)
    _transition(report, ReportState.ACCEPTED, by=by, comment=comment)
    report.reviewer_comment = comment or report.reviewer_comment
    report.reviewed_by, report.reviewed_at = by, now or timezone.now()
    report._change_reason = _("審核通過")
    report.save()
    return report


@transaction.atomic
def return_report(report: MonthlyReport, *, by, comment: str, now=None) -> MonthlyReport:
    """退回 with the reviewer's comment (required: the filer must know what to fix)."""
    report = _review(report, by=by)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("退回時請填寫退回意見。")]})
    _transition(report, ReportState.RETURNED, by=by, comment=comment)
    report.reviewer_comment = comment
    report.return_count += 1
    report.reviewed_by, report.reviewed_at = by, now or timezone.now()
    report._change_reason = _("退回")
    report.save()
    # The notice goes into the reminder log in this transaction; only its e-mail waits for the
    # commit (and, with the broker down, for the reminder sweep), never for the daily run.
    reminders.notify_returned_report(report.pk)
    return report

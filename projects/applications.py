"""Applications to the commission (變更申請): one flow for every kind.

A bureau's staff drafts an application about one of its projects, the bureau's manager sends
it (送出), a reviewer approves it (同意) or returns it with a reason (退回); a returned
application is corrected and sent again. Each turn is an ``ApplicationStep``; each decision
notifies the applicant through the reminder log (notification and e-mail, once per step).
Documents and photos may be attached while the bureau holds the application
(``projects.attachments``).

What differs between kinds is in ``KINDS``: the control statuses a project may be in to apply,
the fields the bureau fills, the checks made when it saves, when the manager sends and again
when the reviewer approves, and what approval does — always through the same service the
commission's own buttons use (``services.suspend_project``, ``services.delist_project`` ...):

- 申請列管: the listing rules (``services.listing_problems``); the project is listed.
- 申請變更預定進度: a new curve (edited with the S-curve editor), checkpoints and/or completion
  date; the curve becomes a new version, the old ones kept (drawn dashed).
- 申請暫緩列管: with its reason; the project is suspended.
- 申請解除列管: on completion — the actual completion date, the settlement amount (結算金額),
  the last report accepted at 100%; the project is delisted and closed.
- 申請主辦機關移撥: the agency taking the project over; both agencies see the application.
- 申報檢核點達成: one checkpoint, its date and the evidence; the checkpoint is done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import attachments, plans, reminders, services
from projects.choices import (
    ApplicationKind,
    ApplicationState,
    ControlStatus,
    MilestoneStatus,
    ProjectKind,
    ReportState,
)
from projects.models import (
    Application,
    ApplicationStep,
    ControlSettings,
    Milestone,
    MonthlyReport,
    Project,
    ProposedCheckpoint,
    ProposedPoint,
)
from projects.registration import may_register
from tainan_rdec.roc import format_roc_date, format_roc_month
from tainan_rdec.scoping import is_commission

Problems = dict[str, list[str]]

LISTED_OR_SUSPENDED = frozenset({ControlStatus.LISTED, ControlStatus.SUSPENDED})


@dataclass(frozen=True)
class Kind:
    kind: ApplicationKind
    #: control statuses from which a project may apply
    from_statuses: frozenset
    #: ``problems(application, sending=)``: field -> messages (``NON_FIELD_ERRORS`` for the
    #: rest). Saving a draft checks what was typed; sending (and approving) also checks that
    #: nothing is missing.
    problems: Callable[..., Problems]
    #: what approval does to the project: ``approve(application, by=, reason=)``
    approve: Callable
    #: the application's fields the bureau fills beside the reason
    fields: tuple[str, ...] = ()
    #: sent with at least one attachment (the evidence)
    evidence: bool = False

    @property
    def label(self) -> str:
        return self.kind.label


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _today():
    return timezone.localdate()


# -- 申請列管 --------------------------------------------------------------------------------------


def _listing_problems(application: Application, *, sending: bool) -> Problems:
    problems = services.listing_problems(application.project) if sending else []
    return {NON_FIELD_ERRORS: problems} if problems else {}


def _list(application: Application, *, by, reason: str) -> None:
    services.list_project(
        application.project,
        by=by,
        reason=reason or _("同意申請列管"),
        application=application,
    )


def _log_reason(application: Application, reason: str) -> str:
    """What the status log says for an approved application: the bureau's reason, and the
    reviewer's comment when there is one."""
    text = application.reason or _("同意{kind}").format(kind=application.get_kind_display())
    if reason:
        text += _("（審查意見：{reason}）").format(reason=reason)
    return text


# -- 申請變更預定進度 ------------------------------------------------------------------------------


def proposed_project(application: Application) -> Project:
    """The project as the re-plan would make it (unsaved): the new planned completion, the
    rest as it is. The curve editor and the rules read their months from it."""
    project = application.project
    return Project(
        name=project.name,
        control_number=project.control_number,
        host_agency_id=project.host_agency_id,
        total_budget=project.total_budget,
        planned_start=project.planned_start,
        planned_completion=application.proposed_completion or project.planned_completion,
    )


def proposed_rows(application: Application) -> list:
    if application.pk is None:
        return []
    return list(
        application.proposed_points.order_by("month").values_list(
            "month", "planned_percent", "planned_allocation"
        )
    )


def starting_rows(application: Application) -> list:
    """What the re-plan's curve editor opens with: the curve proposed so far, else the current
    curve's months inside the new period (the months added are left for the bureau to fill)."""
    rows = proposed_rows(application)
    if rows:
        return rows
    baseline = application.project.current_baseline()
    if baseline is None:
        return []
    period = set(plans.project_months(proposed_project(application)))
    return [
        row
        for row in baseline.points.values_list("month", "planned_percent", "planned_allocation")
        if row[0] in period
    ]


def _replan_problems(application: Application, *, sending: bool) -> Problems:
    errors = _Errors()
    project = application.project
    target = proposed_project(application)
    completion = application.proposed_completion
    if completion is not None and completion < project.planned_start:
        errors.add(
            "proposed_completion",
            _("變更後預定完工日期（{end}）不可早於預定開工日期（{start}）。").format(
                end=format_roc_date(completion), start=format_roc_date(project.planned_start)
            ),
        )
        target = None  # no planned period to hold the curve and checkpoints against
    checkpoints = (
        list(application.proposed_checkpoints.select_related("milestone")) if application.pk else []
    )
    today = _today()
    names = Counter(c.name for c in checkpoints)
    for name, count in names.items():
        if count > 1:
            errors.add("checkpoints", _("檢核點「{name}」重複。").format(name=name))
    for checkpoint in checkpoints:
        if target is not None and not (
            target.planned_start <= checkpoint.planned_date <= target.planned_completion
        ):
            errors.add(
                "checkpoints",
                services.checkpoint_outside_message(
                    target, checkpoint.name, checkpoint.planned_date
                ),
            )
        milestone = checkpoint.milestone
        if milestone is None or milestone.planned_date == checkpoint.planned_date:
            continue
        if milestone.status != MilestoneStatus.SCHEDULED:
            errors.add(
                "checkpoints",
                _("檢核點「{name}」已達成，不能變更預定完成日期。").format(name=milestone.name),
            )
        elif milestone.is_overdue(today):
            # An overdue checkpoint stays flagged until it is reported done: a re-plan does
            # not move it out of sight.
            errors.add(
                "checkpoints",
                _(
                    "檢核點「{name}」已逾期（預定{date}），請申報檢核點達成，"
                    "不能以變更預定進度調整日期。"
                ).format(name=milestone.name, date=format_roc_date(milestone.planned_date)),
            )
    if sending:
        if not application.reason.strip():
            errors.add("reason", _("請說明變更預定進度的原因。"))
        rows = proposed_rows(application)
        if not rows:
            errors.add(NON_FIELD_ERRORS, _("請編輯變更後的預定進度（S曲線）。"))
        elif target is not None:
            for problem in plans.plan_problems(target, rows):
                errors.add(NON_FIELD_ERRORS, problem.message)
    return errors


def _replan(application: Application, *, by, reason: str) -> None:
    checkpoints = [
        (c.milestone, c.name, c.planned_date)
        for c in application.proposed_checkpoints.select_related("milestone")
    ]
    services.replan_project(
        application.project,
        proposed_rows(application),
        by=by,
        reason=_log_reason(application, reason),
        completion=application.proposed_completion,
        checkpoints=checkpoints,
    )


# -- 申請暫緩列管 ----------------------------------------------------------------------------------


def _suspension_problems(application: Application, *, sending: bool) -> Problems:
    if sending and not application.reason.strip():
        return {"reason": [_("請填寫申請暫緩列管的原因。")]}
    return {}


def _suspend(application: Application, *, by, reason: str) -> None:
    services.suspend_project(
        application.project,
        by=by,
        reason=_log_reason(application, reason),
        application=application,
    )


# -- 申請解除列管 ----------------------------------------------------------------------------------


def filed_reports(project: Project):
    """The project's reports sent to the commission (drafts are the bureau's own notes)."""
    return MonthlyReport.objects.filter(project=project).exclude(state=ReportState.DRAFT)


def last_accepted_report(project: Project) -> MonthlyReport | None:
    return filed_reports(project).filter(state=ReportState.ACCEPTED).order_by("-period").first()


def final_report_problems(project: Project) -> list[str]:
    """A project is delisted on completion once its last report is accepted at 100%."""
    accepted = last_accepted_report(project)
    if accepted is None:
        return [_("本案尚無審核通過的每月填報，請先完成最後一個月的填報並經研考會審核通過。")]
    latest = filed_reports(project).order_by("-period").first()
    if latest.pk != accepted.pk:
        return [
            _("{month}的填報目前為「{state}」，須經研考會審核通過後才能申請解除列管。").format(
                month=format_roc_month(latest.period), state=latest.get_state_display()
            )
        ]
    if accepted.actual_percent < 100:
        return [
            _("最後審核通過的填報（{month}）實際進度為{percent}%，須達100%才能完工結案。").format(
                month=format_roc_month(accepted.period), percent=accepted.actual_percent
            )
        ]
    return []


def _delisting_problems(application: Application, *, sending: bool) -> Problems:
    errors = _Errors()
    project = application.project
    done, amount = application.actual_completion, application.settlement_amount
    today = _today()
    if done is not None and done > today:
        errors.add(
            "actual_completion",
            _("實際完工日期不可晚於今天（{today}）。").format(today=format_roc_date(today)),
        )
    if done is not None and done < project.planned_start:
        errors.add(
            "actual_completion",
            _("實際完工日期（{date}）不可早於預定開工日期（{start}）。").format(
                date=format_roc_date(done), start=format_roc_date(project.planned_start)
            ),
        )
    if amount is not None and amount > project.total_budget:
        errors.add(
            "settlement_amount",
            _("結算金額{amount:,}元超過總核定經費{budget:,}元，請確認金額。").format(
                amount=amount, budget=project.total_budget
            ),
        )
    if sending:
        if done is None:
            errors.add("actual_completion", _("請填寫實際完工日期。"))
        if amount is None:
            errors.add("settlement_amount", _("請填寫結算金額。"))
        for message in final_report_problems(project):
            errors.add(NON_FIELD_ERRORS, message)
    return errors


def _delist(application: Application, *, by, reason: str) -> None:
    services.delist_project(
        application.project,
        by=by,
        reason=_log_reason(application, reason),
        application=application,
        actual_completion=application.actual_completion,
        settlement_amount=application.settlement_amount,
    )


# -- 申請主辦機關移撥 ------------------------------------------------------------------------------


def _transfer_problems(application: Application, *, sending: bool) -> Problems:
    errors = _Errors()
    project = application.project
    if application.to_agency_id is not None and application.to_agency_id == project.host_agency_id:
        errors.add(
            "to_agency",
            _("移入機關與目前主辦機關相同（{agency}）。").format(agency=project.host_agency.name),
        )
    if sending:
        if application.to_agency_id is None:
            errors.add("to_agency", _("請選擇移入機關。"))
        if not application.reason.strip():
            errors.add("reason", _("請說明主辦機關移撥的原因及依據。"))
    return errors


def _transfer(application: Application, *, by, reason: str) -> None:
    services.transfer_host(
        application.project, application.to_agency, by=by, reason=_log_reason(application, reason)
    )


# -- 申報檢核點達成 --------------------------------------------------------------------------------


def _checkpoint_problems(application: Application, *, sending: bool) -> Problems:
    errors = _Errors()
    project, milestone = application.project, application.milestone
    if milestone.status != MilestoneStatus.SCHEDULED:
        errors.add(NON_FIELD_ERRORS, services.checkpoint_done_message(milestone))
    day, today = application.achieved_on, _today()
    if day is not None and day > today:
        errors.add(
            "achieved_on",
            _("實際達成日期不可晚於今天（{today}）。").format(today=format_roc_date(today)),
        )
    if day is not None and day < project.planned_start:
        errors.add(
            "achieved_on",
            _("實際達成日期（{date}）不可早於預定開工日期（{start}）。").format(
                date=format_roc_date(day), start=format_roc_date(project.planned_start)
            ),
        )
    if sending and day is None:
        errors.add("achieved_on", _("請填寫實際達成日期。"))
    return errors


def _checkpoint_done(application: Application, *, by, reason: str) -> None:
    services.record_checkpoint_done(
        application.milestone,
        application.achieved_on,
        by=by,
        note=_log_reason(application, reason),
    )


KINDS: dict[str, Kind] = {
    kind.kind: kind
    for kind in [
        Kind(ApplicationKind.LISTING, frozenset({ControlStatus.NEW}), _listing_problems, _list),
        Kind(
            ApplicationKind.REPLAN,
            LISTED_OR_SUSPENDED,
            _replan_problems,
            _replan,
            fields=("proposed_completion",),
        ),
        Kind(
            ApplicationKind.SUSPENSION,
            frozenset({ControlStatus.LISTED}),
            _suspension_problems,
            _suspend,
        ),
        Kind(
            ApplicationKind.DELISTING,
            LISTED_OR_SUSPENDED,
            _delisting_problems,
            _delist,
            fields=("actual_completion", "settlement_amount"),
        ),
        Kind(
            ApplicationKind.TRANSFER,
            LISTED_OR_SUSPENDED,
            _transfer_problems,
            _transfer,
            fields=("to_agency",),
        ),
        Kind(
            ApplicationKind.CHECKPOINT,
            LISTED_OR_SUSPENDED,
            _checkpoint_problems,
            _checkpoint_done,
            fields=("achieved_on",),
            evidence=True,
        ),
    ]
}


def kind_of(application_or_kind) -> Kind:
    key = getattr(application_or_kind, "kind", application_or_kind)
    return KINDS[key]


def problem_list(problems: Problems) -> list[str]:
    """Every message of ``problems``, in order, for a page's list of what to fix."""
    return [message for messages in problems.values() for message in messages]


# -- who does what ------------------------------------------------------------------------------


def may_apply(user, project: Project) -> bool:
    """The host agency's staff and managers (admins: any project) draft applications."""
    return may_register(user) and Project.objects.editable_by(user).filter(pk=project.pk).exists()


def may_send(user) -> bool:
    """局處主管 send applications on the agency's behalf (admins may too)."""
    return services.can_submit(user)


def may_decide(user) -> bool:
    return is_commission(user)


def may_change(application: Application, user) -> bool:
    """The bureau changes an application (its fields, curve, attachments) while it holds it:
    a draft or a returned one, not one the commission is reviewing or has decided."""
    return (
        application.is_open
        and not application.is_submitted
        and may_apply(user, application.project)
    )


def open_application(project: Project, kind: str, milestone=None) -> Application | None:
    found = Application.objects.open().filter(project=project, kind=kind)
    if kind == ApplicationKind.CHECKPOINT:
        found = found.filter(milestone=milestone)
    return found.first()


def refusal(project: Project, kind: str) -> str:
    """Why ``project`` cannot apply for ``kind`` in its control status ("" when it can)."""
    if project.control_status in KINDS[kind].from_statuses:
        return ""
    return _("本案目前為「{status}」，不能{kind}。").format(
        status=project.get_control_status_display(), kind=KINDS[kind].label
    )


def offered_kinds(user, project: Project) -> list[Kind]:
    """The applications the project page offers ``user`` now: those its status allows, but
    listing (offered by the drafting steps) and checkpoints (offered on each checkpoint's row),
    and none of a kind already waiting for the commission."""
    if not may_apply(user, project):
        return []
    waiting = set(
        Application.objects.waiting().filter(project=project).values_list("kind", flat=True)
    )
    return [
        k
        for key, k in KINDS.items()
        if key not in (ApplicationKind.LISTING, ApplicationKind.CHECKPOINT)
        and key not in waiting
        and not refusal(project, key)
    ]


# -- the flow -----------------------------------------------------------------------------------


def _step(application, to_state, *, by, comment=""):
    step = ApplicationStep.objects.create(
        application=application,
        from_state=application.state,
        to_state=to_state,
        by=by,
        comment=comment,
    )
    application.state = to_state
    return step


def _for_change(project: Project, kind: str, by, milestone=None) -> Application | None:
    """The open application to change, locked; refuses a user who may not apply and an
    application the commission is reviewing."""
    if kind not in KINDS:
        raise ValidationError(_("沒有這種申請。"))
    if not may_apply(by, project):
        raise PermissionDenied(_("只有主辦機關可以提出申請。"))
    if kind == ApplicationKind.CHECKPOINT and (
        milestone is None or milestone.project_id != project.pk
    ):
        raise ValidationError(_("請選擇要申報達成的檢核點。"))
    found = Application.objects.select_for_update().open().filter(project=project, kind=kind)
    if kind == ApplicationKind.CHECKPOINT:
        found = found.filter(milestone=milestone)
    application = found.first()
    if application is not None and application.is_submitted:
        raise ValidationError(_("申請已送出，研考會審查中，不能修改。"))
    return application


def _fill(application, project, kind, *, reason, by, milestone, details) -> Application:
    if application is None:
        application = Application(project=project, kind=kind, created_by=by, milestone=milestone)
    application.project = project
    application.reason = (reason or "").strip()
    for name in KINDS[kind].fields:
        if details is not None and name in details:
            setattr(application, name, details[name])
    if kind == ApplicationKind.TRANSFER:
        # Kept with the application: the agency handing over still sees it after the move.
        application.from_agency_id = project.host_agency_id
    return application


def _save_checkpoints(application: Application, checkpoints) -> None:
    """A re-plan's checkpoints as the form lists them: ``(milestone id or None, name, date)``.
    A milestone of another project is not taken."""
    rows = list(checkpoints)
    mine = {
        m.pk: m
        for m in Milestone.objects.filter(
            project=application.project, pk__in=[i for i, _n, _d in rows if i]
        )
    }
    application.proposed_checkpoints.all().delete()
    ProposedCheckpoint.objects.bulk_create(
        ProposedCheckpoint(
            application=application,
            milestone=mine.get(milestone_id),
            name=mine[milestone_id].name if milestone_id in mine else name.strip(),
            planned_date=planned_date,
            position=position,
        )
        for position, (milestone_id, name, planned_date) in enumerate(rows, start=1)
        if milestone_id in mine or not milestone_id
    )


def _save(application, *, checkpoints, attachment, sending) -> None:
    """Write the application (and a re-plan's checkpoints), then check it: a problem raises
    and the transaction takes every row back. The caller checks an attachment before and
    writes it after, so a refused save leaves no file behind."""
    rules = kind_of(application)
    application.save()
    if checkpoints is not None:
        _save_checkpoints(application, checkpoints)
    problems = _Errors(rules.problems(application, sending=sending))
    if sending and rules.evidence and attachment is None and not application.attachments.exists():
        problems.add("attachment", _("請附上達成的佐證資料（照片或文件）。"))
    if problems:
        raise ValidationError(dict(problems))


@transaction.atomic
def save_application(
    project: Project,
    kind: str,
    *,
    reason: str,
    by,
    milestone=None,
    details: dict | None = None,
    checkpoints=None,
    attachment=None,
) -> Application:
    """Save the application as a draft (staff prepare it; the manager sends it), with an
    attachment when one is given."""
    application = _for_change(project, kind, by, milestone)
    why_not = refusal(project, kind)
    if why_not:
        raise ValidationError(why_not)
    application = _fill(
        application, project, kind, reason=reason, by=by, milestone=milestone, details=details
    )
    pending = attachments.check_upload(application, attachment) if attachment else None
    _save(application, checkpoints=checkpoints, attachment=attachment, sending=False)
    if pending is not None:
        attachments.store(application, pending, by=by)
    return application


@transaction.atomic
def submit_application(
    project: Project,
    kind: str,
    *,
    reason: str,
    by,
    now=None,
    milestone=None,
    details: dict | None = None,
    checkpoints=None,
    attachment=None,
) -> Application:
    """送出: the manager sends the application. The kind's checks are made now (for 申請列管,
    ``services.listing_problems``): the commission receives only what could be approved."""
    project = Project.objects.select_for_update().select_related("host_agency").get(pk=project.pk)
    application = _for_change(project, kind, by, milestone)
    if not may_send(by):
        raise PermissionDenied(_("須由局處主管送出申請。"))
    why_not = refusal(project, kind)
    if why_not:
        raise ValidationError(why_not)
    application = _fill(
        application, project, kind, reason=reason, by=by, milestone=milestone, details=details
    )
    pending = attachments.check_upload(application, attachment) if attachment else None
    _save(application, checkpoints=checkpoints, attachment=attachment, sending=True)
    if kind == ApplicationKind.DELISTING:
        application.final_report = last_accepted_report(project)
    _step(application, ApplicationState.SUBMITTED, by=by, comment=application.reason)
    application.submitted_by, application.submitted_at = by, now or timezone.now()
    application.save()
    if pending is not None:
        attachments.store(application, pending, by=by)
    return application


@transaction.atomic
def save_proposed_plan(application: Application, rows, *, by) -> list:
    """The re-plan's new S-curve, from the curve editor: checked against the new planned
    period (``plans.plan_problems``) and kept with the application until it is decided."""
    application = (
        Application.objects.select_for_update().select_related("project").get(pk=application.pk)
    )
    if application.kind != ApplicationKind.REPLAN:
        raise ValidationError(_("只有變更預定進度的申請可以編輯預定進度。"))
    if not may_change(application, by):
        raise PermissionDenied(_("申請已送出或已審查，不能修改。"))
    rows = sorted(rows)
    problems = plans.plan_problems(proposed_project(application), rows)
    if problems:
        raise ValidationError([p.message for p in problems])
    application.proposed_points.all().delete()
    ProposedPoint.objects.bulk_create(
        ProposedPoint(application=application, month=m, planned_percent=p, planned_allocation=a)
        for m, p, a in rows
    )
    return rows


@transaction.atomic
def decide_application(
    application: Application, *, approve: bool, reason: str, by, now=None
) -> Application:
    """同意 or 退回（附理由）: a reviewer decides a sent application. Approval checks the kind's
    rules again and does what the kind says, through the services the commission's own
    buttons use; either decision is notified to the applicant at once."""
    if not may_decide(by):
        raise PermissionDenied(_("只有研考會審查人員可以審查申請。"))
    application = (
        # Only the application's row is locked: FOR UPDATE cannot reach the nullable side of
        # the outer joins (a milestone, an agency taking over).
        Application.objects.select_for_update(of=("self",))
        .select_related("project__host_agency", "milestone", "to_agency")
        .get(pk=application.pk)
    )
    if not application.is_submitted:
        raise ValidationError(_("只有審查中的申請可以審查。"))
    reason = (reason or "").strip()
    if approve:
        rules = kind_of(application)
        why_not = refusal(application.project, application.kind)
        if why_not:
            raise ValidationError(why_not)
        problems = rules.problems(application, sending=True)
        if problems:
            raise ValidationError(problems)
        rules.approve(application, by=by, reason=reason)
        step = _step(application, ApplicationState.APPROVED, by=by, comment=reason)
    else:
        if not reason:
            raise ValidationError({"reason": [_("退回時請填寫理由。")]})
        step = _step(application, ApplicationState.RETURNED, by=by, comment=reason)
    application.decided_by, application.decided_at = by, now or timezone.now()
    application.decision_reason = reason
    application.save()
    # Written in this transaction, e-mailed after the commit (as a returned report's notice).
    reminders.notify_application_decided(step.pk)
    return application


# -- the commission's lists ---------------------------------------------------------------------


def unlisted_major_projects():
    """Registered 重大建設 at or above the major threshold (*default* NT$50,000,000) that are not
    listed yet: "總預算達五千萬元以上重大案件" must be listed."""
    threshold = ControlSettings.get().major_threshold
    return Project.objects.filter(
        kind=ProjectKind.MAJOR, control_status=ControlStatus.NEW, total_budget__gte=threshold
    )

"""Applications to the commission (變更申請): one flow for every kind.

A bureau's staff drafts an application about one of its projects, the bureau's manager sends
it (送出), a reviewer approves it (同意) or returns it with a reason (退回); a returned
application is corrected and sent again. Each turn is an ``ApplicationStep``; each decision
notifies the applicant through the reminder log (notification and e-mail, once per step).

What differs between kinds is in ``KINDS``: the control statuses a project may be in to apply,
the checks made when it is sent and again when it is approved, and what approval does. 申請列管
is the first kind; re-plan, suspension, delisting, transfer of the host agency and a checkpoint
reached are to be added as entries here, not as flows of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import reminders, services
from projects.choices import ApplicationKind, ApplicationState, ControlStatus, ProjectKind
from projects.models import Application, ApplicationStep, ControlSettings, Project
from projects.registration import may_register
from tainan_rdec.scoping import is_commission


@dataclass(frozen=True)
class Kind:
    kind: ApplicationKind
    #: control statuses from which a project may apply
    from_statuses: frozenset
    #: why the project cannot have what it applies for (empty: it can); checked when the
    #: manager sends the application and again when the reviewer approves it
    problems: Callable[[Project], list[str]]
    #: what approval does to the project: ``approve(application, by=, reason=)``
    approve: Callable

    @property
    def label(self) -> str:
        return self.kind.label


def _list(application: Application, *, by, reason: str) -> None:
    services.list_project(application.project, by=by, reason=reason or _("同意申請列管"))


KINDS: dict[str, Kind] = {
    ApplicationKind.LISTING: Kind(
        ApplicationKind.LISTING,
        frozenset({ControlStatus.NEW}),
        services.listing_problems,
        _list,
    ),
}


def kind_of(application_or_kind) -> Kind:
    key = getattr(application_or_kind, "kind", application_or_kind)
    return KINDS[key]


# -- who does what ------------------------------------------------------------------------------


def may_apply(user, project: Project) -> bool:
    """The host agency's staff and managers (admins: any project) draft applications."""
    return may_register(user) and Project.objects.editable_by(user).filter(pk=project.pk).exists()


def may_send(user) -> bool:
    """局處主管 send applications on the agency's behalf (admins may too)."""
    return services.can_submit(user)


def may_decide(user) -> bool:
    return is_commission(user)


def open_application(project: Project, kind: str) -> Application | None:
    return Application.objects.open().filter(project=project, kind=kind).first()


def refusal(project: Project, kind: str) -> str:
    """Why ``project`` cannot apply for ``kind`` in its control status ("" when it can)."""
    if project.control_status in KINDS[kind].from_statuses:
        return ""
    return _("本案目前為「{status}」，不能{kind}。").format(
        status=project.get_control_status_display(), kind=KINDS[kind].label
    )


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


def _for_change(project: Project, kind: str, by) -> Application | None:
    """The open application to change, locked; refuses a user who may not apply and an
    application the commission is reviewing."""
    if kind not in KINDS:
        raise ValidationError(_("沒有這種申請。"))
    if not may_apply(by, project):
        raise PermissionDenied(_("只有主辦機關可以提出申請。"))
    application = (
        Application.objects.select_for_update().open().filter(project=project, kind=kind).first()
    )
    if application is not None and application.is_submitted:
        raise ValidationError(_("申請已送出，研考會審查中，不能修改。"))
    return application


@transaction.atomic
def save_application(project: Project, kind: str, *, reason: str, by) -> Application:
    """Save the application as a draft (staff prepare it; the manager sends it)."""
    application = _for_change(project, kind, by)
    if application is None:
        application = Application(project=project, kind=kind, created_by=by)
    application.reason = (reason or "").strip()
    application.save()
    return application


@transaction.atomic
def submit_application(project: Project, kind: str, *, reason: str, by, now=None) -> Application:
    """送出: the manager sends the application. The kind's checks are made now (for 申請列管,
    ``services.listing_problems``): the commission receives only what could be approved."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    application = _for_change(project, kind, by)
    if not may_send(by):
        raise PermissionDenied(_("須由局處主管送出申請。"))
    why_not = refusal(project, kind)
    if why_not:
        raise ValidationError(why_not)
    problems = KINDS[kind].problems(project)
    if problems:
        raise ValidationError(problems)
    if application is None:
        application = Application(project=project, kind=kind, created_by=by)
    application.reason = (reason or "").strip()
    if application.pk is None:
        application.save()  # a draft for an instant: the step below records the sending
    _step(application, ApplicationState.SUBMITTED, by=by, comment=application.reason)
    application.submitted_by, application.submitted_at = by, now or timezone.now()
    application.save()
    return application


@transaction.atomic
def decide_application(
    application: Application, *, approve: bool, reason: str, by, now=None
) -> Application:
    """同意 or 退回（附理由）: a reviewer decides a sent application. Approval does what the
    kind says (申請列管: ``services.list_project``, which checks the listing rules again);
    either decision is notified to the applicant at once."""
    if not may_decide(by):
        raise PermissionDenied(_("只有研考會審查人員可以審查申請。"))
    application = (
        Application.objects.select_for_update().select_related("project").get(pk=application.pk)
    )
    if not application.is_submitted:
        raise ValidationError(_("只有審查中的申請可以審查。"))
    reason = (reason or "").strip()
    if approve:
        kind_of(application).approve(application, by=by, reason=reason)
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

"""Follow-up of controlled projects: review meetings and their agendas, site visits, and the
directives (管制事項) the commission raises and the agencies answer.

Each process is a verb that runs in one transaction and checks who may do it, so a page, an
import and a task that call it get the same answer:

- ``create_meeting`` (a monthly meeting gets its agenda proposed at once), ``record_minutes``;
- ``propose_agenda``, ``add_agenda_item``, ``remove_agenda_item``;
- ``record_site_visit``;
- ``raise_directive``, ``respond_to_directive``, ``close_directive``, ``reopen_directive``.

Reading helpers (``agenda_for``, ``open_directives_before``, ``directives_for_project``,
``directive_rows``) load what the pages show in a fixed number of queries.

**What goes on a meeting's agenda.** Every *listed* (列管中) project that is, in this order of
precedence (the first that applies is the item's reason):

1. 異常 — its contract was terminated (execution phase 已解約);
2. 停工 — its execution phase is 停工中;
3. 嚴重落後 — its latest accepted report is behind by the seriously-behind threshold or more;
4. 異常 — a stop or abnormality reason (停工或異常原因) is recorded on the project although it is
   not stopped (e.g. a contract dispute or a third failed tender), or one of its checkpoints is
   overdue (檢核點逾期: still 預定 after its planned date).

Suspended, new and delisted projects are not proposed; a reviewer may still add any project by
hand (審查人員增列). A reviewer's removal is kept as a row marked removed, so proposing again never
brings the item back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Count, IntegerField, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import (
    AgendaReason,
    DirectiveStatus,
    ExecutionPhase,
    LagStatus,
    MeetingKind,
)
from projects.lag import FLAG_CHECKPOINT_OVERDUE, Assessment, assess_many
from projects.models import (
    AgendaItem,
    Directive,
    DirectiveResponse,
    Project,
    ReviewMeeting,
    SiteVisit,
)
from tainan_rdec.choices import BUREAU_ROLES
from tainan_rdec.roc import format_roc_date, format_roc_month
from tainan_rdec.scoping import is_active_user, is_admin, is_commission

# The order of the agenda's sections.
REASON_ORDER = [
    AgendaReason.SERIOUSLY_BEHIND,
    AgendaReason.STOPPED,
    AgendaReason.ABNORMAL,
    AgendaReason.MANUAL,
]


def _require_commission(user):
    if not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以執行此項作業。"))


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# -- meetings ----------------------------------------------------------------------------------


def default_meeting_title(kind: str, day: date) -> str:
    """``113年3月重大建設暨基本設施檢討會議`` (the month and the meeting's name)."""
    return _("{month}{kind}").format(month=format_roc_month(day), kind=MeetingKind(kind).label)


@transaction.atomic
def create_meeting(
    *,
    kind: str,
    date: date,
    by,
    title: str = "",
    chair: str = "",
    minutes: str = "",
    today: date | None = None,
) -> ReviewMeeting:
    """Schedule a meeting. A monthly review meeting gets its agenda proposed at once (see the
    module docstring); a quarterly meeting's agenda is built by hand."""
    _require_commission(by)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("會議類別不正確。")})
    meeting = ReviewMeeting.objects.create(
        kind=kind,
        date=date,
        title=(title or "").strip() or default_meeting_title(kind, date),
        chair=(chair or "").strip(),
        minutes=minutes or "",
        created_by=by,
    )
    if kind == MeetingKind.MONTHLY:
        propose_agenda(meeting, today=today or timezone.localdate())
    return meeting


@transaction.atomic
def record_minutes(meeting: ReviewMeeting, *, by, minutes: str, chair: str = "") -> None:
    """會議紀錄: the minutes and the chair, written after the meeting."""
    _require_commission(by)
    meeting.minutes = minutes or ""
    meeting.chair = (chair or "").strip()
    meeting.save(update_fields=["minutes", "chair"])


# -- agenda ------------------------------------------------------------------------------------


def agenda_reason(project: Project, assessment: Assessment) -> tuple[str, str] | None:
    """(reason, note) when ``project`` belongs on a review meeting's agenda, else None.

    The rule and its precedence are in the module docstring."""
    if project.phase == ExecutionPhase.TERMINATED:
        return AgendaReason.ABNORMAL, project.stop_reason or _("已解約。")
    if project.phase == ExecutionPhase.STOPPED:
        return AgendaReason.STOPPED, project.stop_reason
    if assessment.status == LagStatus.SERIOUSLY_BEHIND:
        return AgendaReason.SERIOUSLY_BEHIND, _(
            "{month}實際進度{actual}%，預定進度{planned}%，落後{points}個百分點。"
        ).format(
            month=format_roc_month(assessment.latest.period),
            actual=assessment.latest.actual_percent,
            planned=assessment.latest.planned_percent,
            points=-assessment.difference,
        )
    if project.stop_reason.strip():
        return AgendaReason.ABNORMAL, project.stop_reason
    if FLAG_CHECKPOINT_OVERDUE in assessment.flags:
        return AgendaReason.ABNORMAL, _("檢核點逾期未達成。")
    return None


def _next_order(meeting: ReviewMeeting) -> int:
    last = meeting.items.aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def propose_agenda(meeting: ReviewMeeting, *, today: date, by=None) -> list[AgendaItem]:
    """Add every listed project that is seriously behind, stopped or abnormal (see the module
    docstring) and not yet on the agenda. Idempotent: a project already there, or removed by a
    reviewer, is left as it is. Returns the items added.

    ``by`` is checked when given (a reviewer pressing the button); the system proposes with
    ``by=None`` when a monthly meeting is created."""
    if by is not None:
        _require_commission(by)
    # Lock the meeting row so two proposals at once cannot both add the same project.
    ReviewMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
    present = set(meeting.items.values_list("project_id", flat=True))
    projects = list(Project.objects.listed().exclude(pk__in=present).order_by("control_number"))
    assessments = assess_many(projects, today=today)
    found = []
    for project in projects:
        decision = agenda_reason(project, assessments[project.pk])
        if decision is not None:
            found.append(
                (REASON_ORDER.index(decision[0]), project.control_number, project, decision)
            )
    found.sort(key=lambda row: row[:2])
    order = _next_order(meeting)
    items = [
        AgendaItem(meeting=meeting, project=project, reason=reason, note=note, order=order + i)
        for i, (_rank, _number, project, (reason, note)) in enumerate(found)
    ]
    return AgendaItem.objects.bulk_create(items)


@transaction.atomic
def add_agenda_item(meeting: ReviewMeeting, project: Project, *, by, note: str = "") -> AgendaItem:
    """審查人員增列: put a project on the agenda by hand, or bring back one that was removed."""
    _require_commission(by)
    item = AgendaItem.objects.select_for_update().filter(meeting=meeting, project=project).first()
    if item is not None:
        if not item.removed:
            raise ValidationError(
                {"project": _("「{name}」已在本次會議議程中。").format(name=project.name)}
            )
        item.removed = False
        if note.strip():
            item.note = note.strip()
        item.save(update_fields=["removed", "note"])
        return item
    return AgendaItem.objects.create(
        meeting=meeting,
        project=project,
        reason=AgendaReason.MANUAL,
        note=note.strip(),
        order=_next_order(meeting),
    )


@transaction.atomic
def remove_agenda_item(item: AgendaItem, *, by) -> None:
    """Take a project off the agenda. The row stays, marked removed, so that proposing the
    agenda again does not put it back."""
    _require_commission(by)
    if item.removed:
        return
    item.removed = True
    item.save(update_fields=["removed"])


@dataclass
class AgendaRow:
    item: AgendaItem
    assessment: Assessment

    @property
    def project(self) -> Project:
        return self.item.project

    @property
    def latest(self):
        return self.assessment.latest


def agenda_for(meeting: ReviewMeeting, *, user, today: date) -> list[tuple[str, list[AgendaRow]]]:
    """The meeting's agenda as ``[(reason, rows)]`` in ``REASON_ORDER``, each row with the
    project's latest accepted figures, lag reasons and remedies. Only the projects ``user`` may
    see; removed items are left out. A fixed number of queries, whatever the agenda's size."""
    items = list(
        meeting.items.filter(removed=False, project__in=Project.objects.visible_to(user))
        .select_related("project__host_agency")
        .order_by("order", "pk")
    )
    assessments = assess_many([i.project for i in items], today=today)
    groups: dict[str, list[AgendaRow]] = {}
    for item in items:
        groups.setdefault(item.reason, []).append(AgendaRow(item, assessments[item.project_id]))
    return [(reason, groups[reason]) for reason in REASON_ORDER if reason in groups]


def removed_items(meeting: ReviewMeeting):
    return meeting.items.filter(removed=True).select_related("project").order_by("order", "pk")


# -- site visits -------------------------------------------------------------------------------


@transaction.atomic
def record_site_visit(
    project: Project,
    *,
    date: date,
    participants: str,
    findings: str,
    by,
    today: date | None = None,
) -> SiteVisit:
    """實地訪視: a reviewer records a visit made (not one planned) with who went and what they
    found."""
    _require_commission(by)
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("訪視日期不得晚於今天，請於訪視後再登錄。")})
    participants = _required_text(participants, "participants", _("請填寫參與人員。"))
    findings = _required_text(findings, "findings", _("請填寫訪視發現。"))
    return SiteVisit.objects.create(
        project=project, date=date, participants=participants, findings=findings, created_by=by
    )


# -- directives --------------------------------------------------------------------------------


@transaction.atomic
def raise_directive(
    *,
    text: str,
    due_date: date,
    by,
    responsible_agency=None,
    project: Project | None = None,
    meeting: ReviewMeeting | None = None,
    site_visit: SiteVisit | None = None,
    today: date | None = None,
) -> Directive:
    """列管: a reviewer raises a directive, owed by an agency (by default the project's host
    agency) by a due date that is not in the past."""
    _require_commission(by)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if site_visit is not None:
        if project is not None and project.pk != site_visit.project_id:
            errors["project"] = _("管制事項的案件須與訪視的案件相同。")
        project = project or site_visit.project
    if responsible_agency is None and project is not None:
        responsible_agency = project.host_agency
    if not (text or "").strip():
        errors["text"] = _("請填寫管制事項內容。")
    if responsible_agency is None:
        errors["responsible_agency"] = _("請選擇辦理機關。")
    if due_date is None:
        errors["due_date"] = _("請填寫辦理期限。")
    elif due_date < today:
        errors["due_date"] = _("辦理期限不得早於今天（{today}）。").format(
            today=format_roc_date(today)
        )
    if errors:
        raise ValidationError(errors)
    return Directive.objects.create(
        project=project,
        meeting=meeting,
        site_visit=site_visit,
        text=text.strip(),
        responsible_agency=responsible_agency,
        due_date=due_date,
        raised_by=by,
    )


def can_respond(directive: Directive, user) -> bool:
    """The responsible agency's bureau staff and managers answer a directive; an admin may too
    (e.g. entering an answer sent on paper). Reviewers raise and close, they do not answer."""
    if not is_active_user(user):
        return False
    if is_admin(user):
        return True
    return user.role in BUREAU_ROLES and user.agency_id == directive.responsible_agency_id


def _locked(directive: Directive) -> Directive:
    return Directive.objects.select_for_update().get(pk=directive.pk)


@transaction.atomic
def respond_to_directive(directive: Directive, *, text: str, by) -> DirectiveResponse:
    """辦理情形: the responsible agency answers. A closed directive takes no more answers."""
    if not can_respond(directive, by):
        raise PermissionDenied(_("只有辦理機關的人員可以填寫此管制事項的辦理情形。"))
    directive = _locked(directive)
    if directive.status == DirectiveStatus.CLOSED:
        raise ValidationError(_("此管制事項已解除追蹤，不能再填寫辦理情形。"))
    text = _required_text(text, "text", _("請填寫辦理情形。"))
    return DirectiveResponse.objects.create(directive=directive, text=text, by=by)


@transaction.atomic
def close_directive(directive: Directive, *, by, note: str = "") -> None:
    """解除追蹤: the reviewer is satisfied with the agency's answers."""
    _require_commission(by)
    locked = _locked(directive)
    if locked.status == DirectiveStatus.CLOSED:
        raise ValidationError(_("此管制事項已解除追蹤。"))
    locked.status = DirectiveStatus.CLOSED
    locked.closed_by = by
    locked.closed_at = timezone.now()
    locked.closing_note = (note or "").strip()
    locked.save(update_fields=["status", "closed_by", "closed_at", "closing_note"])
    directive.refresh_from_db()


@transaction.atomic
def reopen_directive(directive: Directive, *, by, due_date: date | None = None) -> None:
    """繼續追蹤: reopen a closed directive, optionally with a new due date (not in the past)."""
    _require_commission(by)
    locked = _locked(directive)
    if locked.status == DirectiveStatus.OPEN:
        raise ValidationError(_("此管制事項仍在追蹤中。"))
    if due_date is not None:
        today = timezone.localdate()
        if due_date < today:
            raise ValidationError(
                {
                    "due_date": _("辦理期限不得早於今天（{today}）。").format(
                        today=format_roc_date(today)
                    )
                }
            )
        locked.due_date = due_date
    locked.status = DirectiveStatus.OPEN
    locked.closed_by = None
    locked.closed_at = None
    locked.closing_note = ""
    locked.save(update_fields=["status", "closed_by", "closed_at", "closing_note", "due_date"])
    directive.refresh_from_db()


def previous_meeting(meeting: ReviewMeeting) -> ReviewMeeting | None:
    """The meeting of the same kind held before ``meeting``."""
    return (
        ReviewMeeting.objects.filter(kind=meeting.kind)
        .filter(Q(date__lt=meeting.date) | Q(date=meeting.date, pk__lt=meeting.pk))
        .order_by("-date", "-pk")
        .first()
    )


def with_overdue(queryset, today: date):
    """Annotate ``is_late`` (open and past its due date) and the number of answers, and put
    open directives first, the most overdue at the top."""
    return queryset.annotate(
        is_late=Case(
            When(status=DirectiveStatus.OPEN, due_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        open_rank=Case(
            When(status=DirectiveStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        response_count=Count("responses"),
    ).order_by("open_rank", "due_date", "pk")


def open_directives_before(meeting: ReviewMeeting):
    """The directives raised at the previous meeting of the same kind that are still open:
    the first thing a meeting goes through (上次會議管制事項辦理情形). A queryset, so a page can
    narrow it with ``visible_to``."""
    previous = previous_meeting(meeting)
    if previous is None:
        return Directive.objects.none()
    return Directive.objects.open().filter(meeting=previous)


def directives_for_project(project: Project, *, user, today: date):
    """A project's directives that ``user`` may see, for the project page's panel."""
    return with_overdue(
        Directive.objects.visible_to(user)
        .filter(project=project)
        .select_related("responsible_agency", "meeting", "site_visit"),
        today,
    )


def days_overdue(directive: Directive, today: date) -> int:
    """Days past the due date of an open directive (0 when not overdue)."""
    if directive.status != DirectiveStatus.OPEN or directive.due_date >= today:
        return 0
    return (today - directive.due_date).days


def directive_rows(directives, today: date) -> list[tuple[Directive, int]]:
    return [(d, days_overdue(d, today)) for d in directives]

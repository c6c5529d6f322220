"""新增案件: a bureau registers a project in the portal and drafts its checkpoints and planned
S-curve, until its manager applies for listing (``projects.applications``).

"總預算達五千萬元以上重大案件請各局處至系統新增案件列管": the bureau registers, the commission
lists. A bureau drafts for its own agency only (the host agency is the user's own; co-agencies
see the project, never edit it); admins may draft for any agency. While an application is with
the commission, or once the project is listed, the draft is closed: later changes are
applications of their own.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import plans, services
from projects.choices import ControlStatus, ProjectKind
from projects.models import BudgetAllocation, Milestone, PlanBaseline, Project, TenderNumber
from tainan_rdec.choices import BUREAU_ROLES
from tainan_rdec.models import Agency
from tainan_rdec.roc import format_roc_date, to_roc_year
from tainan_rdec.scoping import is_active_user, is_admin

# -- who drafts -------------------------------------------------------------------------------


def may_register(user) -> bool:
    """Bureau staff and managers (for their own agency) and admins register projects; reviewers
    decide on them and officials read them."""
    if is_admin(user):
        return True
    return is_active_user(user) and user.role in BUREAU_ROLES and user.agency_id is not None


def drafts_editable_by(user):
    """The projects ``user`` may draft now: their agency's (an admin's: any) still being drafted
    and not waiting for the commission."""
    if not may_register(user):
        return Project.objects.none()
    return Project.objects.editable_by(user).drafting()


def check_draft(project: Project, user) -> None:
    """Refuse, with the reason, a change to ``project``'s draft that ``user`` may not make."""
    if drafts_editable_by(user).filter(pk=project.pk).exists():
        return
    if not may_register(user) or not (
        Project.objects.editable_by(user).filter(pk=project.pk).exists()
    ):
        raise PermissionDenied(_("只有主辦機關可以編輯本案。"))
    if project.control_status != ControlStatus.NEW:
        raise PermissionDenied(
            _("本案已「{status}」，基本資料、檢核點及預定進度須以變更申請辦理。").format(
                status=project.get_control_status_display()
            )
        )
    raise PermissionDenied(_("本案的申請正由研考會審查中，審查結果通知前不能修改。"))


# -- basic data ---------------------------------------------------------------------------------


_SEQUENCE = re.compile(r"-(\d+)$")


def next_control_number(agency: Agency, today: date) -> str:
    """The next free 列管編號 of ``agency`` this year: ``114-B06-0007`` (ROC year, agency code,
    sequence), the numbering the commission's records use."""
    prefix = f"{to_roc_year(today.year)}-{agency.code}-"
    taken = Project.objects.filter(control_number__startswith=prefix).values_list(
        "control_number", flat=True
    )
    highest = max((int(m.group(1)) for n in taken if (m := _SEQUENCE.search(n))), default=0)
    return f"{prefix}{highest + 1:04d}"


def basic_data_problems(
    project: Project, *, co_agencies=(), allocations=None, tenders=()
) -> dict[str, list[str]]:
    """The rules of a project's basic data as field -> messages: the edit form shows each next
    to its field, and the import (which passes the project alone) says the same per row.

    ``allocations``: ``[(year, amount)]`` in Gregorian years; ``tenders``: tender numbers."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    start, end = project.planned_start, project.planned_completion
    if start and end and end < start:
        add(
            "planned_completion",
            _("預定完工日期（{end}）不可早於預定開工日期（{start}）。").format(
                end=format_roc_date(end), start=format_roc_date(start)
            ),
        )
    if project.kind == ProjectKind.FORWARD and not project.forward_category:
        add("forward_category", _("列管類別為前瞻基礎建設時，須填前瞻計畫類別。"))
    if project.host_agency_id and any(a.pk == project.host_agency_id for a in co_agencies):
        add("co_agencies", _("協辦機關不可與主辦機關相同。"))
    allocations = allocations or []
    counts = Counter(year for year, _amount in allocations)
    for year, count in sorted(counts.items()):
        if count > 1:
            add("allocations", _("{year}年度重複填寫。").format(year=to_roc_year(year)))
        if start and end and not start.year <= year <= end.year:
            add(
                "allocations",
                _("{year}年度不在預定期程（{start}至{end}）內。").format(
                    year=to_roc_year(year), start=format_roc_date(start), end=format_roc_date(end)
                ),
            )
    total = sum(amount for _year, amount in allocations)
    if project.total_budget is not None and total > project.total_budget:
        add(
            "allocations",
            _("年度經費分配合計{total:,}元，超過總核定經費{budget:,}元。").format(
                total=total, budget=project.total_budget
            ),
        )
    taken = (
        TenderNumber.objects.filter(number__in=tenders)
        .exclude(project_id=project.pk)
        .select_related("project")
        .order_by("number")
        if tenders
        else []
    )
    clashes = [f"{t.number}（{t.project.control_number}）" for t in taken]
    if clashes:
        add(
            "tenders",
            _("標案案號已屬於其他列管案件：{list}。").format(list="、".join(clashes)),
        )
    return errors


def _save_related(project, *, co_agencies, districts, allocations, tenders):
    project.co_agencies.set(co_agencies)
    project.districts.set(districts)
    # The yearly allocations and tender numbers are the form's table, kept as typed.
    years = [year for year, _amount in allocations]
    project.allocations.exclude(year__in=years).delete()
    for year, amount in allocations:
        BudgetAllocation.objects.update_or_create(
            project=project, year=year, defaults={"amount": amount}
        )
    project.tenders.exclude(number__in=tenders).delete()
    held = set(project.tenders.values_list("number", flat=True))
    TenderNumber.objects.bulk_create(
        TenderNumber(project=project, number=n) for n in tenders if n not in held
    )


def _check(project, **related):
    errors = basic_data_problems(
        project,
        co_agencies=related["co_agencies"],
        allocations=related["allocations"],
        tenders=related["tenders"],
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def register_project(
    project: Project, *, by, co_agencies=(), districts=(), allocations=(), tenders=()
) -> Project:
    """新增案件: save ``project`` (unsaved, its basic data filled) as a draft of the user's
    agency (an admin's: the host agency given) with the next 列管編號."""
    if not may_register(by):
        raise PermissionDenied(_("只有局處填報人員、局處主管及系統管理者可以新增案件。"))
    if not is_admin(by) or project.host_agency_id is None:
        project.host_agency_id = by.agency_id
    related = {
        "co_agencies": list(co_agencies),
        "districts": list(districts),
        "allocations": list(allocations),
        "tenders": list(tenders),
    }
    _check(project, **related)
    # One registration of an agency at a time, so two bureaus' clicks get two numbers.
    agency = Agency.objects.select_for_update().get(pk=project.host_agency_id)
    project.control_number = next_control_number(agency, timezone.localdate())
    project.control_status = ControlStatus.NEW
    project.created_by = by
    project._change_reason = _("局處新增案件")
    project.save()
    _save_related(project, **related)
    return project


@transaction.atomic
def update_draft(
    project: Project, *, by, co_agencies=(), districts=(), allocations=(), tenders=()
) -> Project:
    """Save the changed basic data of a draft (the history keeps every version). The host
    agency, 列管編號 and statuses stay as they are."""
    stored = Project.objects.select_for_update().get(pk=project.pk)
    check_draft(stored, by)
    related = {
        "co_agencies": list(co_agencies),
        "districts": list(districts),
        "allocations": list(allocations),
        "tenders": list(tenders),
    }
    project.host_agency_id, project.control_number = stored.host_agency_id, stored.control_number
    project.control_status, project.created_by_id = stored.control_status, stored.created_by_id
    _check(project, **related)
    project._change_reason = _("編輯草稿")
    project.save()
    _save_related(project, **related)
    return project


# -- checkpoints (檢核點) ------------------------------------------------------------------------


def period_label(project: Project) -> str:
    """The planned period in dates: ``113.1.15至113.12.31``."""
    return _("{start}至{end}").format(
        start=format_roc_date(project.planned_start),
        end=format_roc_date(project.planned_completion),
    )


def checkpoint_problems(
    project: Project, *, name: str, planned_date: date | None, exclude: int | None = None
) -> dict[str, list[str]]:
    """The rules of a checkpoint: a name not used twice in the project, a planned date inside
    the project's planned period."""
    errors: dict[str, list[str]] = {}
    same_name = Milestone.objects.filter(project=project, name=name.strip())
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if name.strip() and same_name.exists():
        errors["name"] = [_("本案已有名為「{name}」的檢核點。").format(name=name.strip())]
    if planned_date is not None and not (
        project.planned_start <= planned_date <= project.planned_completion
    ):
        errors["planned_date"] = [
            _("預定完成日期須在預定期程（{period}）內。").format(period=period_label(project))
        ]
    return errors


def _renumber(project: Project) -> list[Milestone]:
    """The project's checkpoints in their order, numbered 1, 2, 3 … (rows from before the
    drafting pages all have 0)."""
    checkpoints = list(Milestone.objects.select_for_update().filter(project=project))
    changed = []
    for position, checkpoint in enumerate(checkpoints, start=1):
        if checkpoint.position != position:
            checkpoint.position = position
            changed.append(checkpoint)
    Milestone.objects.bulk_update(changed, ["position"])
    return checkpoints


@transaction.atomic
def add_checkpoint(project: Project, *, name: str, planned_date: date, note: str = "", by):
    check_draft(project, by)
    errors = checkpoint_problems(project, name=name, planned_date=planned_date)
    if errors:
        raise ValidationError(errors)
    position = len(_renumber(project)) + 1
    checkpoint = Milestone(
        project=project, name=name.strip(), planned_date=planned_date, note=note, position=position
    )
    checkpoint._change_reason = _("新增檢核點")
    checkpoint.save()
    return checkpoint


@transaction.atomic
def change_checkpoint(checkpoint: Milestone, *, name: str, planned_date: date, note: str, by):
    project = checkpoint.project
    check_draft(project, by)
    errors = checkpoint_problems(
        project, name=name, planned_date=planned_date, exclude=checkpoint.pk
    )
    if errors:
        raise ValidationError(errors)
    checkpoint.name, checkpoint.planned_date, checkpoint.note = name.strip(), planned_date, note
    checkpoint._change_reason = _("修改檢核點")
    checkpoint.save()
    return checkpoint


@transaction.atomic
def delete_checkpoint(checkpoint: Milestone, *, by) -> None:
    check_draft(checkpoint.project, by)
    checkpoint._change_reason = _("刪除檢核點")
    checkpoint.delete()
    _renumber(checkpoint.project)


@transaction.atomic
def move_checkpoint(checkpoint: Milestone, *, up: bool, by) -> None:
    """Swap the checkpoint with the one before it (``up``) or after it; nothing at an end."""
    check_draft(checkpoint.project, by)
    ordered = _renumber(checkpoint.project)
    index = next(i for i, c in enumerate(ordered) if c.pk == checkpoint.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    first, second = ordered[index], ordered[other]
    first.position, second.position = second.position, first.position
    Milestone.objects.bulk_update([first, second], ["position"])


# -- the planned S-curve ---------------------------------------------------------------------------


@transaction.atomic
def save_draft_plan(project: Project, rows, *, by) -> PlanBaseline:
    """Save the draft's planned S-curve: checked against the project's rules
    (``plans.plan_problems``), then made the current curve by ``services.create_baseline``.

    A draft's curve is replaced, not versioned: no report was filed against it and the
    commission has not seen it, so there is nothing to compare a re-plan with yet. Versions
    start once the project is listed (a re-plan keeps the old curve, drawn dashed)."""
    stored = Project.objects.select_for_update().get(pk=project.pk)
    check_draft(stored, by)
    rows = list(rows)
    problems = plans.plan_problems(stored, rows)
    if problems:
        raise ValidationError([p.message for p in problems])
    PlanBaseline.objects.filter(project=stored).delete()
    return services.create_baseline(stored, rows, by=by)

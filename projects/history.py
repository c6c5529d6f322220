"""How projects stood on a past day, for documents that must say the same thing whenever they
are built (a quarter's promotion-meeting packet built weeks after the quarter).

What has a date says when it happened, and only that is rewound:

- control status and phase: from the status log (``StatusChange``): the first change of a field
  after the day tells what the field was on the day; a field never changed since is as it is now;
- a draft registered after the day did not exist yet;
- monthly reports: those for a month up to the last month counted (``until``), whenever they
  were accepted — "the latest accepted report for a month inside the quarter";
- checkpoints: overdue on the day when planned before it and not done by it;
- directives: raised by the day and not closed by it;
- S-curve versions: those created by the day (the first version always: it is the plan).

Every other field of a project (its name, budget, dates) is read as it is now.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet

from projects.choices import ControlStatus, DirectiveStatus, MilestoneStatus, StatusField
from projects.models import Directive, PlanBaseline, Project, StatusChange
from tainan_rdec.workdays import TAIPEI

REWOUND_FIELDS = {
    StatusField.CONTROL_STATUS: "control_status",
    StatusField.PHASE: "phase",
}


def end_of(day: date) -> datetime:
    """The first moment after ``day`` in Taipei: what happened before it happened by ``day``."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=TAIPEI)


def as_they_stood(projects, day: date) -> list[Project]:
    """``projects`` (a queryset or list) with their control status and phase as they stood at
    the end of ``day``, without the drafts registered after it. One query for the log."""
    if isinstance(projects, QuerySet):
        ids = projects.values("pk")
        projects = list(projects)
    else:
        projects = list(projects)
        ids = [p.pk for p in projects]
    cutoff = end_of(day)
    first_later: dict[tuple[int, str], str] = {}
    for project_id, field, old_value in (
        StatusChange.objects.filter(project__in=ids, at__gte=cutoff, field__in=REWOUND_FIELDS)
        .order_by("at", "pk")
        .values_list("project_id", "field", "old_value")
    ):
        first_later.setdefault((project_id, field), old_value)
    stood = []
    for project in projects:
        for field, attribute in REWOUND_FIELDS.items():
            old_value = first_later.get((project.pk, field))
            if old_value:
                setattr(project, attribute, old_value)
        if project.control_status == ControlStatus.NEW and project.created_at >= cutoff:
            continue
        stood.append(project)
    return stood


def directives_open_on(day: date):
    """Directives raised by the end of ``day`` and not closed by then."""
    cutoff = end_of(day)
    return Directive.objects.filter(raised_at__lt=cutoff).filter(
        Q(status=DirectiveStatus.OPEN) | Q(closed_at__gte=cutoff)
    )


def milestones_on(milestones, day: date) -> list:
    """A project's checkpoints as they stood at the end of ``day``: one done after it is shown
    still scheduled, without its date (changed in memory only)."""
    milestones = list(milestones)
    for milestone in milestones:
        if milestone.actual_date is not None and milestone.actual_date > day:
            milestone.status, milestone.actual_date = MilestoneStatus.SCHEDULED, None
    return milestones


def baselines_on(baselines, day: date) -> list[PlanBaseline]:
    """The S-curve versions of one project that existed at the end of ``day`` (the first one
    always), the latest of them taken as current."""
    cutoff = end_of(day)
    ordered = sorted(baselines, key=lambda b: b.version)
    kept = [b for i, b in enumerate(ordered) if i == 0 or b.created_at < cutoff]
    for baseline in kept:
        baseline.is_current = baseline is kept[-1]
    return kept

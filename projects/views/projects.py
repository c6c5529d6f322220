"""Project pages: the list with filters, the detail page, and the lifecycle actions (納入列管,
暫緩列管, 恢復列管, 解除列管). Thin: parse input, call the service, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import applications as lifecycle_applications
from projects import followup, registration, services
from projects.applications import may_apply
from projects.charts import build_s_curve
from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    LagStatus,
    ReportState,
)
from projects.filters import ProjectBaseFilter
from projects.forms import ReasonForm
from projects.lag import assess_many
from projects.models import (
    Application,
    ControlSettings,
    MonthlyReport,
    PlanBaseline,
    Project,
    SiteVisit,
    StatusChange,
)
from projects.warning import rate_many
from tainan_rdec.importing.exports import export_response
from tainan_rdec.months import add_months, month_start
from tainan_rdec.scoping import get_visible_or_404, is_commission, reads_every_agency

PAGE_SIZE = 50


class ProjectFilter(ProjectBaseFilter):
    """The list's filters. 落後狀態 is computed, not stored: the view applies it after
    ``assess_many``; the agency filter is for the commission only (bureaus see their own)."""

    control_status = django_filters.ChoiceFilter(
        label=gettext_lazy("列管狀態"),
        choices=ControlStatus.choices,
        empty_label=gettext_lazy("全部"),
    )
    lag = django_filters.ChoiceFilter(
        label=gettext_lazy("落後狀態"),
        choices=LagStatus.choices,
        empty_label=gettext_lazy("全部"),
        method="filter_nothing",
    )
    q = django_filters.CharFilter(label=gettext_lazy("關鍵字"), method="filter_keyword")

    class Meta(ProjectBaseFilter.Meta):
        pass

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not reads_every_agency(user):
            del self.filters["agency"]
        self.form.fields["q"].help_text = _("案件名稱或列管編號")

    def filter_keyword(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(control_number__icontains=value))

    def filter_nothing(self, queryset, name, value):
        return queryset  # see the class docstring: applied by the view


@login_required
def project_list(request):
    today = timezone.localdate()
    visible = Project.objects.visible_to(request.user).select_related("host_agency")
    filterset = ProjectFilter(request.GET or None, queryset=visible, user=request.user)
    projects = filterset.qs
    lag = filterset.form.cleaned_data.get("lag") if filterset.is_bound else ""

    assessments = {}
    if lag:
        # Lag status is computed from reports, so every matching project is assessed (three
        # queries whatever their number) and the list narrowed to those with that status.
        everyone = list(projects.select_related(None).only("pk", "phase"))
        assessments = assess_many(everyone, today=today, figures_only=True)
        projects = projects.filter(
            pk__in=[p.pk for p in everyone if assessments[p.pk].status == lag]
        )

    exported = export_response(request, "projects", projects)  # ?format=xlsx|csv
    if exported is not None:
        return exported
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if rows and not assessments:
        # Only the projects on this page; the list shows a report's figures, not its text.
        assessments = assess_many(rows, today=today, figures_only=True)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "may_register": registration.may_register(request.user),
            "filter": filterset,
            "page": page,
            "rows": [(p, assessments[p.pk]) for p in rows],
            "query": query.urlencode(),
            "SERIOUSLY_BEHIND": LagStatus.SERIOUSLY_BEHIND,
            "STOPPED": LagStatus.STOPPED,
        },
    )


@dataclass(frozen=True)
class LifecycleAction:
    name: str
    label: str
    service: Callable
    danger: bool = False

    @property
    def allowed_from(self):
        return services.LIFECYCLE[self.name][0]

    @property
    def target(self):
        return services.LIFECYCLE[self.name][1]


ACTIONS = {
    a.name: a
    for a in [
        LifecycleAction("list", gettext_lazy("納入列管"), services.list_project),
        LifecycleAction("suspend", gettext_lazy("暫緩列管"), services.suspend_project),
        LifecycleAction("resume", gettext_lazy("恢復列管"), services.resume_project),
        LifecycleAction("delist", gettext_lazy("解除列管"), services.delist_project, danger=True),
    ]
}


def _filing_links(project, reports, today):
    """Months a filer can open now: last month (usually the one due) and this month, unless
    already sent or accepted."""
    this_month = month_start(today)
    states = {r.period: r.state for r in reports}
    links = []
    for period in (add_months(this_month, -1), this_month):
        if period < month_start(project.planned_start):
            continue
        if states.get(period) in {ReportState.SUBMITTED, ReportState.ACCEPTED}:
            continue
        links.append({"period": period, "state": states.get(period)})
    return links


@login_required
def project_detail(request, pk):
    user = request.user
    project = get_visible_or_404(
        Project.objects.select_related("host_agency").prefetch_related(
            "co_agencies",
            "districts",
            "tenders",
            "allocations",
            "milestones",
            Prefetch(
                "baselines",
                queryset=PlanBaseline.objects.prefetch_related("points").order_by("version"),
            ),
        ),
        user,
        pk=pk,
    )
    today = timezone.localdate()
    rules = ControlSettings.get()
    reports = list(
        MonthlyReport.objects.visible_to(user)
        .filter(project=project)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-period")
    )
    rating = rate_many([project], today=today, rules=rules)[project.pk]
    directive_rows = followup.directive_rows(
        followup.directives_for_project(project, user=user, today=today), today
    )

    applications = list(
        Application.objects.filter(project=project).open().select_related("submitted_by")
    )
    pending = [a for a in applications if a.is_submitted]
    actions, problems, waiting = [], [], ""
    if is_commission(user):
        actions = [a for a in ACTIONS.values() if project.control_status in a.allowed_from]
        if pending:
            # The bureau's application is decided on its own page, not changed past it.
            waiting = services.waiting_refusal(project)
            actions = []
        if project.control_status == ControlStatus.NEW:
            problems = services.listing_problems(project)
    reporting = project.control_status in lifecycle_applications.LISTED_OR_SUSPENDED and may_apply(
        user, project
    )
    by_checkpoint = {a.milestone_id: a for a in applications if a.milestone_id}
    checkpoint_rows = [(m, by_checkpoint.get(m.pk)) for m in project.milestones.all()]
    can_file = (
        project.is_listed and Project.objects.editable_by(user).filter(pk=project.pk).exists()
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "rules": rules,
            "assessment": rating.assessment,
            "rating": rating,
            "directive_rows": directive_rows,
            "visits": SiteVisit.objects.filter(project=project).order_by("-date"),
            "chart": build_s_curve(project.baselines.all(), reports),
            "reports": reports,
            "status_history": StatusChange.objects.filter(project=project).select_related("by"),
            "actions": actions,
            "waiting": waiting,
            "listing_problems": problems,
            "open_applications": applications,
            "offered_kinds": lifecycle_applications.offered_kinds(user, project)
            if project.control_status != ControlStatus.NEW
            else [],
            "checkpoint_rows": checkpoint_rows,
            "may_report_checkpoints": reporting,
            "may_draft": registration.drafts_editable_by(user).filter(pk=project.pk).exists(),
            "may_apply": project.control_status == ControlStatus.NEW
            and not pending
            and may_apply(user, project),
            "filing_links": _filing_links(project, reports, today) if can_file else [],
            "today": today,
            "SERIOUSLY_BEHIND": LagStatus.SERIOUSLY_BEHIND,
            "STOPPED": LagStatus.STOPPED,
            "STOPPED_PHASES": [ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED],
        },
    )


@login_required
def project_status(request, pk, action):
    project = get_visible_or_404(Project.objects.select_related("host_agency"), request.user, pk=pk)
    lifecycle = ACTIONS.get(action)
    if lifecycle is None:
        raise Http404
    if not is_commission(request.user):
        raise PermissionDenied
    waiting = services.waiting_refusal(project)
    if waiting:
        # What the bureau sent is decided on the application's page: a status changed past it
        # is refused, whichever way the request came (a stale page, a typed URL).
        return render(
            request,
            "projects/project_status.html",
            {"project": project, "action": lifecycle, "waiting": waiting, "allowed": False},
            status=409 if request.method == "POST" else 200,
        )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.service(project, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已將「{name}」{action}，目前列管狀態為「{status}」。").format(
                    name=project.name, action=lifecycle.label, status=lifecycle.target.label
                ),
            )
            return redirect("projects:detail", pk=project.pk)
    allowed = project.control_status in lifecycle.allowed_from
    return render(
        request,
        "projects/project_status.html",
        {
            "project": project,
            "action": lifecycle,
            "form": form,
            "allowed": allowed,
            "listing_problems": (
                services.listing_problems(project) if allowed and action == "list" else []
            ),
        },
    )


def _add_errors(form, exc: ValidationError):
    """A service's ValidationError on the form: its ``reason`` messages on the field, the rest
    above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)

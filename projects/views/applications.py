"""Application pages (變更申請): a bureau prepares and sends an application about its project,
both sides follow it in the list and on its page, a reviewer approves or returns it; the
commission's list of registered major projects not listed yet. Thin: the flow is
``projects.applications``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import applications, registration
from projects.charts import build_s_curve
from projects.choices import ApplicationState
from projects.filters import ApplicationFilter
from projects.forms.applications import ApplicationForm, DecisionForm
from projects.models import Application, ControlSettings, PlanBaseline, Project
from tainan_rdec.choices import Role
from tainan_rdec.scoping import get_visible_or_404, is_commission, role_required

PAGE_SIZE = 50


def _errors(form, exc: ValidationError) -> None:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in by_field.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def application_start(request, pk, kind):
    """Prepare (staff and managers) and send (managers) an application of ``kind``."""
    if kind not in applications.KINDS:
        raise Http404
    user = request.user
    project = get_visible_or_404(Project.objects.select_related("host_agency"), user, pk=pk)
    if not applications.may_apply(user, project):
        raise PermissionDenied
    existing = applications.open_application(project, kind)
    form = ApplicationForm(
        request.POST or None, initial={"reason": existing.reason if existing else ""}
    )
    may_send = applications.may_send(user)
    if request.method == "POST" and form.is_valid():
        sending = request.POST.get("action") == ApplicationForm.SUBMIT
        if sending and not may_send:
            raise PermissionDenied(_("須由局處主管送出申請。"))
        verb = applications.submit_application if sending else applications.save_application
        try:
            application = verb(project, kind, reason=form.cleaned_data["reason"], by=user)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            if sending:
                messages.success(
                    request,
                    _("「{name}」的{kind}已送出研考會審查。").format(
                        name=project.name, kind=application.get_kind_display()
                    ),
                )
                return redirect("projects:application_detail", pk=application.pk)
            messages.success(request, _("申請已儲存，尚未送出。"))
            return redirect(request.path)
    kind_rules = applications.KINDS[kind]
    return render(
        request,
        "projects/application_form.html",
        {
            "project": project,
            "kind": kind_rules,
            "form": form,
            "existing": existing,
            "may_send": may_send,
            "refusal": applications.refusal(project, kind),
            "problems": kind_rules.problems(project),
        },
    )


@login_required
def application_list(request):
    """The commission: every agency's applications, those waiting for a decision first; a
    bureau: its own agency's."""
    user = request.user
    visible = Application.objects.visible_to(user).select_related(
        "project__host_agency", "submitted_by", "decided_by"
    )
    data = request.GET.copy()
    if is_commission(user) and "state" not in data:
        data["state"] = ApplicationState.SUBMITTED  # the reviewer's work
    filterset = ApplicationFilter(data, queryset=visible)
    if not is_commission(user):
        del filterset.filters["agency"]
    rows = filterset.qs.order_by("-submitted_at", "-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/application_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


def _detail_context(application, user, decision_form=None) -> dict:
    project = (
        Project.objects.select_related("host_agency")
        .prefetch_related(
            "co_agencies",
            "districts",
            "tenders",
            "allocations",
            "milestones",
            Prefetch(
                "baselines",
                queryset=PlanBaseline.objects.prefetch_related("points").order_by("version"),
            ),
        )
        .get(pk=application.project_id)
    )
    deciding = applications.may_decide(user) and application.is_submitted
    return {
        "application": application,
        "project": project,
        "steps": application.steps.select_related("by"),
        "chart": build_s_curve(project.baselines.all(), []),
        "problems": (
            applications.kind_of(application).problems(project) if application.is_open else []
        ),
        "decision_form": decision_form or (DecisionForm() if deciding else None),
        "may_change": application.is_open
        and not application.is_submitted
        and applications.may_apply(user, project),
        "may_draft": registration.drafts_editable_by(user).filter(pk=project.pk).exists(),
    }


@login_required
def application_detail(request, pk):
    application = get_visible_or_404(
        Application.objects.select_related("project__host_agency", "submitted_by", "decided_by"),
        request.user,
        pk=pk,
    )
    return render(
        request, "projects/application_detail.html", _detail_context(application, request.user)
    )


@require_POST
@login_required
def application_decide(request, pk):
    """同意 or 退回: the commission's decision. A bureau may not decide (its own) applications."""
    user = request.user
    application = get_visible_or_404(
        Application.objects.select_related("project__host_agency"), user, pk=pk
    )
    if not applications.may_decide(user):
        raise PermissionDenied(_("只有研考會審查人員可以審查申請。"))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            applications.decide_application(
                application, approve=form.approves, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("已{decision}「{name}」的{kind}，並通知申請人。").format(
                    decision=application.get_state_display(),
                    name=application.project.name,
                    kind=application.get_kind_display(),
                ),
            )
            return redirect("projects:application_detail", pk=application.pk)
    return render(
        request,
        "projects/application_detail.html",
        _detail_context(application, user, decision_form=form),
    )


@role_required(Role.REVIEWER, Role.ADMIN)
def unlisted_major(request):
    """Registered 重大建設 at or above the major threshold that are not listed yet, largest
    budget first, with the state of their listing application."""
    rows = (
        applications.unlisted_major_projects()
        .select_related("host_agency")
        .prefetch_related(
            Prefetch(
                "applications",
                queryset=Application.objects.open().order_by("-created_at"),
                to_attr="open_applications",
            )
        )
        .order_by("-total_budget", "control_number")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/unlisted_major.html",
        {"page": page, "threshold": ControlSettings.get().major_threshold},
    )

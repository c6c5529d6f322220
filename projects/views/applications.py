"""Application pages (變更申請): a bureau prepares and sends an application about its project
(with its own fields, a re-plan's curve and checkpoints, attachments), both sides follow it in
the list and on its page, a reviewer approves or returns it; the attachments' downloads; the
commission's list of registered major projects not listed yet. Thin: the flow is
``projects.applications``, the attachments' rules ``projects.attachments``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from projects import applications, attachments, registration
from projects.charts import build_replan_chart, build_s_curve
from projects.choices import ApplicationKind, ApplicationState, MilestoneStatus
from projects.filters import ApplicationFilter
from projects.forms.applications import (
    FORMS,
    DecisionForm,
    ReplanCheckpointFormSet,
    replan_checkpoint_initial,
)
from projects.models import (
    Application,
    ApplicationAttachment,
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    Project,
)
from projects.views.registration import curve_editor
from tainan_rdec.choices import Role
from tainan_rdec.scoping import get_visible_or_404, is_commission, role_required

PAGE_SIZE = 50
CHECKPOINTS = "checkpoints"
# Attachments do not change once uploaded (a new one gets a new URL); "private" keeps them out
# of shared caches.
CACHE_CONTROL = "private, max-age=3600"


def _errors(form, exc: ValidationError, formset=None) -> None:
    """A service's ValidationError next to the fields it names; a re-plan's checkpoints'
    above their table; the rest above the form."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in by_field.items():
        if field == CHECKPOINTS and formset is not None:
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *errors], error_class="nonform"
            )
        else:
            form.add_error(field if field in form.fields else None, errors)


def _checks(project, kind, existing, milestone) -> list[str]:
    """What would stop the application being sent now, for the page to list before it is."""
    probe = existing or Application(project=project, kind=kind, milestone=milestone)
    rules = applications.KINDS[kind]
    problems = applications.problem_list(rules.problems(probe, sending=True))
    if rules.evidence and not (existing and existing.attachments.exists()):
        problems.append(_("請附上達成的佐證資料（照片或文件）。"))
    return problems


@login_required
def application_start(request, pk, kind, checkpoint_pk=None):
    """Prepare (staff and managers) and send (managers) an application of ``kind``; a
    checkpoint's (檢核點達成) is reached from the checkpoint's row."""
    if kind not in applications.KINDS or (kind == ApplicationKind.CHECKPOINT) != (
        checkpoint_pk is not None
    ):
        raise Http404
    user = request.user
    project = get_visible_or_404(Project.objects.select_related("host_agency"), user, pk=pk)
    milestone = (
        get_object_or_404(Milestone, project=project, pk=checkpoint_pk) if checkpoint_pk else None
    )
    if not applications.may_apply(user, project):
        raise PermissionDenied
    existing = applications.open_application(project, kind, milestone=milestone)
    form_class = FORMS[kind]
    form = form_class(
        request.POST or None,
        request.FILES or None,
        initial=form_class.initial_from(existing),
        project=project,
    )
    formset = None
    if kind == ApplicationKind.REPLAN:
        formset = ReplanCheckpointFormSet(
            request.POST or None,
            prefix=CHECKPOINTS,
            initial=replan_checkpoint_initial(project, existing),
        )
    may_send = applications.may_send(user)
    if request.method == "POST":
        form_ok = form.is_valid()  # both checked, so every message shows at once
        if (formset is None or formset.is_valid()) and form_ok:
            sending = request.POST.get("action") == form_class.SUBMIT
            if sending and not may_send:
                raise PermissionDenied(_("須由局處主管送出申請。"))
            verb = applications.submit_application if sending else applications.save_application
            try:
                application = verb(
                    project,
                    kind,
                    reason=form.cleaned_data["reason"],
                    by=user,
                    milestone=milestone,
                    details=form.details(),
                    checkpoints=formset.rows() if formset is not None else None,
                    attachment=form.cleaned_data.get("attachment"),
                )
            except ValidationError as exc:
                _errors(form, exc, formset)
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
            "formset": formset,
            "existing": existing,
            "milestone": milestone,
            "today": timezone.localdate(),
            "may_send": may_send,
            "refusal": applications.refusal(project, kind),
            "problems": _checks(project, kind, existing, milestone),
            "attachments": list(existing.attachments.all()) if existing else [],
            "reached": (
                project.milestones.exclude(status=MilestoneStatus.SCHEDULED)
                if kind == ApplicationKind.REPLAN
                else []
            ),
            "proposed": (
                applications.proposed_rows(existing)
                if existing and kind == ApplicationKind.REPLAN
                else []
            ),
        },
    )


@login_required
def application_plan(request, pk):
    """A re-plan's new S-curve, in the S-curve editor: the months of the new planned period,
    the curve in force drawn dashed beside it."""
    application = get_visible_or_404(
        Application.objects.select_related("project__host_agency"), request.user, pk=pk
    )
    if application.kind != ApplicationKind.REPLAN:
        raise Http404
    if not applications.may_change(application, request.user):
        raise PermissionDenied(_("申請已送出或已審查，不能修改。"))
    project = application.project
    current = project.current_baseline()
    previous = []
    if current is not None:
        previous = [
            (
                _("預定進度第{version}版（目前採用）").format(version=current.version),
                list(current.points.values_list("month", "planned_percent")),
            )
        ]
    back = reverse("projects:application_start", args=[project.pk, application.kind])
    return curve_editor(
        request,
        project=project,
        plan_project=applications.proposed_project(application),
        stored=applications.starting_rows(application),
        save=lambda rows: applications.save_proposed_plan(application, rows, by=request.user),
        done=back,
        previous=previous,
        context={"application": application, "back": back},
    )


@login_required
def application_list(request):
    """The commission: every agency's applications, those waiting for a decision first; a
    bureau: its own agency's (and transfers to it)."""
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


def start_url(application) -> str:
    """The page where the bureau changes and sends ``application``."""
    if application.kind == ApplicationKind.CHECKPOINT:
        return reverse(
            "projects:checkpoint_done", args=[application.project_id, application.milestone_id]
        )
    return reverse("projects:application_start", args=[application.project_id, application.kind])


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
    application.project = project
    rules = applications.kind_of(application)
    deciding = applications.may_decide(user) and application.is_submitted
    replan = application.kind == ApplicationKind.REPLAN
    if replan:
        reports = MonthlyReport.objects.filter(project=project).only(
            "period", "actual_percent", "state"
        )
        chart = build_replan_chart(
            project.baselines.all(), applications.proposed_rows(application), reports
        )
    else:
        chart = build_s_curve(project.baselines.all(), [])
    problems = []
    if application.is_open:
        problems = applications.problem_list(rules.problems(application, sending=True))
    return {
        "application": application,
        "project": project,
        "kind": rules,
        "steps": application.steps.select_related("by"),
        "chart": chart,
        "problems": problems,
        "attachments": list(application.attachments.all()),
        "proposed_checkpoints": (
            list(application.proposed_checkpoints.select_related("milestone")) if replan else []
        ),
        "decision_form": decision_form or (DecisionForm() if deciding else None),
        "may_change": applications.may_change(application, user),
        "start_url": start_url(application),
        "may_draft": registration.drafts_editable_by(user).filter(pk=project.pk).exists(),
    }


def _visible_application(user, pk):
    return get_visible_or_404(
        Application.objects.select_related(
            "project__host_agency",
            "submitted_by",
            "decided_by",
            "from_agency",
            "to_agency",
            "milestone",
            "final_report",
        ),
        user,
        pk=pk,
    )


@login_required
def application_detail(request, pk):
    application = _visible_application(request.user, pk)
    return render(
        request, "projects/application_detail.html", _detail_context(application, request.user)
    )


@require_POST
@login_required
def application_decide(request, pk):
    """同意 or 退回: the commission's decision. A bureau may not decide (its own) applications."""
    user = request.user
    application = _visible_application(user, pk)
    if not applications.may_decide(user):
        raise PermissionDenied(_("只有研考會審查人員可以審查申請。"))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            applications.decide_application(
                application, approve=form.approves, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, errors in by_field.items():
                # The kind's fields are not on the decision form: their messages go on top.
                if field in form.fields and field != NON_FIELD_ERRORS:
                    form.add_error(field, errors)
                else:
                    form.add_error(None, errors)
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


# -- attachments ----------------------------------------------------------------------------------


@require_safe
@login_required
def attachment_file(request, pk):
    """An attachment, to whoever sees its application (outsiders: 404), always as a download
    and with the type found when it was checked: never shown in the portal's own origin."""
    attachment = get_visible_or_404(ApplicationAttachment, request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    found = attachments.stored_type(handle)
    expected = "zip" if attachment.content_type in (attachments.XLSX, attachments.DOCX) else None
    if found is None or found != (expected or attachment.content_type):
        # Everything stored went through attachments.clean_attachment; anything else is not.
        handle.close()
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_POST
@login_required
def attachment_delete(request, pk):
    """Take an attachment off an application the bureau still holds (a draft or returned)."""
    attachment = get_visible_or_404(
        ApplicationAttachment.objects.select_related("application__project"), request.user, pk=pk
    )
    application = attachment.application
    if not applications.may_change(application, request.user):
        raise PermissionDenied(_("申請已送出或已審查，不能修改附件。"))
    attachments.remove(attachment)
    messages.success(request, _("已刪除附件「{name}」。").format(name=attachment.name))
    return redirect(start_url(application))


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

"""新增案件 pages: register a project, edit its basic data, its checkpoints and its planned
S-curve while it is a draft. Thin: the rules are ``projects.registration`` and
``projects.plans``; a view parses the input, calls them and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import plans, registration
from projects.charts import build_plan_preview
from projects.forms.plans import PlanForm, parse_pasted, read_sheet
from projects.forms.registration import (
    AllocationFormSet,
    CheckpointForm,
    ProjectForm,
    allocation_initial,
)
from projects.models import ControlSettings, Milestone, Project
from tainan_rdec.scoping import get_visible_or_404

ALLOCATIONS = "allocations"


def _draft(request, pk) -> Project:
    """The project if the user may draft it: 404 for those who cannot see it, 403 (with the
    reason) for those who see it but may not change it now."""
    project = get_visible_or_404(Project.objects.select_related("host_agency"), request.user, pk=pk)
    registration.check_draft(project, request.user)
    return project


def _service_errors(exc: ValidationError, form, formset=None) -> None:
    """A service's ValidationError next to the fields it names; the allocations' on their
    table; the rest above the form."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in by_field.items():
        if field == ALLOCATIONS and formset is not None:
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *errors], error_class="nonform"
            )
        else:
            form.add_error(field if field in form.fields else None, errors)


def _both_valid(form, formset) -> bool:
    form_ok = form.is_valid()  # both are checked, so every field's message shows at once
    return formset.is_valid() and form_ok


@login_required
def project_create(request):
    user = request.user
    if not registration.may_register(user):
        raise PermissionDenied
    threshold = ControlSettings.get().major_threshold
    form = ProjectForm(request.POST or None, user=user, threshold=threshold)
    allocations = AllocationFormSet(request.POST or None, prefix=ALLOCATIONS)
    if request.method == "POST" and _both_valid(form, allocations):
        try:
            project = registration.register_project(
                form.save(commit=False), by=user, allocations=allocations.rows(), **form.related()
            )
        except ValidationError as exc:
            _service_errors(exc, form, allocations)
        else:
            messages.success(
                request,
                _(
                    "已新增案件「{name}」（列管編號 {number}），目前為草稿；"
                    "請接著設定檢核點及預定進度，再申請列管。"
                ).format(name=project.name, number=project.control_number),
            )
            return redirect("projects:checkpoints", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "allocations": allocations, "project": None},
    )


@login_required
def project_edit(request, pk):
    user = request.user
    project = _draft(request, pk)
    threshold = ControlSettings.get().major_threshold
    form = ProjectForm(request.POST or None, instance=project, user=user, threshold=threshold)
    allocations = AllocationFormSet(
        request.POST or None, prefix=ALLOCATIONS, initial=allocation_initial(project)
    )
    if request.method == "POST" and _both_valid(form, allocations):
        try:
            registration.update_draft(
                form.save(commit=False), by=user, allocations=allocations.rows(), **form.related()
            )
        except ValidationError as exc:
            _service_errors(exc, form, allocations)
        else:
            messages.success(request, _("基本資料已儲存。"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "allocations": allocations, "project": project},
    )


# -- checkpoints ------------------------------------------------------------------------------


def _checkpoint_page(request, project, form, editing=None):
    return render(
        request,
        "projects/checkpoints.html",
        {
            "project": project,
            "checkpoints": list(Milestone.objects.filter(project=project)),
            "form": form,
            "editing": editing,
            "period": registration.period_label(project),
        },
    )


@login_required
def checkpoint_list(request, pk):
    """The draft's checkpoints, and the form to add one."""
    project = _draft(request, pk)
    form = CheckpointForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checkpoint = registration.add_checkpoint(
                project,
                name=data["name"],
                planned_date=data["planned_date"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            _service_errors(exc, form)
        else:
            messages.success(request, _("已新增檢核點「{name}」。").format(name=checkpoint.name))
            return redirect("projects:checkpoints", pk=project.pk)
    return _checkpoint_page(request, project, form)


def _checkpoint(request, pk, checkpoint_pk):
    project = _draft(request, pk)
    return project, get_object_or_404(Milestone, project=project, pk=checkpoint_pk)


@login_required
def checkpoint_edit(request, pk, checkpoint_pk):
    project, checkpoint = _checkpoint(request, pk, checkpoint_pk)
    form = CheckpointForm(request.POST or None, instance=checkpoint, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration.change_checkpoint(
                checkpoint,
                name=data["name"],
                planned_date=data["planned_date"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            _service_errors(exc, form)
        else:
            messages.success(request, _("已修改檢核點「{name}」。").format(name=checkpoint.name))
            return redirect("projects:checkpoints", pk=project.pk)
    return _checkpoint_page(request, project, form, editing=checkpoint)


@require_POST
@login_required
def checkpoint_delete(request, pk, checkpoint_pk):
    project, checkpoint = _checkpoint(request, pk, checkpoint_pk)
    registration.delete_checkpoint(checkpoint, by=request.user)
    messages.success(request, _("已刪除檢核點「{name}」。").format(name=checkpoint.name))
    return redirect("projects:checkpoints", pk=project.pk)


@require_POST
@login_required
def checkpoint_move(request, pk, checkpoint_pk):
    project, checkpoint = _checkpoint(request, pk, checkpoint_pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("請選擇上移或下移。"))
    registration.move_checkpoint(checkpoint, up=direction == "up", by=request.user)
    return redirect("projects:checkpoints", pk=project.pk)


# -- the planned S-curve ----------------------------------------------------------------------

SAVE, PREVIEW, LINE, S_SHAPE, PASTE, UPLOAD = (
    "save",
    "preview",
    "line",
    "s_shape",
    "paste",
    "upload",
)


def _filled(action, form, project):
    """The curve a fill button gives, and the problems with the pasted text or the file."""
    months = plans.project_months(project)
    budget = project.total_budget or 0
    if action == LINE:
        return plans.straight_line(months, budget), []
    if action == S_SHAPE:
        return plans.s_shape(months, budget), []
    if action == PASTE:
        return parse_pasted(form.data.get("paste", ""), project)
    upload = form.files.get("sheet")
    if upload is None:
        return [], [_("請選擇要上傳的預定進度範本檔案。")]
    return read_sheet(upload, project)


@login_required
def plan_edit(request, pk):
    """The draft's S-curve editor: saving checks the project's rules and makes it the draft's
    curve."""
    project = _draft(request, pk)
    current = project.current_baseline()
    stored = (
        list(current.points.values_list("month", "planned_percent", "planned_allocation"))
        if current
        else []
    )
    return curve_editor(
        request,
        project=project,
        stored=stored,
        save=lambda rows: registration.save_draft_plan(project, rows, by=request.user),
        done=reverse("projects:detail", args=[project.pk]),
    )


def curve_editor(
    request, *, project, stored, save, done, plan_project=None, previous=(), context=None
):
    """The S-curve editor, for a draft's curve and for a re-plan's: a row per month of
    ``plan_project``'s planned period (``project``'s when not given). The fill buttons, the
    paste box and the upload fill the grid on the server (the page's script does the first
    three in the browser), the preview draws the curve as typed (beside ``previous``, the
    curve in force), and saving calls ``save(rows)`` and goes to ``done``.

    ``stored``: the curve saved so far, as ``(month, percent, allocation)`` rows."""
    plan_project = plan_project or project
    action = request.POST.get("action", PREVIEW) if request.method == "POST" else None
    if action is None:
        form = PlanForm(initial=PlanForm.initial_for(stored), project=plan_project)
        shown = stored
    elif action in (LINE, S_SHAPE, PASTE, UPLOAD):
        form = PlanForm(request.POST, request.FILES, project=plan_project)
        rows, problems = _filled(action, form, plan_project)
        if problems:
            # The fill forms carry no grid: show the saved curve beside the message.
            data = request.POST.copy()
            for name, value in PlanForm.initial_for(stored).items():
                data[name] = str(value)
            form = PlanForm(data, request.FILES, project=plan_project)
            form.is_valid()
            form.add_error("sheet" if action == UPLOAD else "paste", problems)
            shown = stored
        else:
            form = PlanForm(initial=PlanForm.initial_for(rows), project=plan_project)
            shown = rows
            messages.info(request, _("已帶入各月數字，請檢查後按「儲存預定進度」。"))
    else:
        form = PlanForm(request.POST, request.FILES, project=plan_project)
        if form.is_valid():
            form.check_plan()
        if action == SAVE and not form.errors:
            try:
                save(form.rows())
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("預定進度已儲存。"))
                return redirect(done)
        shown = form.typed_rows()
    return render(
        request,
        "projects/plan_form.html",
        {
            "project": project,
            "form": form,
            "chart": build_plan_preview(form.months, shown, previous=previous),
            "period": plans.period_text(plan_project),
            **(context or {}),
        },
    )

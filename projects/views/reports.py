"""Monthly report pages: the filing form, a report's detail with its history, submitting, and
the reviewers' queue. Thin: every rule is in ``projects.services``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import applications, pcc, services
from projects.choices import MilestoneStatus, ReportState
from projects.forms import MonthlyReportForm, ReviewForm
from projects.lag import is_behind, lag_status
from projects.models import ControlSettings, Milestone, MonthlyReport, Project
from tainan_rdec.choices import Role
from tainan_rdec.months import add_months
from tainan_rdec.roc import format_roc_month
from tainan_rdec.scoping import get_visible_or_404, is_commission, role_required

SAVE = "save"
SUBMIT = "submit"
QUEUE_PAGE_SIZE = 50

# Fields whose changes the detail page lists for each saved version.
HISTORY_FIELDS = [
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
    "state",
    "reviewer_comment",
]


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest on top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _is_behind(report: MonthlyReport, rules: ControlSettings) -> bool:
    return report.project.is_stopped or is_behind(
        report.actual_percent, report.planned_percent, rules
    )


@login_required
def report_edit(request, pk, year, month):
    user = request.user
    project = get_object_or_404(
        Project.objects.visible_to(user).select_related("host_agency"), pk=pk
    )
    try:
        period = date(year, month, 1)
    except ValueError:
        raise Http404 from None

    existing = MonthlyReport.objects.filter(project=project, period=period).first()
    if existing is not None and not (
        MonthlyReport.objects.editable_by(user).filter(pk=existing.pk).exists()
    ):
        return redirect("projects:report_detail", pk=existing.pk)
    try:
        report = existing or services.start_report(project, period, by=user)
    except ValidationError as exc:
        context = {"project": project, "period": period, "refusal": exc.messages}
        return render(request, "projects/report_form.html", context, status=400)
    report.project = project

    rules = ControlSettings.get()
    may_submit = services.can_submit(user)
    if request.method == "POST":
        action = request.POST.get("action", SAVE)
        if action == SUBMIT and not may_submit:
            raise PermissionDenied(_("須由局處主管送出填報。"))
        form = MonthlyReportForm(request.POST, instance=report)
        if form.is_valid():
            report = form.save(commit=False)
            try:
                services.save_report(report, by=user)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                if action != SUBMIT:
                    messages.success(request, _("草稿已儲存。"))
                    return redirect(request.path)
                try:
                    services.submit_report(report, by=user)
                except ValidationError as exc:
                    _add_service_errors(form, exc)
                    messages.warning(request, _("草稿已儲存，但尚未送出：請修正下列欄位後再送出。"))
                else:
                    messages.success(
                        request,
                        _("{month}填報已送出研考會審核。").format(
                            month=format_roc_month(report.period)
                        ),
                    )
                    return redirect("projects:report_detail", pk=report.pk)
    else:
        form = MonthlyReportForm(instance=report)

    behind = _is_behind(report, rules)
    # Recomputed from the figures on the page at every render, so the note follows the typing.
    form.mark_required_to_submit(
        ["progress_text", "lag_reasons", "remedies"] if behind else ["progress_text"]
    )
    context = {
        "project": project,
        "period": period,
        "report": report,
        "form": form,
        "due_checkpoints": _due_checkpoints(project, period, user),
        "deadline": rules.filing_deadline(period),
        "previous": services.previous_report(report),
        "pcc_figures": pcc.figures_for(report),
        "behind": behind,
        "returned": report.state == ReportState.RETURNED,
        "may_submit": may_submit,
        "save_action": SAVE,
        "submit_action": SUBMIT,
    }
    return render(request, "projects/report_form.html", context)


def _due_checkpoints(project: Project, period: date, user) -> list[Milestone]:
    """The checkpoints due by the end of the month being filed and not reported done yet: the
    filing form offers to report each (申報檢核點達成) beside the month's figures."""
    if not applications.may_apply(user, project):
        return []
    return list(
        Milestone.objects.filter(
            project=project,
            status=MilestoneStatus.SCHEDULED,
            planned_date__lt=add_months(period, 1),
        )
    )


def _history(report: MonthlyReport) -> list[dict]:
    """Each saved version, newest first, with the fields that changed from the one before."""
    records = list(
        report.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    labels = {name: MonthlyReport._meta.get_field(name).verbose_name for name in HISTORY_FIELDS}
    versions = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changed = []
        if older is not None:
            delta = record.diff_against(older, included_fields=HISTORY_FIELDS)
            changed = [labels[change.field] for change in delta.changes]
        versions.append({"record": record, "changed": changed, "is_first": older is None})
    return versions


def _narrative(report: MonthlyReport) -> list[tuple[str, str]]:
    """(label, text) of the narrative boxes; 進度下修說明 only when one was written."""
    names = ["progress_text", "lag_reasons", "remedies", "help_needed"]
    if report.decrease_explanation:
        names.append("decrease_explanation")
    return [
        (MonthlyReport._meta.get_field(name).verbose_name, getattr(report, name)) for name in names
    ]


def _detail_context(request, report: MonthlyReport, *, review_form=None, **extra) -> dict:
    user = request.user
    rules = ControlSettings.get()
    editable = MonthlyReport.objects.editable_by(user).filter(pk=report.pk).exists()
    lag = lag_status(
        report.actual_percent,
        report.planned_percent,
        stopped=report.project.is_stopped,
        rules=rules,
    )
    return {
        "report": report,
        "project": report.project,
        "lag": lag,
        "deadline": rules.filing_deadline(report.period),
        "status_history": report.transitions.select_related("by"),
        "versions": _history(report),
        "narrative": _narrative(report),
        "editable": editable,
        "returned": report.state == ReportState.RETURNED,
        "may_submit": editable and services.can_submit(user),
        "may_review": is_commission(user) and report.state == ReportState.SUBMITTED,
        "review_form": review_form or ReviewForm(),
        "pcc_figures": pcc.figures_for(report),
        **extra,
    }


def _visible_report(request, pk) -> MonthlyReport:
    queryset = MonthlyReport.objects.select_related(
        "project__host_agency", "submitted_by", "reviewed_by"
    )
    return get_visible_or_404(queryset, request.user, pk=pk)


@login_required
def report_detail(request, pk):
    report = _visible_report(request, pk)
    return render(request, "projects/report_detail.html", _detail_context(request, report))


@require_POST
@login_required
def report_submit(request, pk):
    report = _visible_report(request, pk)
    try:
        services.submit_report(report, by=request.user)
    except ValidationError as exc:
        context = _detail_context(request, report, submit_errors=exc.messages)
        return render(request, "projects/report_detail.html", context, status=400)
    messages.success(
        request,
        _("{month}填報已送出研考會審核。").format(month=format_roc_month(report.period)),
    )
    return redirect("projects:report_detail", pk=report.pk)


@require_POST
@login_required
def report_review(request, pk):
    report = _visible_report(request, pk)
    if not is_commission(request.user):
        raise PermissionDenied(_("只有研考會審查人員可以審核填報。"))
    form = ReviewForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if form.cleaned_data["action"] == ReviewForm.ACCEPT:
                services.accept_report(report, by=request.user, comment=comment)
                done = _("{month}填報已審核通過。")
            else:
                services.return_report(report, by=request.user, comment=comment)
                done = _("{month}填報已退回機關修正。")
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, done.format(month=format_roc_month(report.period)))
            return redirect("projects:report_detail", pk=report.pk)
    context = _detail_context(request, report, review_form=form)
    return render(request, "projects/report_detail.html", context, status=400)


@role_required(Role.REVIEWER, Role.ADMIN)
def review_queue(request):
    reports = (
        MonthlyReport.objects.visible_to(request.user)
        .filter(state=ReportState.SUBMITTED)
        .select_related("project__host_agency")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/review_queue.html", {"page": page})

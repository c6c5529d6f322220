"""Improvement items (改善事項), whatever raised them (an audit, or the petitions-timeliness
follow-through): the list, and one item's page where the agency files its plan or reports back
and the reviewer reviews. Thin: the rules are in ``evaluations.services`` and
``evaluations.timeliness``.

Who: the commission sees every item and reviews; a bureau user sees their own agency's items
(another agency's are 404) and their staff and managers do the agency's steps (others: 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import services, timeliness
from evaluations.choices import ImprovementStatus
from evaluations.filters import ImprovementFilter
from evaluations.forms import PlanForm, PlanReviewForm, ReportForm, ReviewForm, add_service_errors
from evaluations.models import ImprovementItem
from evaluations.views.common import list_context
from tainan_rdec.scoping import get_visible_or_404, is_commission

PLAN = "plan"
PLAN_REVIEW = "plan_review"
REPORT = "report"
REVIEW = "review"


@login_required
def improvement_list(request):
    user = request.user
    today = timezone.localdate()
    items = ImprovementItem.objects.visible_to(user).select_related("agency", "audit")
    filterset = ImprovementFilter(
        request.GET or None, queryset=items.order_by("status", "due_date", "pk"), user=user
    )
    context = list_context(request, filterset)
    for item in context["page"]:
        item.overdue = item.is_overdue(today)
    counts = {
        "open": items.awaiting_report().count(),
        "overdue": items.overdue(today).count(),
        "reported": items.awaiting_review().count(),
    }
    return render(
        request,
        "evaluations/improvement_list.html",
        {**context, "counts": counts},
    )


def _forms_for(item, user) -> dict:
    """The form of each step the user may take now (none when it is not their turn)."""
    agency_turn = services.may_report(item, user)
    reviewer = is_commission(user)
    status = item.status
    return {
        "plan_form": PlanForm() if status == ImprovementStatus.PLAN_DUE and agency_turn else None,
        "plan_review_form": (
            PlanReviewForm() if status == ImprovementStatus.PLAN_FILED and reviewer else None
        ),
        "report_form": (
            ReportForm(results=item.is_timeliness)
            if status == ImprovementStatus.OPEN and agency_turn
            else None
        ),
        "review_form": (
            ReviewForm(may_verify=not item.is_timeliness)
            if status == ImprovementStatus.REPORTED and reviewer
            else None
        ),
    }


def _page(request, item, status=200, **sent_back):
    history = item.history.select_related("history_user").order_by("-history_date", "-history_id")
    # A form sent back with errors is shown even if the item moved on meanwhile.
    forms = {**_forms_for(item, request.user), **sent_back}
    return render(
        request,
        "evaluations/improvement_detail.html",
        {
            "item": item,
            "audit": item.audit,
            "overdue": item.is_overdue(timezone.localdate()),
            "plan_due": item.status == ImprovementStatus.PLAN_DUE,
            "recovery": timeliness.recovery(item) if item.is_timeliness else None,
            "history": list(history),
            **forms,
        },
        status=status,
    )


def _done(request, item, message):
    messages.success(request, message)
    return redirect("evaluations:improvement_detail", pk=item.pk)


def _require_agency(item, user):
    if not services.may_report(item, user):
        raise PermissionDenied(_("只有被列管的機關可以辦理此改善事項。"))


def _require_reviewer(user):
    if not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以審查改善事項。"))


def _file_plan(request, item):
    _require_agency(item, request.user)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.file_plan(item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, item, _("已提出改善計畫，待研考會審查。"))
    return _page(request, item, status=400, plan_form=form)


def _review_plan(request, item):
    _require_reviewer(request.user)
    form = PlanReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == PlanReviewForm.ACCEPT:
                services.accept_plan(item, by=request.user, note=data["note"])
                message = _("已同意改善計畫，請機關於預定完成日期前回報執行成效。")
            else:
                services.return_plan(
                    item, by=request.user, note=data["note"], due_date=data["due_date"]
                )
                message = _("已退回改善計畫，請機關重新提出。")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, item, message)
    return _page(request, item, status=400, plan_review_form=form)


def _report(request, item):
    _require_agency(item, request.user)
    form = ReportForm(request.POST, results=item.is_timeliness)
    if form.is_valid():
        try:
            services.report_improvement(item, by=request.user, report=form.cleaned_data["report"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if item.is_timeliness:
                return _done(request, item, _("已回報執行成效；逾期率連續達標後即解除列管。"))
            return _done(request, item, _("已送出改善情形，待研考會確認。"))
    return _page(request, item, status=400, report_form=form)


def _review(request, item):
    _require_reviewer(request.user)
    form = ReviewForm(request.POST, may_verify=not item.is_timeliness)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == ReviewForm.VERIFY:
                services.verify_improvement(item, by=request.user, note=data["note"])
                message = _("已確認改善，本事項解除列管。")
            else:
                services.return_improvement(
                    item, by=request.user, note=data["note"], due_date=data["due_date"]
                )
                message = _("已退回補正，請機關重新回復。")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, item, message)
    return _page(request, item, status=400, review_form=form)


ACTIONS = {PLAN: _file_plan, PLAN_REVIEW: _review_plan, REPORT: _report, REVIEW: _review}


@login_required
def improvement_detail(request, pk):
    item = get_visible_or_404(
        ImprovementItem.objects.select_related(
            "agency",
            "audit",
            "reported_by",
            "reviewed_by",
            "raised_by",
            "plan_filed_by",
        ),
        request.user,
        pk=pk,
    )
    if request.method != "POST":
        return _page(request, item)
    action = ACTIONS.get(request.POST.get("action"))
    if action is None:
        return HttpResponseBadRequest()
    return action(request, item)

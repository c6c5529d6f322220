"""Improvement items (稽核改善事項): the list, and one item's page where the audited agency
reports back and the reviewer confirms or returns it. Thin: the rules are in
``evaluations.services``.

Who: the commission sees every item and reviews report-backs; a bureau user sees their own
agency's items (another agency's are 404) and their staff and managers file the report-back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import services
from evaluations.choices import ImprovementStatus
from evaluations.filters import ImprovementFilter
from evaluations.forms import ReportForm, ReviewForm, add_service_errors
from evaluations.models import ImprovementItem
from evaluations.views.common import list_context
from tainan_rdec.scoping import get_visible_or_404, is_commission

REPORT = "report"
REVIEW = "review"


@login_required
def improvement_list(request):
    user = request.user
    today = timezone.localdate()
    items = ImprovementItem.objects.visible_to(user).select_related("audit__agency")
    filterset = ImprovementFilter(
        request.GET or None, queryset=items.order_by("status", "due_date", "pk"), user=user
    )
    context = list_context(request, filterset)
    for item in context["page"]:
        item.overdue = item.is_overdue(today)
    counts = {
        "open": items.awaiting_report().count(),
        "overdue": items.overdue(today).count(),
        "reported": items.filter(status=ImprovementStatus.REPORTED).count(),
    }
    return render(
        request,
        "evaluations/improvement_list.html",
        {**context, "counts": counts},
    )


def _page(request, item, *, report_form=None, review_form=None, status=200):
    user = request.user
    may_report = item.status == ImprovementStatus.OPEN and services.may_report(item, user)
    may_review = item.status == ImprovementStatus.REPORTED and is_commission(user)
    history = item.history.select_related("history_user").order_by("-history_date", "-history_id")
    return render(
        request,
        "evaluations/improvement_detail.html",
        {
            "item": item,
            "audit": item.audit,
            "overdue": item.is_overdue(timezone.localdate()),
            # A form sent back with errors is shown even if the item moved on meanwhile.
            "report_form": report_form or (ReportForm() if may_report else None),
            "review_form": review_form or (ReviewForm() if may_review else None),
            "history": list(history),
        },
        status=status,
    )


@login_required
def improvement_detail(request, pk):
    user = request.user
    item = get_visible_or_404(
        ImprovementItem.objects.select_related(
            "audit__agency", "reported_by", "reviewed_by", "raised_by"
        ),
        user,
        pk=pk,
    )
    if request.method != "POST":
        return _page(request, item)
    action = request.POST.get("action")
    if action == REPORT:
        if not services.may_report(item, user):
            raise PermissionDenied(_("只有受稽核機關可以回復改善情形。"))
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_improvement(item, by=user, report=form.cleaned_data["report"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已送出改善情形，待研考會確認。"))
                return redirect("evaluations:improvement_detail", pk=item.pk)
        return _page(request, item, report_form=form, status=400)
    if action == REVIEW:
        if not is_commission(user):
            raise PermissionDenied(_("只有研考會審查人員可以確認改善情形。"))
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == ReviewForm.VERIFY:
                    services.verify_improvement(item, by=user, note=data["note"])
                    message = _("已確認改善，本事項解除列管。")
                else:
                    services.return_improvement(
                        item, by=user, note=data["note"], due_date=data["due_date"]
                    )
                    message = _("已退回補正，請機關重新回復。")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("evaluations:improvement_detail", pk=item.pk)
        return _page(request, item, review_form=form, status=400)
    return HttpResponseBadRequest()

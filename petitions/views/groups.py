"""Problem group pages (重複陳情歸併): the list of groups, largest open first, with calls and
problems side by side; a group's page with its cases; a reviewer's split (take a case out) and
merge. Thin: parse input, narrow with ``visible_to``, call ``petitions.services``, render.

Who: the agencies read the groups their cases are in, the commission every group; only the
commission's reviewers split and merge (a bureau: 403); a group a user may not see is 404.
Senior officials read the statistics, never the groups (they list cases: personal data)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from petitions import problems
from petitions.forms import GroupFilterForm, PeriodForm
from petitions.models import Case, Event, ProblemGroup
from petitions.services import merge_groups, take_case_out_of_group
from petitions.views.cases import LIST_RELATED, _rows
from tainan_rdec.choices import BUREAU_ROLES, COMMISSION_ROLES
from tainan_rdec.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    is_commission,
    role_required,
)

PAGE_SIZE = 50
# A merge's suggestions: open groups of the category last called within this many days.
NEARBY_DAYS = 30
SUGGESTIONS = 10

GROUP_RELATED = ("category", "handling_agency", "first_case")


def _summary(request, today):
    """Calls and problems by agency, category and event: the city's for the commission, the
    agency's own for a bureau."""
    period_form = PeriodForm(request.GET or None)
    start, end = period_form.period(today)
    user = request.user
    agency_ids = None if is_commission(user) else [user.agency_id]
    by_agency = problems.calls_and_problems_by(
        "agency", start=start, end=end, today=today, agency_ids=agency_ids
    )
    by_category = problems.calls_and_problems_by(
        "category", start=start, end=end, today=today, agency_ids=agency_ids
    )
    by_event = problems.event_rows(
        Event.objects.filter(start_date__lte=end, end_date__gte=start).prefetch_related(
            "districts"
        ),
        Case.objects.visible_to(user),
    )
    return {
        "period_form": period_form,
        "start": start,
        "end": end,
        "by_agency": by_agency,
        "by_category": by_category,
        "by_event": by_event,
        "total": problems.total_of(by_category, _("合計")),
    }


@role_required(*BUREAU_ROLES, *COMMISSION_ROLES)
def group_list(request):
    user = request.user
    form = GroupFilterForm(request.GET or None, user=user)
    groups = form.filter(ProblemGroup.objects.visible_to(user).select_related(*GROUP_RELATED))
    event = form.chosen_event()
    if event is not None:
        groups = problems.in_event(groups, event)
    groups = (
        problems.largest_open(groups)
        if form.open_only()
        else groups.order_by("-case_count", "-last_received_at", "-pk")
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return render(
        request,
        "petitions/group_list.html",
        {"form": form, "page": page, "query": query.urlencode(), **_summary(request, today)},
    )


def _suggestions(group: ProblemGroup, user):
    """Groups a reviewer may want to merge with this one: open, same category, called within
    ``NEARBY_DAYS`` days of it, the most calls first."""
    window = timedelta(days=NEARBY_DAYS)
    return (
        problems.largest_open(ProblemGroup.objects.visible_to(user))
        .filter(
            category=group.category_id,
            last_received_at__gte=group.first_received_at - window,
            first_received_at__lte=group.last_received_at + window,
        )
        .exclude(pk=group.pk)
        .select_related(*GROUP_RELATED)[:SUGGESTIONS]
    )


@login_required
def group_detail(request, pk):
    user = request.user
    group = get_visible_or_404(ProblemGroup.objects.select_related(*GROUP_RELATED), user, pk=pk)
    may_edit = ProblemGroup.objects.editable_by(user).filter(pk=group.pk).exists()
    cases = problems.group_cases(group).select_related(*LIST_RELATED)
    return render(
        request,
        "petitions/group_detail.html",
        {
            "group": group,
            "rows": _rows(cases, timezone.localdate()),
            "open_cases": problems.open_cases_of(group),
            "may_edit": may_edit,
            "suggestions": _suggestions(group, user) if may_edit else (),
        },
    )


def _refused(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


@require_POST
@login_required
def group_split(request, pk):
    """Take a case out of the group (拆分): the case stays alone on regrouping."""
    user = request.user
    group = get_editable_or_404(ProblemGroup, user, pk=pk)
    case = Case.objects.filter(problem_group=group, case_number=request.POST.get("case")).first()
    if case is None:
        messages.error(request, _("請選擇本群組的案件。"))
        return redirect("petitions:group_detail", pk=group.pk)
    try:
        left = take_case_out_of_group(case, by=user)
    except ValidationError as error:
        _refused(request, error)
        return redirect("petitions:group_detail", pk=group.pk)
    if left is None:
        messages.success(
            request,
            _("案件 {number} 已移出群組；群組只剩一件，已解散。").format(number=case.case_number),
        )
        return redirect("petitions:group_list")
    messages.success(
        request, _("案件 {number} 已移出群組，重新歸併時維持分開。").format(number=case.case_number)
    )
    return redirect("petitions:group_detail", pk=left.pk)


@require_POST
@login_required
def group_merge(request, pk):
    """Merge another group into this one (合併): kept together on regrouping."""
    user = request.user
    group = get_editable_or_404(ProblemGroup, user, pk=pk)
    other = (
        ProblemGroup.objects.visible_to(user).filter(pk=request.POST.get("other") or None).first()
        if (request.POST.get("other") or "").isdigit()
        else None
    )
    if other is None:
        messages.error(request, _("請輸入要合併的問題群組編號。"))
        return redirect("petitions:group_detail", pk=group.pk)
    try:
        merged = merge_groups(group, other, by=user)
    except ValidationError as error:
        _refused(request, error)
        return redirect("petitions:group_detail", pk=group.pk)
    messages.success(
        request,
        _("已將群組 {other} 併入本群組，共 {n} 件；重新歸併時維持合併。").format(
            other=other.pk, n=merged.case_count
        ),
    )
    return redirect(reverse("petitions:group_detail", args=[merged.pk]))

"""Government Service Award coaching pages: a year's funnel and entries, entering an agency,
and one entry with its stage history. Thin: the rules are in ``evaluations.coaching``.

Who: the commission enters and moves entries; a bureau user sees the city-wide funnel (counts
the briefing publishes) and only their own agency's entries (another agency's are 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import coaching
from evaluations import tables as evaluation_tables
from evaluations.charts import funnel_chart
from evaluations.forms import AdvanceForm, CoachingForm, add_service_errors
from evaluations.models import AwardCoaching
from evaluations.views.common import reviewers_only, roc, this_year
from tainan_rdec import tables
from tainan_rdec.scoping import get_visible_or_404, is_commission


@login_required
def coaching_index(request):
    latest = AwardCoaching.objects.order_by("-year").values_list("year", flat=True).first()
    return redirect("evaluations:coaching_year", year=latest or this_year())


@login_required
def coaching_year(request, year):
    user = request.user
    entries = list(
        AwardCoaching.objects.visible_to(user)
        .filter(year=year)
        .select_related("agency")
        .order_by("-reached_level", "agency__sort_order", "title")
    )
    chart = funnel_chart(coaching.funnel(year))
    table = evaluation_tables.funnel_table(chart, roc_year=roc(year))
    response = tables.download(request, table)
    if response is not None:
        return response
    years = list(AwardCoaching.objects.order_by("-year").values_list("year", flat=True).distinct())
    return render(
        request,
        "evaluations/coaching_year.html",
        {
            "year": year,
            "roc_year": roc(year),
            "chart": chart,
            "funnel_table": table,
            "entries": entries,
            "years": [{"year": y, "roc": roc(y)} for y in years],
            "may_manage": is_commission(user),
        },
    )


@reviewers_only
def coaching_create(request):
    initial = {"year": this_year(), "on_date": timezone.localdate()}
    form = CoachingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = coaching.create_coaching(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登錄輔導機關。"))
                return redirect("evaluations:coaching_detail", pk=entry.pk)
        status = 400
    return render(request, "evaluations/coaching_form.html", {"form": form}, status=status)


@login_required
def coaching_detail(request, pk):
    user = request.user
    entry = get_visible_or_404(AwardCoaching.objects.select_related("agency"), user, pk=pk)
    stages = coaching.next_stages(entry)
    form = None
    status = 200
    if is_commission(user) and stages:
        form = AdvanceForm(
            request.POST or None, stages=stages, initial={"on_date": timezone.localdate()}
        )
    if request.method == "POST":
        if not is_commission(user):
            raise PermissionDenied(_("只有研考會審查人員可以變更輔導階段。"))
        if form is None:
            messages.error(request, _("此參獎方案已結束，不能再變更階段。"))
            return redirect("evaluations:coaching_detail", pk=entry.pk)
        if form.is_valid():
            try:
                coaching.advance_coaching(entry, by=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已更新輔導階段。"))
                return redirect("evaluations:coaching_detail", pk=entry.pk)
        status = 400
    return render(
        request,
        "evaluations/coaching_detail.html",
        {
            "entry": entry,
            "changes": list(entry.changes.select_related("by").order_by("on_date", "pk")),
            "form": form,
            "roc_year": entry.roc_year,
        },
        status=status,
    )

"""The awards summary (獎項統計) and its xlsx export. The summary is the city-wide published
figure: every signed-in user reads it; its 獎項明細 sheet lists only the rows the user may see.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from awards import charts, stats
from awards.choices import AwardState
from awards.forms import SummaryRangeForm
from awards.models import Award, current_roc_year
from awards.workbook import build_summary_workbook
from tainan_rdec.scoping import is_commission

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _summary_range(request) -> tuple[SummaryRangeForm, int, int]:
    first, last = stats.default_range(current_roc_year())
    form = SummaryRangeForm(request.GET or None, initial={"start_year": first, "end_year": last})
    if form.is_bound and form.is_valid():
        first, last = form.cleaned_data["start_year"], form.cleaned_data["end_year"]
    return form, first, last


def _list_url(**params) -> str:
    return reverse("awards:index") + "?" + urlencode(params)


def _add_drilldown(result: stats.AwardSummary, user) -> None:
    """Links from the summary's figures to the confirmed awards behind them. The commission
    sees every award; a bureau user only its own agency's, so only that row links."""
    base = {"state": AwardState.CONFIRMED, "year_from": result.first, "year_to": result.last}
    commission = is_commission(user)
    for row in result.classes:
        row.url = _list_url(**base, award_class=row.award_class) if commission else ""
    for row in result.by_year:
        row.url = (
            _list_url(state=AwardState.CONFIRMED, year_from=row.key, year_to=row.key)
            if commission
            else ""
        )
    for row in result.by_agency:
        if commission:
            row.url = _list_url(**base, agency=row.key)
        elif row.key == user.agency_id:
            row.url = _list_url(**base)  # a bureau's list holds only its own awards


@require_safe
@login_required
def summary(request):
    form, first, last = _summary_range(request)
    result = stats.build_summary(first, last)
    _add_drilldown(result, request.user)
    return render(
        request,
        "awards/summary.html",
        {
            "form": form,
            "summary": result,
            "class_chart": charts.class_chart(result),
            "year_chart": charts.year_chart(result),
            "export_query": f"start_year={first}&end_year={last}",
            "commission": is_commission(request.user),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_safe
@login_required
def summary_xlsx(request):
    form, first, last = _summary_range(request)
    if form.is_bound and form.errors:
        return redirect(reverse("awards:summary") + "?" + request.GET.urlencode())
    result = stats.build_summary(first, last)
    details = (
        Award.objects.visible_to(request.user)
        .counted()
        .in_years(first, last)
        .select_related("agency", "project")
        .order_by("roc_year", "agency__sort_order", "agency__code", "award_date", "pk")
    )
    content = build_summary_workbook(result, details, today=timezone.localdate())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="awards-{first}-{last}.xlsx"'
    return response

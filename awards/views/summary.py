"""The awards summary (獎項統計), each of its tables as Excel (``?format=xlsx&table=``), and the
whole workbook. The summary is the city-wide published figure: every signed-in user reads it;
the workbook's 獎項明細 sheet lists only the rows the user may see.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from awards import charts, stats
from awards import tables as award_tables
from awards.choices import AwardState
from awards.forms import SummaryRangeForm
from awards.models import Award, current_roc_year
from tainan_rdec import tables
from tainan_rdec.scoping import is_commission


def _summary_range(request) -> tuple[SummaryRangeForm, int, int]:
    first, last = stats.default_range(current_roc_year())
    form = SummaryRangeForm(
        tables.form_data(request, SummaryRangeForm),
        initial={"start_year": first, "end_year": last},
    )
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
    page_tables = award_tables.page_tables(result)
    if not form.errors:
        response = tables.download(request, *page_tables)
        if response is not None:
            return response
    return render(
        request,
        "awards/summary.html",
        {
            "form": form,
            "summary": result,
            "tables": {table.key: table for table in page_tables},
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
        .iterator(chunk_size=2000)  # written row by row into the sheet
    )
    return tables.xlsx_response(
        award_tables.workbook_tables(result, details),
        title=_("臺南市政府{period}獲獎統計").format(period=result.period_label),
        filename=f"awards-{first}-{last}.xlsx",
    )

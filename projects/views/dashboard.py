"""The reviewers' pages: the overview dashboard (列管總覽) and the early-warning list (預警).

For the commission and the senior officials (reviewers, admins, 長官; bureau users get 403).
Thin: parse the filters, call ``projects.dashboard.build_dashboard`` /
``projects.warning.rate_many``, render.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import django_filters
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from projects import tables as project_tables
from projects.choices import ControlStatus, ProjectKind, RiskLevel
from projects.dashboard import build_dashboard
from projects.filters import ProjectBaseFilter
from projects.forms.packets import FIRST_ROC_YEAR
from projects.models import ControlSettings, Project
from projects.warning import warning_list
from tainan_rdec import tables
from tainan_rdec.choices import CITY_WIDE_READERS
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import role_required

# Filters the project list understands under the same names (the year is the dashboard's own).
LIST_FILTERS = ("agency", "kind", "forward_category", "district")


class DashboardFilter(ProjectBaseFilter):
    """Agency, kind, forward category, district and year (projects active in that ROC year)."""

    year = django_filters.ChoiceFilter(
        label=gettext_lazy("年度"),
        choices=[],
        empty_label=gettext_lazy("全部"),
        method="filter_year",
        help_text=gettext_lazy("該年度內執行中的案件"),
    )

    class Meta(ProjectBaseFilter.Meta):
        pass

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        last = today.year - ROC_OFFSET + 1
        self.filters["year"].extra["choices"] = [
            (str(year), gettext("{year}年").format(year=year))
            for year in range(last, FIRST_ROC_YEAR - 1, -1)
        ]

    def filter_year(self, queryset, name, value):
        """Active in the year: started by its end and not completed before its start."""
        year = int(value) + ROC_OFFSET
        return queryset.annotate(
            ends_on=Coalesce("actual_completion", "planned_completion")
        ).filter(Q(planned_start__lte=date(year, 12, 31)) & Q(ends_on__gte=date(year, 1, 1)))


def _filtered(request, today):
    visible = Project.objects.visible_to(request.user)
    # The filters in the query, or none: ?format=xlsx&table= alone binds nothing.
    filters_given = any(name in request.GET for name in DashboardFilter.base_filters)
    data = request.GET if filters_given else None
    filterset = DashboardFilter(data, queryset=visible, today=today)
    return filterset, filterset.qs


def _list_url(params: dict, **extra) -> str:
    query = {**params, **extra}
    return reverse("projects:index") + ("?" + urlencode(query) if query else "")


def _attach_links(board, filterset) -> None:
    """Counts link to the project list with the same filters (where the list has them)."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    params = {}
    for name in LIST_FILTERS:
        value = data.get(name)
        if value:
            params[name] = getattr(value, "pk", value)
    board.total.url = _list_url(params)
    for group in board.by_kind:
        group.url = _list_url(params, kind=group.key)
    for group in board.by_status:
        group.url = _list_url(params, control_status=group.key)
    for bar in board.lag_chart.bars:
        bar.url = _list_url(params, control_status=ControlStatus.LISTED, lag=bar.status)
    for row in board.categories:
        row.url = _list_url(params, kind=ProjectKind.FORWARD, forward_category=row.category)


@role_required(*CITY_WIDE_READERS)
def overview(request):
    today = timezone.localdate()
    filterset, projects = _filtered(request, today)
    board = build_dashboard(projects, today=today)
    _attach_links(board, filterset)
    page_tables = project_tables.dashboard_tables(board, tables.describe_form(filterset.form))
    response = tables.download(request, *page_tables.values())
    if response is not None:
        return response
    return render(
        request,
        "projects/dashboard.html",
        {
            "filter": filterset,
            "board": board,
            "tables": page_tables,
            "year_selected": bool(filterset.is_bound and filterset.form.cleaned_data.get("year")),
        },
    )


@role_required(*CITY_WIDE_READERS)
def early_warning(request):
    today = timezone.localdate()
    rules = ControlSettings.get()
    filterset, projects = _filtered(request, today)
    found = warning_list(projects, today=today, rules=rules)
    high, medium = found.high, found.medium
    filters = tables.describe_form(filterset.form)
    sections = [
        {
            "level": RiskLevel.HIGH.value,
            "heading": gettext("高風險案件"),
            "rows": high,
            "empty_text": gettext("本月沒有高風險案件。"),
        },
        {
            "level": RiskLevel.MEDIUM.value,
            "heading": gettext("中風險案件"),
            "rows": medium,
            "empty_text": gettext("本月沒有中風險案件。"),
        },
    ]
    for section in sections:
        section["table"] = project_tables.warning_table(
            section["rows"],
            key=section["level"],
            title=section["heading"],
            empty=section["empty_text"],
            filters=filters,
            today=today,
        )
    response = tables.download(request, *(section["table"] for section in sections))
    if response is not None:
        return response
    return render(
        request,
        "projects/early_warning.html",
        {
            "filter": filterset,
            "rules": rules,
            "today": today,
            "high": high,
            "medium": medium,
            "low_count": found.low_count,
            "sections": sections,
        },
    )

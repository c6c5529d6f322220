"""列管統計: projects listed per year of a range, by kind and split at the major threshold, with
their budget in 億元; every number opens the projects behind it below the table.

For the commission and the senior officials, like the overview dashboard. Thin: the years and
the opened number are forms, the figures are ``projects.stats``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from projects import tables as project_tables
from projects.forms.listing import ListingDrillForm, ListingRangeForm
from projects.models import ControlSettings, Project
from projects.stats import listed_projects, listing_statistics
from tainan_rdec import tables
from tainan_rdec.choices import CITY_WIDE_READERS
from tainan_rdec.roc import format_money
from tainan_rdec.scoping import role_required


def _link(base: dict, **number) -> str:
    return "?" + urlencode({**base, **{k: v for k, v in number.items() if v not in (None, "")}})


@role_required(*CITY_WIDE_READERS)
def listing_statistics_page(request):
    today = timezone.localdate()
    range_form = ListingRangeForm(tables.form_data(request, ListingRangeForm), today=today)
    span = range_form.span()
    threshold = ControlSettings.get().major_threshold
    visible = Project.objects.visible_to(request.user)
    stats = listing_statistics(visible, span.first, span.last, threshold)

    base = {"start_year": span.first, "end_year": span.last}
    line = format_money(threshold, "萬元")
    page_tables = project_tables.listing_tables(
        stats,
        line=line,
        links=lambda row, **number: _link(base, year=row.year, **number) + "#listed",
        filters=[(gettext("統計年度"), span.label)],
    )
    response = tables.download(request, *page_tables.values())
    if response is not None:
        return response

    drill = ListingDrillForm(request.GET, first=span.first, last=span.last)
    listed = None
    if drill.opened:
        listed = listed_projects(visible, span.first, span.last, threshold, **drill.number())
    return render(
        request,
        "projects/listing_statistics.html",
        {
            "range_form": range_form,
            "span": span,
            "stats": stats,
            "tables": page_tables,
            "line": line,
            "every_link": _link(base, every="1") + "#listed",
            "drill": drill,
            "listed": listed,
        },
    )

"""Dispatch quality (派工正確性): the reviewers' page of cases transferred two or more times and
the working days lost before the final agency took them, by category and by first agency, and
the cases behind each row (drill-down). Figures from ``petitions.dispatch``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from petitions import dispatch
from petitions.forms import PeriodForm
from petitions.models import Category
from tainan_rdec.choices import COMMISSION_ROLES
from tainan_rdec.models import Agency
from tainan_rdec.scoping import role_required

# The drill-down lists this many cases at most (the worst first).
DRILL_DOWN_LIMIT = 500


def _period(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period(timezone.localdate())
    return form, start, end


@role_required(*COMMISSION_ROLES)
def dispatch_quality(request):
    form, start, end = _period(request)
    quality = dispatch.dispatch_quality(start, end)
    return render(
        request,
        "petitions/dispatch.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "quality": quality,
            # The drill-down links keep the period.
            "period_query": urlencode(
                {name: request.GET[name] for name in ("start", "end") if request.GET.get(name)}
            ),
            "many": dispatch.MANY_TRANSFERS,
        },
    )


def _chosen(model, value):
    if not (value or "").isdigit():
        return None
    return model.objects.filter(pk=value).first()


@role_required(*COMMISSION_ROLES)
def dispatch_cases(request):
    """The cases transferred two or more times, of one category or first agency (or all)."""
    form, start, end = _period(request)
    category = _chosen(Category, request.GET.get("category"))
    agency = _chosen(Agency, request.GET.get("agency"))
    cases = dispatch.many_times_transferred(
        start,
        end,
        category_id=category.pk if category else None,
        first_agency_id=agency.pk if agency else None,
    )
    shown = cases[:DRILL_DOWN_LIMIT]
    names = dispatch.agency_names(shown)
    categories = dict(Category.objects.values_list("pk", "name"))
    return render(
        request,
        "petitions/dispatch_cases.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "category": category,
            "agency": agency,
            "count": len(cases),
            "limit": DRILL_DOWN_LIMIT,
            "rows": [
                (case, categories.get(case.category_id, ""), [names[pk] for pk in case.agencies])
                for case in shown
            ],
        },
    )

"""The section's front page, one agency's service-quality history and the rubric pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from evaluations.choices import RubricKind
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AwardCoaching,
    EvaluationResult,
    ImprovementItem,
    PhoneTest,
    Rubric,
)
from evaluations.rubrics import groups_of
from evaluations.views.common import roc, this_year, year_param
from tainan_rdec.models import Agency
from tainan_rdec.scoping import get_visible_or_404, is_commission, reads_every_agency


def _years_with_records(model, user) -> list[int]:
    """The years, newest first, in which the user sees a record of ``model``."""
    records = model.objects.visible_to(user)
    return [day.year for day in records.dates(records.date_field, "year", order="DESC")]


def _year_card(model, user, year: int) -> dict:
    figures = (
        model.objects.visible_to(user).in_year(year).aggregate(n=Count("pk"), mean=Avg("score"))
    )
    return {**figures, "year": year, "roc_year": roc(year)}


@login_required
def index(request):
    """Each card opens on the latest year in which the user sees records of its kind (tests are
    made in one campaign a year, audits all year round, so in January this year has none);
    ``?year=`` puts every card on one year."""
    user = request.user
    today = timezone.localdate()
    phone_years = _years_with_records(PhoneTest, user)
    audit_years = _years_with_records(Audit, user)
    chosen = year_param(request)
    phone_year = chosen or next(iter(phone_years), this_year())
    audit_year = chosen or next(iter(audit_years), this_year())
    items = ImprovementItem.objects.visible_to(user)
    latest = AnnualEvaluation.objects.visible_to(user).first()
    own_result = None
    if latest is not None and not is_commission(user):
        own_result = EvaluationResult.objects.visible_to(user).filter(evaluation=latest).first()
    return render(
        request,
        "evaluations/index.html",
        {
            "chosen_year": chosen,
            "years": [
                {"year": y, "roc": roc(y)}
                for y in sorted(set(phone_years) | set(audit_years), reverse=True)
            ],
            "phone": _year_card(PhoneTest, user, phone_year),
            "audit": _year_card(Audit, user, audit_year),
            "open_items": items.awaiting_report().count(),
            "overdue_items": items.overdue(today).count(),
            "reported_items": items.awaiting_review().count(),
            "latest": latest,
            "own_result": own_result,
            "commission": is_commission(user),
            "rubrics": list(Rubric.objects.visible_to(user).order_by("-year", "kind")[:4]),
        },
    )


def agency_for_code(user, code: str) -> Agency:
    """The agency of ``code`` if the user may see its service-quality history, else 404."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None or not (reads_every_agency(user) or user.agency_id == agency.pk):
        raise Http404
    return agency


@login_required
def agency_history(request, code):
    """One agency over the years: its evaluation lines, tests, audits, improvement items and
    Government Service Award entries."""
    user = request.user
    agency = agency_for_code(user, code)
    today = timezone.localdate()
    improvements = list(
        ImprovementItem.objects.visible_to(user)
        .filter(agency=agency)
        .select_related("audit")
        .order_by("-raised_at", "due_date", "pk")
    )
    for item in improvements:
        item.overdue = item.is_overdue(today)
    return render(
        request,
        "evaluations/agency_history.html",
        {
            "agency": agency,
            "results": list(
                EvaluationResult.objects.visible_to(user)
                .filter(agency=agency)
                .select_related("evaluation")
                .order_by("-evaluation__year")
            ),
            "phone_years": list(
                PhoneTest.objects.visible_to(user)
                .filter(agency=agency)
                .values("tested_on__year")
                .annotate(n=Count("pk"), mean=Avg("score"))
                .order_by("-tested_on__year")
            ),
            "tests": list(
                PhoneTest.objects.visible_to(user)
                .filter(agency=agency)
                .order_by("-tested_on", "-tested_at")[:50]
            ),
            "audits": list(
                Audit.objects.visible_to(user).filter(agency=agency).order_by("-visited_on")[:50]
            ),
            "improvements": improvements,
            "coachings": list(
                AwardCoaching.objects.visible_to(user).filter(agency=agency).order_by("-year")
            ),
        },
    )


@login_required
def rubric_detail(request, year, kind):
    if kind not in RubricKind.values:
        raise Http404
    rubric = get_visible_or_404(Rubric, request.user, year=year, kind=kind)
    groups = groups_of(rubric)
    return render(
        request,
        "evaluations/rubric_detail.html",
        {
            "rubric": rubric,
            "groups": groups,
            "max_total": sum((g["max_points"] for g in groups), 0),
            "others": list(
                Rubric.objects.visible_to(request.user).filter(kind=kind).order_by("-year")
            ),
            "in_use": rubric.in_use,
        },
    )

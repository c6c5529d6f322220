"""The annual evaluation pages: the ranked table of a year (computing and finalizing it for
reviewers), one agency's line with the records behind each component, and the mystery-shopper
target list. Thin: the rules are in ``evaluations.evaluation``.

Who: the commission sees every line at any time; a bureau user sees only their own agency's line,
and only once the year is final (another agency's line is 404). The target list is the
commission's alone (unannounced audits): 403 for bureau users.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations import evaluation as annual
from evaluations import tables as evaluation_tables
from evaluations.choices import TargetBasis
from evaluations.forms import TargetForm, add_service_errors
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditTarget,
    EvaluationResult,
    EvaluationSettings,
    PhoneTest,
)
from evaluations.views.common import flash_errors, reviewers_only, roc, this_year
from tainan_rdec import tables
from tainan_rdec.scoping import get_visible_or_404, is_commission

COMPUTE = "compute"
FINALIZE = "finalize"
ADD = "add"
REMOVE = "remove"


@login_required
def ranking_index(request):
    """The latest year the user may see, else last year."""
    latest = (
        AnnualEvaluation.objects.visible_to(request.user).values_list("year", flat=True).first()
    )
    return redirect("evaluations:ranking", year=latest or this_year() - 1)


def _ranking_post(request, year: int):
    user = request.user
    if not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以計算或確定服務效能評比。"))
    action = request.POST.get("action")
    try:
        if action == COMPUTE:
            evaluation = annual.compute_evaluation(year, by=user)
            messages.success(
                request,
                _("已計算{year}年度服務效能評比，共{count}個機關。").format(
                    year=roc(year), count=evaluation.results.count()
                ),
            )
        elif action == FINALIZE:
            annual.finalize_evaluation(year, by=user)
            messages.success(
                request,
                _("{year}年度服務效能評比已確定；待加強機關已列入{next}年度稽核對象。").format(
                    year=roc(year), next=roc(year + 1)
                ),
            )
        else:
            return HttpResponseBadRequest()
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("evaluations:ranking", year=year)


@login_required
def ranking(request, year):
    if request.method == "POST":
        return _ranking_post(request, year)
    user = request.user
    commission = is_commission(user)
    evaluation = AnnualEvaluation.objects.visible_to(user).filter(year=year).first()
    rows = []
    if evaluation is not None:
        rows = list(
            EvaluationResult.objects.visible_to(user)
            .filter(evaluation=evaluation)
            .select_related("agency")
            .order_by("rank", "agency__sort_order", "agency__code")
        )
        for row in rows:
            row.evaluation = evaluation  # components() reads the weights without a query each
    table = evaluation_tables.ranking_table(rows, year=year, roc_year=roc(year))
    response = tables.download(request, table)
    if response is not None:
        return response
    years = list(
        AnnualEvaluation.objects.visible_to(user).order_by("-year").values_list("year", flat=True)
    )
    return render(
        request,
        "evaluations/ranking.html",
        {
            "year": year,
            "roc_year": roc(year),
            "evaluation": evaluation,
            "rows": rows,
            "table": table,
            "flagged": sum(1 for r in rows if r.needs_improvement),
            "years": [{"year": y, "roc": roc(y)} for y in years],
            "settings": EvaluationSettings.get(),
            "commission": commission,
            "may_compute": commission and not (evaluation and evaluation.is_final),
        },
    )


@login_required
def result_detail(request, year, code):
    user = request.user
    result = get_visible_or_404(
        EvaluationResult.objects.select_related("evaluation", "agency"),
        user,
        evaluation__year=year,
        agency__code=code,
    )
    agency = result.agency
    tests = list(
        PhoneTest.objects.visible_to(user)
        .in_year(year)
        .filter(agency=agency)
        .order_by("tested_on", "tested_at", "pk")
    )
    audits = list(
        Audit.objects.visible_to(user)
        .in_year(year)
        .filter(agency=agency)
        .order_by("visited_on", "pk")
    )
    return render(
        request,
        "evaluations/result_detail.html",
        {
            "result": result,
            "evaluation": result.evaluation,
            "agency": agency,
            "year": year,
            "roc_year": roc(year),
            "components": result.components(),
            "formula": annual.formula(result),
            "tests": tests,
            "audits": audits,
            "commission": is_commission(user),
        },
    )


@reviewers_only
def targets_index(request):
    return redirect("evaluations:targets", year=this_year())


def _targets_post(request, year: int):
    action = request.POST.get("action")
    if action == REMOVE:
        pk = request.POST.get("target", "")
        if not pk.isdigit():
            raise Http404
        target = get_object_or_404(
            AuditTarget.objects.visible_to(request.user).select_related("agency"),
            pk=int(pk),
            year=year,
        )
        annual.remove_audit_target(target, by=request.user)
        messages.success(
            request, _("已將「{agency}」移出稽核對象。").format(agency=target.agency.name)
        )
        return redirect("evaluations:targets", year=year), None
    if action == "generate":
        added = annual.generate_audit_targets(year, by=request.user)
        messages.success(request, _("已加入{count}個稽核對象。").format(count=len(added)))
        return redirect("evaluations:targets", year=year), None
    if action != ADD:
        return HttpResponseBadRequest(), None
    form = TargetForm(request.POST, year=year)
    if form.is_valid():
        try:
            annual.add_audit_target(year, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已加入稽核對象。"))
            return redirect("evaluations:targets", year=year), None
    return None, form


@reviewers_only
def targets(request, year):
    form = None
    if request.method == "POST":
        response, form = _targets_post(request, year)
        if response is not None:
            return response
    rows = list(
        AuditTarget.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("agency", "source")
        .annotate(audit_count=Count("audits"))
        .order_by("agency__sort_order", "agency__code")
    )
    order = (TargetBasis.NEEDS_IMPROVEMENT, TargetBasis.COUNTER, TargetBasis.DISTRICT_OFFICE)
    by_basis = [
        {"basis": basis, "label": basis.label, "rows": [r for r in rows if r.basis == basis]}
        for basis in order
    ]
    return render(
        request,
        "evaluations/targets.html",
        {
            "year": year,
            "roc_year": roc(year),
            "groups": by_basis,
            "total": len(rows),
            "audited": sum(1 for r in rows if r.audit_count),
            "form": form or TargetForm(year=year),
            "previous_url": reverse("evaluations:ranking", args=[year - 1]),
        },
        status=400 if form is not None else 200,
    )

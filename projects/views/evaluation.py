"""Annual evaluation pages (年度考評): the year's score table with filters, sorting and the grade
distribution, and one score's detail with how each component was computed and the reviewer's
adjustment. Thin: the rules are in ``projects.scoring``.

Reviewers and admins see every agency's scores, recompute a year and adjust a score; bureau users
see their own agency's scores (``visible_to``) and change nothing. The recomputation runs in the
request for now: it is a handful of queries per year, whatever the number of projects.

The year table shows PAGE_SIZE scores a page (a year has some 600 at full scale, more than anyone
reads on one screen and most of the page's time to render); the sort applies across all pages,
and the total and the grade distribution count every score the filters match. Rows read only
the columns the table prints (not the computation's explanation, which the detail page shows).
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import scoring
from projects.choices import Grade, ProjectKind
from projects.filters import host_agencies
from projects.forms.scoring import AdjustmentForm
from projects.models import AnnualScore, ControlSettings
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import get_visible_or_404, is_commission, reads_every_agency

# ?sort= key -> (column label, ordering). A leading "-" on the key sorts descending.
SORTS = {
    "project": (gettext_lazy("列管案件"), "project__control_number"),
    "agency": (gettext_lazy("主辦機關"), "project__host_agency__sort_order"),
    "progress": (gettext_lazy("進度達成"), "progress_score"),
    "budget": (gettext_lazy("經費執行"), "budget_score"),
    "filing": (gettext_lazy("填報時效及品質"), "filing_score"),
    "milestone": (gettext_lazy("檢核點達成"), "milestone_score"),
    "weighted": (gettext_lazy("加權分數"), "weighted_score"),
    "adjustment": (gettext_lazy("審查加減分"), "adjustment"),
    "final": (gettext_lazy("考評分數"), "final_score"),
}
DEFAULT_SORT = "-final"
PAGE_SIZE = 50
# What a table row prints (see the template); the explanation JSON is the bulk of a score row.
ROW_FIELDS = [
    "project_id",
    "year",
    *scoring.SCORE_FIELDS.values(),
    "weighted_score",
    "adjustment",
    "final_score",
    "grade",
    "project__control_number",
    "project__name",
    "project__host_agency__name",
    "project__host_agency__short_name",
]
GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]


class ScoreFilter(django_filters.FilterSet):
    """The year table's filters; the agency filter is for the commission only."""

    agency = django_filters.ModelChoiceFilter(
        label=gettext_lazy("主辦機關"),
        field_name="project__host_agency",
        queryset=host_agencies(),
        empty_label=gettext_lazy("全部"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("列管類別"),
        field_name="project__kind",
        choices=ProjectKind.choices,
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = AnnualScore
        fields = []  # all declared above

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not reads_every_agency(user):
            del self.filters["agency"]


def _roc(year: int) -> int:
    return year - ROC_OFFSET


def _parse_sort(value: str | None) -> tuple[str, str]:
    """(the ?sort= value in effect, the key without its sign); unknown values fall back."""
    value = value or DEFAULT_SORT
    key = value.removeprefix("-")
    if key not in SORTS:
        value, key = DEFAULT_SORT, DEFAULT_SORT.removeprefix("-")
    return value, key


def _sort_columns(request, sort: str, key: str) -> dict[str, dict]:
    """For each sortable column: the link that sorts by it (toggling when it is the current one)
    and its aria-sort state."""
    columns = {}
    for name, (label, _ordering) in SORTS.items():
        query = request.GET.copy()
        query.pop("page", None)  # a new order starts on its first page
        if name == key:
            query["sort"] = name if sort.startswith("-") else f"-{name}"
            state = "descending" if sort.startswith("-") else "ascending"
        else:
            # Scores read best first; names read A to Z.
            query["sort"] = name if name in {"project", "agency"} else f"-{name}"
            state = "none"
        columns[name] = {"label": label, "query": query.urlencode(), "state": state}
    return columns


@login_required
def evaluation_index(request):
    """The latest year with scores the user may see, else last year."""
    latest = (
        AnnualScore.objects.visible_to(request.user)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    year = latest or timezone.localdate().year - 1
    return redirect("projects:evaluation_year", year=year)


@login_required
def evaluation_year(request, year):
    user = request.user
    if request.method == "POST":
        if not is_commission(user):
            raise PermissionDenied(_("只有研考會審查人員可以重新計算考評分數。"))
        count = scoring.compute_year(year, by=user)
        messages.success(
            request,
            _("已重新計算{year}年度考評分數，共{count}件。").format(year=_roc(year), count=count),
        )
        return redirect(request.get_full_path())

    visible = AnnualScore.objects.visible_to(user).filter(year=year)
    filterset = ScoreFilter(request.GET or None, queryset=visible, user=user)
    scores = filterset.qs
    sort, key = _parse_sort(request.GET.get("sort"))
    ordering = SORTS[key][1]
    ordered = (
        scores.select_related("project__host_agency")
        .only(*ROW_FIELDS)
        .order_by(f"-{ordering}" if sort.startswith("-") else ordering, "project__control_number")
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = {
        row["grade"]: row["n"]
        for row in scores.order_by().values("grade").annotate(n=Count("pk", distinct=True))
    }
    years = list(
        AnnualScore.objects.visible_to(user)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return render(
        request,
        "projects/evaluation_year.html",
        {
            "year": year,
            "roc_year": _roc(year),
            "years": [{"year": y, "roc": _roc(y)} for y in years],
            "filter": filterset,
            "rows": list(page.object_list),
            "page": page,
            "query": query.urlencode(),
            "sort": sort,
            "columns": _sort_columns(request, sort, key),
            "grades": [
                {"grade": g, "label": g.label, "count": counts.get(g, 0)} for g in GRADE_ORDER
            ],
            "total": page.paginator.count,
            "rules": ControlSettings.get(),
            "can_recompute": is_commission(user),
        },
    )


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest on top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def score_detail(request, year, project_pk):
    user = request.user
    score = get_visible_or_404(
        AnnualScore.objects.select_related("project__host_agency", "adjusted_by"),
        user,
        year=year,
        project_id=project_pk,
    )
    rules = ControlSettings.get()
    form = None
    status = 200
    if is_commission(user):
        form = AdjustmentForm(
            request.POST or None,
            limit=rules.adjustment_limit,
            initial={"adjustment": score.adjustment, "reason": score.adjustment_reason},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有研考會審查人員可以調整考評分數。"))
        if form.is_valid():
            try:
                scoring.adjust_score(
                    score,
                    form.cleaned_data["adjustment"],
                    form.cleaned_data["reason"],
                    by=user,
                    rules=rules,
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("已更新審查加減分，考評分數與等第已重新計算。"))
                return redirect(reverse("projects:score_detail", args=[year, project_pk]))
        status = 400
    explanation = score.explanation or {}
    components = [
        {
            "name": name,
            "score": getattr(score, scoring.SCORE_FIELDS[name]),
            "weight": (score.weights or {}).get(name),
            **explanation.get(name, {}),
        }
        for name in scoring.COMPONENTS
    ]
    return render(
        request,
        "projects/score_detail.html",
        {
            "score": score,
            "project": score.project,
            "year": year,
            "roc_year": _roc(year),
            "components": components,
            "weighted": explanation.get("weighted", {}),
            "final": explanation.get("final", {}),
            "form": form,
            "rules": rules,
        },
        status=status,
    )

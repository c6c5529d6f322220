"""Case pages: the case list with filters, one case's detail, and the agency view (my open
cases by due date, overdue first). Thin: parse input, narrow with ``visible_to``, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from petitions import routing, stats
from petitions.forms import CaseFilterForm, MyCasesFilterForm
from petitions.map import page_map
from petitions.models import Case, CaseTransfer
from tainan_rdec.choices import BUREAU_ROLES, COMMISSION_ROLES
from tainan_rdec.importing.exports import export_response
from tainan_rdec.months import add_months
from tainan_rdec.pagination import CappedPaginator
from tainan_rdec.scoping import get_visible_or_404, is_commission, role_required
from tainan_rdec.workdays import WorkingCalendar, get_calendar

PAGE_SIZE = 50
# The agency view's satisfaction table covers this many months up to today.
SATISFACTION_MONTHS = 12

# What a case row on the list pages needs: the related names are joined, not fetched per row.
LIST_RELATED = ("category", "subcategory", "handling_agency", "district")


def working_days_left(case: Case, today, calendar: WorkingCalendar) -> int | None:
    """Working days until an open case falls due (0 on the due date), negative once overdue
    (−1 on the first working day after it); None for a closed case."""
    if not case.is_open:
        return None
    if case.due_date >= today:
        return calendar.working_days_between(today, case.due_date)
    return -calendar.working_days_between(case.due_date, today)


@dataclass(frozen=True)
class CaseRow:
    """A case on a list page with its working days left (None once closed)."""

    case: Case
    days_left: int | None

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def can_see_personal_data(user, case: Case) -> bool:
    """The petitioner's name, phone and e-mail: the handling agency and the commission only
    (個人資料保護法). Pages never carry them into exports."""
    return is_commission(user) or (
        user.agency_id is not None and user.agency_id == case.handling_agency_id
    )


def _rows(cases, today):
    calendar = get_calendar()  # one calendar for the page: no per-row queries
    return [CaseRow(case, working_days_left(case, today, calendar)) for case in cases]


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


# The agencies' and the commission's: a senior official reads the statistics, not the cases.
@role_required(*BUREAU_ROLES, *COMMISSION_ROLES)
def case_list(request):
    user = request.user
    form = CaseFilterForm(request.GET or None, user=user)
    cases = form.filter(Case.objects.visible_to(user).select_related(*LIST_RELATED))
    # ?format=xlsx|csv: the filtered list as a file; the cases register has no personal data.
    exported = export_response(request, "cases", cases)
    if exported is not None:
        return exported
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query_without_page(request)
    return render(
        request,
        "petitions/case_list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page.object_list, timezone.localdate()),
            "query": query,
            # The map draws the cases of the same filters (all pages of them).
            "case_map": page_map(reverse("petitions:map_cases") + (f"?{query}" if query else "")),
        },
    )


@login_required
def case_detail(request, case_number):
    user = request.user
    case = get_visible_or_404(
        Case.objects.select_related(*LIST_RELATED, "event", "problem_group"),
        user,
        case_number=case_number,
    )
    transfers = CaseTransfer.objects.filter(case=case).select_related(
        "from_agency", "to_agency", "by"
    )
    today = timezone.localdate()
    return render(
        request,
        "petitions/case_detail.html",
        {
            "case": case,
            "transfers": transfers,
            "status_history": case.status_changes.select_related("by"),
            "row": CaseRow(case, working_days_left(case, today, get_calendar())),
            "show_personal_data": can_see_personal_data(user, case),
            # Without a trained model: [] and None, and the page says nothing about it.
            "suggestions": routing.suggest(case),
            "category_suggestion": routing.suggest_category(case),
        },
    )


@role_required(*BUREAU_ROLES, *COMMISSION_ROLES)
def my_cases(request):
    """The agency view: a bureau's open cases by due date, overdue first (the earliest due
    dates are the overdue ones). Reviewers see every agency and may pick one."""
    user = request.user
    form = MyCasesFilterForm(request.GET or None, user=user)
    cases = form.filter(
        Case.objects.visible_to(user)
        .open()
        .select_related(*LIST_RELATED)
        .order_by("due_date", "received_at", "pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    agency = None if is_commission(user) else user.agency
    # Satisfaction of the cases this agency closed (a reviewer: of the agency picked, or the
    # city's), by category, over the last months: read from the rollups.
    shown = agency or form.chosen_agency()
    first = add_months(today.replace(day=1), -(SATISFACTION_MONTHS - 1))
    by_category = stats.timeliness_by(
        "category",
        start=first,
        end=today,
        agency_ids=None if shown is None else [shown.pk],
        today=today,
    )
    return render(
        request,
        "petitions/my_cases.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page.object_list, today),
            "query": _query_without_page(request),
            "agency": agency,
            "satisfaction": stats.satisfaction_tables(by_category),
            "satisfaction_agency": shown,
            "satisfaction_from": first,
            "today": today,
        },
    )

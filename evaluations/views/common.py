"""What the service-quality pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone

from tainan_rdec.choices import Role
from tainan_rdec.converters import ROCYearConverter
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import role_required

reviewers_only = role_required(Role.REVIEWER, Role.ADMIN)

PAGE_SIZE = 50
FIRST_RECORD_YEAR = 2000


def roc(year: int) -> int:
    return year - ROC_OFFSET


def this_year() -> int:
    return timezone.localdate().year


def year_param(request, name: str = "year") -> int | None:
    """A ``?year=`` given as an ROC (113) or Gregorian (2024) year, read by the same rule as a
    year in the address (``tainan_rdec.converters``); 404 when it is not one."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return ROCYearConverter().to_python(value)
    except ValueError:
        raise Http404 from None


def record_year(request) -> int:
    """The rubric year of an entry form (``?year=``, default this year), from 2000 (民國89年)
    to next year; another year is 404, so a typo never creates a rubric version."""
    year = year_param(request) or this_year()
    if not FIRST_RECORD_YEAR <= year <= this_year() + 1:
        raise Http404
    return year


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def list_context(request, filterset) -> dict:
    """What every list page (``evaluations/list_page.html``) renders: the filter form, the
    requested page of its results, and the filters again as a query string so that the page
    links keep them."""
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"filter": filterset, "page": page, "query": query_without_page(request)}


def flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)

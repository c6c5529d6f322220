"""The briefing's page and its two downloads, for the commission and the senior officials
(bureau users get 403). Thin: read the years, assemble, render.

The PDF and the deck are built in the request: on the five-year data set the whole briefing
takes well under the time a request may (``make bench``: tests/perf/bench_briefing.py, figures
in tests/perf/RESULTS.md), so a worker, a stored file and a progress page would add waiting,
not take it away.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from tainan_rdec.briefing import deck, pdf
from tainan_rdec.briefing.assemble import build_briefing, current_year_span, default_span
from tainan_rdec.briefing.charts import laid_out
from tainan_rdec.briefing.content import Span
from tainan_rdec.briefing.forms import BriefingRangeForm
from tainan_rdec.choices import CITY_WIDE_READERS
from tainan_rdec.scoping import role_required

readers_only = role_required(*CITY_WIDE_READERS)


def _query(span: Span) -> str:
    return urlencode({"start_year": span.first, "end_year": span.last})


def render_page(request, form: BriefingRangeForm, span: Span | None, status: int = 200):
    """The page for ``span`` (None: the form's errors only)."""
    briefing = build_briefing(span) if span is not None else None
    return render(
        request,
        "tainan_rdec/briefing/page.html",
        {
            "form": form,
            "briefing": briefing,
            "chapters": laid_out(briefing) if briefing else [],
            "query": _query(span) if span else "",
            "default_span": default_span(form.today),
        },
        status=status,
    )


def official_home(request):
    """A senior official's home page: the briefing of this year so far."""
    span = current_year_span(timezone.localdate())
    form = BriefingRangeForm(initial={"start_year": span.first, "end_year": span.last})
    return render_page(request, form, span)


@require_safe
@readers_only
def page(request):
    form = BriefingRangeForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render_page(request, form, None, status=400)
    return render_page(request, form, form.span())


def _download(request, build, content_type: str, extension: str):
    form = BriefingRangeForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # The page says what is wrong with the years, next to the fields.
        return redirect(reverse("briefing:page") + "?" + request.GET.urlencode())
    briefing = build_briefing(form.span())
    response = HttpResponse(build(briefing), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"業務簡報-{briefing.span.first}-{briefing.span.last}.{extension}"
    )
    return response


@require_safe
@readers_only
def briefing_pdf(request):
    return _download(request, pdf.build_pdf, pdf.CONTENT_TYPE, "pdf")


@require_safe
@readers_only
def briefing_pptx(request):
    return _download(request, deck.build_deck, deck.CONTENT_TYPE, "pptx")

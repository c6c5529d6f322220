"""The case maps' data (案件地圖): the points of the case list's filters, or of an event, as
JSON for ``static/js/case-map.js``. Thin: the rules are in ``petitions.map``; the rows are the
ones the user may see (``visible_to``), so the map never shows more than the table would."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from petitions.forms import CaseFilterForm
from petitions.map import MAP_ROLES, map_points
from petitions.models import Case, Event
from petitions.views.dashboard import may_watch_events
from tainan_rdec.scoping import role_required


@require_GET
@role_required(*MAP_ROLES)
def case_points(request):
    """``?event=<pk>``: the event's cases (for those who may watch events, else 403); otherwise
    the case list's filters (?status=, ?category=, …). Invalid filters: 400 with the errors."""
    user = request.user
    cases = Case.objects.visible_to(user)
    event_pk = request.GET.get("event")
    if event_pk:
        if not may_watch_events(user):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.prefetch_related("districts"), pk=_pk(event_pk))
        cases = event.received_cases(cases)
    else:
        form = CaseFilterForm(request.GET or None, user=user)
        if form.is_bound and not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400, json_dumps_params=_JSON)
        cases = form.filter(cases)
    response = JsonResponse(map_points(cases), json_dumps_params=_JSON)
    # The points are scoped to the user: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


_JSON = {"ensure_ascii": False}


def _pk(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0  # no event has it: 404

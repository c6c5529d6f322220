"""Export of a list page the user is looking at: ``?format=xlsx`` or ``?format=csv`` on the page's
own URL, with its filters, as the user's scope allows (the list's queryset is already
``visible_to`` the user; the register narrows it again).

A list page calls ``export_response`` before paginating::

    response = export_response(request, "projects", projects)
    if response is not None:
        return response
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from tainan_rdec.importing.registry import get_register
from tainan_rdec.importing.workbooks import FORMATS, export_file

# A page export runs inside the request: beyond this many rows the user narrows the filters
# (an admin exports everything from the admin site or with ``export_records``).
DEFAULT_MAX_ROWS = 100_000


def requested_format(request) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else None


def export_response(request, register: str, queryset):
    """The file for ``?format=…``, a redirect back with a message when the list is too long,
    or ``None`` when no export was asked for (the page renders as usual)."""
    fmt = requested_format(request)
    if fmt is None:
        return None
    limit = getattr(settings, "EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    resource = get_register(register).resource(user=request.user)
    total = resource.export_queryset(queryset).count()
    if total > limit:
        messages.error(
            request,
            _(
                "符合條件的資料有 {total:,} 筆，超過單次匯出上限 {limit:,} 筆，"
                "請縮小篩選範圍後再匯出。"
            ).format(total=total, limit=limit),
        )
        query = request.GET.copy()
        query.pop("format", None)
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
    made = export_file(resource, queryset, fmt=fmt)
    return FileResponse(
        made.handle, as_attachment=True, filename=made.filename, content_type=made.content_type
    )

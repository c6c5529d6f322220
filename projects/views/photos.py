"""Photo pages: uploading to a report or a visit, removing from a report, and the file view
that serves every photo. Thin: the rules (formats, sizes, who may change what) are in
``projects.photos``.

Photos are never public files: ``report_photo_file`` / ``visit_photo_file`` stream one after the
same scoping as its report or visit, so an outsider gets 404 exactly as for the report itself.
The upload and delete actions redirect back to the page they were sent from, with the outcome
as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from projects import photos
from projects.forms.photos import PhotoForm
from projects.models import MonthlyReport, ReportPhoto, SiteVisit
from tainan_rdec import photos as kernel_photos
from tainan_rdec.scoping import get_visible_or_404

# Photos do not change once uploaded (a new one gets a new URL), so the browser may keep them
# for a while; "private" keeps them out of shared caches.
CACHE_CONTROL = "private, max-age=3600"


def _back(request, default: str) -> str:
    """The page the form was on (a local path only), else ``default``."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _upload(request, add, owner, default: str):
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            add(owner, form.cleaned_data["image"], form.cleaned_data["caption"], by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("照片已上傳。"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(_back(request, default))


@require_POST
@login_required
def report_photo_add(request, pk):
    report = get_visible_or_404(MonthlyReport, request.user, pk=pk)
    default = reverse("projects:report_detail", args=[report.pk])
    return _upload(request, photos.add_report_photo, report, default)


@require_POST
@login_required
def report_photo_delete(request, pk):
    photo = get_visible_or_404(ReportPhoto.objects.select_related("report"), request.user, pk=pk)
    photos.remove_report_photo(photo, by=request.user)
    messages.success(request, _("照片已刪除。"))
    return redirect(_back(request, reverse("projects:report_detail", args=[photo.report_id])))


@require_POST
@login_required
def visit_photo_add(request, pk):
    visit = get_visible_or_404(SiteVisit, request.user, pk=pk)
    default = reverse("projects:visit_detail", args=[visit.pk])
    return _upload(request, photos.add_visit_photo, visit, default)


def _stream(field) -> FileResponse:
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    content_type = kernel_photos.content_type(handle)
    if content_type is None:
        # Everything stored went through photos.clean_photo; anything else is not served.
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
@login_required
def report_photo_file(request, pk):
    return _stream(get_visible_or_404(ReportPhoto, request.user, pk=pk).image)


@require_safe
@login_required
def visit_photo_file(request, pk):
    photo = get_object_or_404(photos.visit_photos_visible_to(request.user), pk=pk)
    return _stream(photo.image)

"""Open data: the OC4IDS project package of the published projects, and one project's package.
Public: no login, GET only, like the Open311 API (petitions/views/open311.py). What is
published, and why no personal data is, is in projects/oc4ids.py."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from projects import oc4ids

CONTENT_TYPE = "application/json; charset=utf-8"
# A built package is kept at most this long, whatever its data version says.
PACKAGE_CACHE_SECONDS = 60 * 60


def _public(view):
    """Open data: anyone may GET it, and caches may keep it for five minutes."""
    return require_safe(cache_control(public=True, max_age=300)(view))


def _absolute(path: str) -> str:
    # The package's uri names the portal's public address, whatever host the request used.
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _json(data: dict | str, *, status: int = 200, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(
        data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
        content_type=CONTENT_TYPE,
        status=status,
    )
    if filename:
        response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@_public
def oc4ids_projects(request):
    """projects.json: every published project, by 列管編號. Building it for five years of 1,400
    projects takes seconds, so the built package is kept in the cache under the data's version
    (``oc4ids.data_version``: a few aggregate queries) and built again only when that moves or
    the cache lets it go."""
    # The settings the package prints are in the key too: a deploy that changes them must not
    # find the old package in a cache that outlived the old processes.
    published = (settings.OC4IDS_PREFIX, settings.OC4IDS_PUBLICATION_POLICY_URL, _absolute("/"))
    version = hashlib.sha256("|".join(published).encode()).hexdigest()[:12]
    key = f"oc4ids:projects:{get_language()}:{version}:{oc4ids.data_version()}"
    body = cache.get(key)
    if body is None:
        projects = oc4ids.with_package_data(oc4ids.published_projects())
        uri = _absolute(reverse("open_data:oc4ids_projects"))
        package = oc4ids.build_package(projects, uri=uri)
        body = json.dumps(package, ensure_ascii=False) if package["projects"] else ""
        cache.set(key, body, PACKAGE_CACHE_SECONDS)
    if not body:
        # An OC4IDS package holds at least one project: with none published there is none.
        return _json({"detail": _("目前沒有已公開的列管案件。")}, status=404)
    return _json(body, filename=f"{settings.OC4IDS_PREFIX}projects.json")


@_public
def oc4ids_project(request, control_number):
    """projects/<列管編號>.json: one published project in a package of its own; 404 for any
    other number, a project not (or no longer) published included."""
    project = (
        oc4ids.with_package_data(oc4ids.published_projects())
        .filter(control_number=control_number)
        .first()
    )
    if project is None:
        return _json(
            {"detail": _("找不到已公開的列管案件 {number}。").format(number=control_number)},
            status=404,
        )
    path = reverse("open_data:oc4ids_project", args=[control_number])
    package = oc4ids.build_package([project], uri=_absolute(path))
    return _json(package, filename=f"{oc4ids.project_id(project)}.json")

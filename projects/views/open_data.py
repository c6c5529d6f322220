"""Open data: the OC4IDS project package of the published projects, and one project's package.
Public: no login, GET only, like the Open311 API (tainan_rdec/feeds.py: rate limit, CORS,
gzip, ETag, JSON errors). What is published, and why no personal data is, is in
projects/oc4ids.py."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _

from projects import oc4ids
from tainan_rdec import caching, feeds

# A built package is kept at most this long, whatever its data version says.
PACKAGE_CACHE_SECONDS = 60 * 60


def _error(request, status: int, detail: str) -> HttpResponse:
    return feeds.render({"detail": detail}, feeds.JSON, status=status)


def _public(view):
    """Open data: anyone may GET it, and caches may keep it for five minutes."""
    return feeds.public_feed(_error, max_age=300)(view)


def _absolute(path: str) -> str:
    # The package's uri names the portal's public address, whatever host the request used.
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _built(name: str, build_package):
    """The package ``name`` as ``{"body": JSON text, "projects": how many, "built": when}``,
    kept in the cache under the data's version (``oc4ids.data_version``: a few aggregate
    queries) and built again only when that moves or the cache lets it go; ``None`` when
    ``build_package()`` gives none. The time it was built is its Last-Modified: the bytes have
    not changed since."""
    # The settings the package prints are in the key too: a deploy that changes them must not
    # find the old package in a cache that outlived the old processes. The language is not:
    # the package is zh-Hant whatever the request asks (tainan_rdec/feeds.py).
    published = (settings.OC4IDS_PREFIX, settings.OC4IDS_PUBLICATION_POLICY_URL, _absolute("/"))
    version = hashlib.sha256("|".join(published).encode()).hexdigest()[:12]

    def build():
        package = build_package()
        if package is None:
            return None
        return {
            "body": json.dumps(package, ensure_ascii=False),
            "projects": len(package["projects"]),
            "built": timezone.now(),
        }

    key = f"oc4ids:{name}:{version}:{oc4ids.data_version()}"
    return caching.get_or_build(key, build, PACKAGE_CACHE_SECONDS)


def _package(built: dict, filename: str) -> HttpResponse:
    response = HttpResponse(built["body"], content_type=feeds.CONTENT_TYPES[feeds.JSON])
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Last-Modified"] = http_date(built["built"].timestamp())
    return response


@_public
def oc4ids_projects(request):
    """projects.json: every published project, by 列管編號. Building it for five years of 1,400
    projects takes seconds, so the built package is kept (``_built``)."""

    def build():
        projects = oc4ids.with_package_data(oc4ids.published_projects())
        uri = _absolute(reverse("open_data:oc4ids_projects"))
        return oc4ids.build_package(projects, uri=uri)

    built = _built("projects", build)
    if not built["projects"]:
        # An OC4IDS package holds at least one project: with none published there is none.
        return _error(request, 404, _("目前沒有已公開的列管案件。"))
    return _package(built, f"{settings.OC4IDS_PREFIX}projects.json")


@_public
def oc4ids_project(request, control_number):
    """projects/<列管編號>.json: one published project in a package of its own; 404 for any
    other number, a project not (or no longer) published included. A number with no project
    is looked up every time and never kept."""

    def build():
        project = (
            oc4ids.with_package_data(oc4ids.published_projects())
            .filter(control_number=control_number)
            .first()
        )
        if project is None:
            return None
        path = reverse("open_data:oc4ids_project", args=[control_number])
        return oc4ids.build_package([project], uri=_absolute(path))

    # Hashed: the number comes from the URL, and a cache key must stay short and plain.
    number_key = hashlib.sha256(control_number.encode()).hexdigest()[:24]
    built = _built(f"project:{number_key}", build)
    if built is None:
        return _error(
            request, 404, _("找不到已公開的列管案件 {number}。").format(number=control_number)
        )
    return _package(built, f"{settings.OC4IDS_PREFIX}{control_number}.json")


@feeds.public_feed(_error, max_age=300, read_only=False)
def not_found(request, path=""):
    """Any other URL under /open-data/, whatever the method: a JSON 404, not the portal's page."""
    return _error(request, 404, _("開放資料沒有這個網址：{path}").format(path=request.path))

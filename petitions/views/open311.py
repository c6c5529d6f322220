"""Open data: a read-only Open311 GeoReport v2 API over the city's cases, as OPEN1999 published
them. Public: no login, GET only (tainan_rdec/feeds.py: rate limit, CORS, gzip, ETag, errors).

Each answer is built once as a Python structure and written as XML (the spec's required format)
or JSON (its optional one), as the URL's extension asks: ``services.xml``, ``requests.json``.
Every error, an unknown URL's included, is the spec's error list in the same format.

Personal data (個人資料保護法): the petitioner's phone and e-mail are never read here. Free text
(description, address, notice) is published redacted (tainan_rdec/redaction.py), the
petitioner's name read only to be masked where the description repeats it; coordinates are
rounded so that they do not give back the house number the address lost. A case withheld from
open data (``Case.published``) is in no answer.

Spec: https://wiki.open311.org/GeoReport_v2/ ; service discovery:
https://wiki.open311.org/Service_discovery/ ; paging: the ``page``/``page_size`` extension
(https://wiki.open311.org/GeoReport_v2/Extensions/).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from petitions.choices import OPEN_STATUSES, CaseStatus
from petitions.models import Case, Subcategory
from tainan_rdec import feeds
from tainan_rdec.redaction import redact
from tainan_rdec.workdays import TAIPEI

# The spec's default window: the last 90 days.
MAX_DAYS = 90
# The spec's default answer is "the first 1000 requests". The page/page_size extension, the
# most widely implemented one (Chicago, Boston, Toronto, Bloomington, San Francisco), pages
# through the rest; a page holds at most this many, and the default page is the spec's answer.
PAGE_SIZE = 1000
# When this API last changed, for the discovery document's ``changeset``.
CHANGESET = "2026-12-07T00:00:00+08:00"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Three decimals of a degree is about 110 m here: the street, not the house.
COORDINATE_DECIMALS = 3

# Every column the answer is built from, and nothing else.
REQUEST_FIELDS = (
    "case_number",
    "status",
    "received_at",
    "updated_at",
    "due_date",
    "description",
    "address",
    "latitude",
    "longitude",
    "petitioner_name",  # only to mask it in the description
    "subcategory__code",
    "subcategory__name",
    "subcategory__time_limit_days",
    "category__time_limit_days",
    "handling_agency__name",
)

OPEN311_STATUSES = {"open": sorted(OPEN_STATUSES), "closed": [CaseStatus.CLOSED]}

# The XML element of each list's entries (the spec's names).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class BadRequest(Exception):
    """A parameter the spec's client got wrong: answered as a 400 error list."""


def _render(data, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    return feeds.render(data, fmt, status=status, root=root, items=XML_ITEMS)


def _error(request, status: int, description: str) -> HttpResponse:
    """The spec's error answer, a list of {code, description}, in the format the URL asks."""
    return _render(
        [{"code": status, "description": description}],
        feeds.format_of(request),
        root="errors",
        status=status,
    )


def _public(view):
    """Open data: anyone may GET it, and caches may keep it for a minute."""
    return feeds.public_feed(_error, max_age=60)(view)


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(TAIPEI).isoformat(timespec="seconds")


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TAIPEI)


def _parse_w3c(name: str, text: str) -> datetime.datetime:
    """A w3c (ISO 8601) date or datetime; a value without an offset is read in Taipei time."""
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = datetime.datetime.combine(day, datetime.time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise BadRequest(
            _("{name} 不是有效的 ISO 8601 日期時間，例如 2024-02-24T00:00:00+08:00。").format(
                name=name
            )
        )
    if timezone.is_naive(value):
        value = value.replace(tzinfo=TAIPEI)
    return value


def _date_window(params) -> tuple[datetime.datetime, datetime.datetime]:
    start_text = params.get("start_date", "").strip()
    end_text = params.get("end_date", "").strip()
    window = datetime.timedelta(days=MAX_DAYS)
    start = _parse_w3c("start_date", start_text) if start_text else None
    end = _parse_w3c("end_date", end_text) if end_text else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - window
    if end is None:
        end = start + window
    if end < start:
        raise BadRequest(_("end_date 不可早於 start_date。"))
    if end - start > window:
        raise BadRequest(_("查詢期間不可超過 {days} 天。").format(days=MAX_DAYS))
    return start, end


def _comma_list(params, name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def _positive(params, name: str, default: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise BadRequest(_("{name} 必須是正整數。").format(name=name))
    return value


def _published_cases():
    return (
        Case.objects.published()
        .select_related("subcategory", "category", "handling_agency")
        .only(*REQUEST_FIELDS)
        .order_by("-received_at", "-pk")
    )


def _filtered_cases(params):
    cases = _published_cases()
    ids = _comma_list(params, "service_request_id")
    if ids:
        # The spec: service_request_id overrides every other parameter.
        return cases.filter(case_number__in=ids)
    start, end = _date_window(params)
    cases = cases.filter(received_at__gte=start, received_at__lte=end)
    statuses = _comma_list(params, "status")
    unknown = [s for s in statuses if s not in OPEN311_STATUSES]
    if unknown:
        raise BadRequest(_("status 只能是 open 或 closed。"))
    if statuses:
        cases = cases.filter(status__in=[s for name in statuses for s in OPEN311_STATUSES[name]])
    codes = _comma_list(params, "service_code")
    if codes:
        cases = cases.filter(subcategory__code__in=codes)
    return cases


def _time_limit(case: Case) -> int:
    return case.subcategory.time_limit_days or case.category.time_limit_days


def _coordinate(value) -> float | None:
    return round(float(value), COORDINATE_DECIMALS) if value is not None else None


def request_data(case: Case) -> dict:
    """One case as a GeoReport v2 service request, its free text redacted."""
    is_open = case.status in OPEN_STATUSES
    return {
        "service_request_id": case.case_number,
        "status": "open" if is_open else "closed",
        "status_notes": str(CaseStatus(case.status).label),
        "service_name": case.subcategory.name,
        "service_code": case.subcategory.code,
        "description": redact(case.description, known=(case.petitioner_name,)),
        "agency_responsible": case.handling_agency.name,
        "service_notice": redact(_("處理期限 {days} 個工作天").format(days=_time_limit(case))),
        "requested_datetime": _iso(case.received_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(_end_of_day(case.due_date)),
        "address": redact(case.address),
        "address_id": "",
        "zipcode": "",
        "lat": _coordinate(case.latitude),
        "long": _coordinate(case.longitude),
        "media_url": "",
    }


def _active_services():
    return Subcategory.objects.filter(active=True, category__active=True).select_related("category")


@_public
def discovery(request, fmt):
    """discovery.(json|xml): where this API is and what it speaks."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    data = {
        "changeset": CHANGESET,
        "contact": _("臺南市政府研究發展考核委員會（{url}）").format(url=base),
        "key_service": _("本 API 只供讀取，不需 API 金鑰。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production" if settings.PRODUCTION else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(data, fmt, root="discovery")


@_public
def services(request, fmt):
    """services.(json|xml): every active subcategory (細項) as a service, grouped by category."""
    return _render(
        [
            {
                "service_code": sub.code,
                "service_name": sub.name,
                "description": _("{category}／{name}，處理期限 {days} 個工作天").format(
                    category=sub.category.name, name=sub.name, days=sub.effective_time_limit
                ),
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(dict.fromkeys([sub.category.name, sub.name])),
                "group": sub.category.name,
            }
            for sub in _active_services()
        ],
        fmt,
        root="services",
    )


@_public
def service_definition(request, service_code, fmt):
    """services/<code>.(json|xml): a service's extra questions. Every service here has
    ``metadata`` false, so the definition names the service and no attributes."""
    sub = _active_services().filter(code=service_code).first()
    if sub is None:
        return _error(request, 404, _("找不到服務 {code}。").format(code=service_code))
    return _render({"service_code": sub.code, "attributes": []}, fmt, root="service_definition")


def _page_links(request, page: int, size: int, total: int) -> str:
    """RFC 8288 links to the next, previous, first and last pages, as GitHub's API gives them:
    a client follows rel="next" until there is none, whatever it knows of the parameters."""
    last = max(1, -(-total // size))

    def link(number: int, rel: str) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        query["page_size"] = str(size)
        url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return f'<{url}>; rel="{rel}"'

    links = []
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    links += [link(1, "first"), link(last, "last")]
    return ", ".join(links)


@_public
def requests(request, fmt):
    """requests.(json|xml): cases received in a window (default the last 90 days), newest
    first, a page at a time (``page``, ``page_size`` up to PAGE_SIZE). The total is in the
    X-Total-Count header and the other pages in the Link header: the body keeps the spec's
    shape, a bare list, which clients parse as it is."""
    try:
        cases = _filtered_cases(request.GET)
        page = _positive(request.GET, "page", 1)
        size = min(_positive(request.GET, "page_size", PAGE_SIZE), PAGE_SIZE)
    except BadRequest as exc:
        return _error(request, 400, str(exc))
    total = cases.count()
    rows = cases[(page - 1) * size : page * size]
    response = _render([request_data(case) for case in rows], fmt, root="service_requests")
    response["X-Total-Count"] = str(total)
    response["Link"] = _page_links(request, page, size, total)
    return response


@_public
def request_detail(request, service_request_id, fmt):
    """requests/<id>.(json|xml): one case, as a one-element list (the spec's shape)."""
    case = _published_cases().filter(case_number=service_request_id).first()
    if case is None:
        return _error(request, 404, _("找不到案件 {id}。").format(id=service_request_id))
    return _render([request_data(case)], fmt, root="service_requests")


@feeds.public_feed(_error, max_age=60, read_only=False)
def not_found(request, path=""):
    """Any other URL under /open311/v2/, whatever the method: the spec's 404 error list
    rather than the portal's HTML page."""
    return _error(request, 404, _("Open311 API 沒有這個網址：{path}").format(path=request.path))

"""Open data: a read-only Open311 GeoReport v2 API (JSON) over the city's cases, as OPEN1999
published them. Public: no login, GET only. The petitioner's name, phone and e-mail are never
read from the database here, let alone written out (個人資料保護法).

Spec: https://wiki.open311.org/GeoReport_v2/
"""

from __future__ import annotations

import datetime

from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from petitions.choices import OPEN_STATUSES, CaseStatus
from petitions.models import Case, Subcategory
from tainan_rdec.workdays import TAIPEI

# The spec's defaults: the last 90 days, at most 1000 requests per answer.
MAX_DAYS = 90
MAX_RECORDS = 1000

# Every column the answer is built from, and nothing else: the personal data stays unread.
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
    "subcategory__code",
    "subcategory__name",
    "subcategory__time_limit_days",
    "category__time_limit_days",
    "handling_agency__name",
)

OPEN311_STATUSES = {"open": sorted(OPEN_STATUSES), "closed": [CaseStatus.CLOSED]}


def _public(view):
    """Open data: anyone may GET it, and caches may keep it for a minute."""
    return require_safe(cache_control(public=True, max_age=60)(view))


class BadRequest(Exception):
    """A parameter the spec's client got wrong: answered as a 400 error list."""


def _json(data: list, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _errors(code: int, description: str) -> JsonResponse:
    """The spec's error answer: a list of {code, description}."""
    return _json([{"code": code, "description": description}], status=code)


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


def _filtered_cases(params):
    cases = (
        Case.objects.select_related("subcategory", "category", "handling_agency")
        .only(*REQUEST_FIELDS)
        .order_by("-received_at", "-pk")
    )
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


def request_json(case: Case) -> dict:
    """One case as a GeoReport v2 service request."""
    is_open = case.status in OPEN_STATUSES
    return {
        "service_request_id": case.case_number,
        "status": "open" if is_open else "closed",
        "status_notes": str(CaseStatus(case.status).label),
        "service_name": case.subcategory.name,
        "service_code": case.subcategory.code,
        "description": case.description,
        "agency_responsible": case.handling_agency.name,
        "service_notice": _("處理期限 {days} 個工作天").format(days=_time_limit(case)),
        "requested_datetime": _iso(case.received_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(_end_of_day(case.due_date)),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": "",
    }


@_public
def services(request):
    """services.json: every active subcategory (細項) as a service, grouped by category."""
    rows = Subcategory.objects.filter(active=True, category__active=True).select_related("category")
    return _json(
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
            for sub in rows
        ]
    )


@_public
def requests(request):
    """requests.json: cases received in a window (default the last 90 days), newest first, at
    most MAX_RECORDS."""
    try:
        cases = list(_filtered_cases(request.GET)[:MAX_RECORDS])
    except BadRequest as exc:
        return _errors(400, str(exc))
    return _json([request_json(case) for case in cases])


@_public
def request_detail(request, service_request_id):
    """requests/<id>.json: one case, as a one-element list (the spec's shape)."""
    case = (
        Case.objects.select_related("subcategory", "category", "handling_agency")
        .only(*REQUEST_FIELDS)
        .filter(case_number=service_request_id)
        .first()
    )
    if case is None:
        return _errors(404, _("找不到案件 {id}。").format(id=service_request_id))
    return _json([request_json(case)])

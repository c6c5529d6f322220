"""Every URL of the petitions app: the case and statistics pages under ``/petitions/``
(namespace ``petitions``) and the public Open311 GeoReport v2 API under ``/open311/v2/``
(namespace ``open311``). Mounted at the root by the project's urls."""

from django.urls import include, path, re_path, register_converter

from petitions.views import cases, dashboard, dispatch, groups, maps, open311, routing
from tainan_rdec.feeds import FormatConverter

# Every Open311 resource in both of the spec's formats, by extension: services.xml, .json.
register_converter(FormatConverter, "open311_format")

pages = [
    path("", cases.case_list, name="index"),
    path("mine/", cases.my_cases, name="my_cases"),
    path("cases/<str:case_number>/", cases.case_detail, name="case_detail"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("events/", dashboard.event_list, name="event_list"),
    path("events/<int:pk>/", dashboard.event_detail, name="event_detail"),
    path("map/cases.json", maps.case_points, name="map_cases"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/split/", groups.group_split, name="group_split"),
    path("groups/<int:pk>/merge/", groups.group_merge, name="group_merge"),
    path("dispatch/", dispatch.dispatch_quality, name="dispatch"),
    path("dispatch/cases/", dispatch.dispatch_cases, name="dispatch_cases"),
    path("routing/", routing.routing_page, name="routing"),
    path("routing/train/", routing.routing_train, name="routing_train"),
]

open311_api = [
    path("discovery.<open311_format:fmt>", open311.discovery, name="discovery"),
    path("services.<open311_format:fmt>", open311.services, name="services"),
    path(
        "services/<str:service_code>.<open311_format:fmt>",
        open311.service_definition,
        name="service_definition",
    ),
    path("requests.<open311_format:fmt>", open311.requests, name="requests"),
    path(
        "requests/<str:service_request_id>.<open311_format:fmt>",
        open311.request_detail,
        name="request_detail",
    ),
    # Last: any other URL under /open311/v2/ gets the spec's error list, not the HTML 404.
    re_path(r"^(?P<path>.*)$", open311.not_found, name="not_found"),
]

urlpatterns = [
    path("petitions/", include((pages, "petitions"))),
    path("open311/v2/", include((open311_api, "open311"))),
]

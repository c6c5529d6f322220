"""Every URL of the petitions app: the case and statistics pages under ``/petitions/``
(namespace ``petitions``) and the public Open311 GeoReport v2 API under ``/open311/v2/``
(namespace ``open311``). Mounted at the root by the project's urls."""

from django.urls import include, path

from petitions.views import cases, dashboard, open311

pages = [
    path("", cases.case_list, name="index"),
    path("mine/", cases.my_cases, name="my_cases"),
    path("cases/<str:case_number>/", cases.case_detail, name="case_detail"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("events/", dashboard.event_list, name="event_list"),
    path("events/<int:pk>/", dashboard.event_detail, name="event_detail"),
]

open311_api = [
    path("services.json", open311.services, name="services"),
    path("requests.json", open311.requests, name="requests"),
    path("requests/<str:service_request_id>.json", open311.request_detail, name="request_detail"),
]

urlpatterns = [
    path("petitions/", include((pages, "petitions"))),
    path("open311/v2/", include((open311_api, "open311"))),
]

"""Open311 GeoReport v2, mounted at ``/open311/v2/`` by the project's urls."""

from django.urls import path

from petitions import api

app_name = "open311"

urlpatterns = [
    path("services.json", api.services, name="services"),
    path("requests.json", api.requests, name="requests"),
    path("requests/<str:service_request_id>.json", api.request_detail, name="request_detail"),
]

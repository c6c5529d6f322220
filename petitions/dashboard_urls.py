"""The statistics pages, included by ``petitions.urls`` inside the ``petitions`` namespace."""

from django.urls import path

from petitions import dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("events/", dashboard_views.event_list, name="event_list"),
    path("events/<int:pk>/", dashboard_views.event_detail, name="event_detail"),
]

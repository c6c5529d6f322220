"""Open data of the projects app, mounted at ``/open-data/`` by the project's urls."""

from django.urls import path

from projects.views import open_data

app_name = "open_data"

urlpatterns = [
    path("oc4ids/projects.json", open_data.oc4ids_projects, name="oc4ids_projects"),
    path(
        "oc4ids/projects/<str:control_number>.json",
        open_data.oc4ids_project,
        name="oc4ids_project",
    ),
]

"""Photo URLs, included into ``projects.urls`` (inside its ``projects`` namespace, so no
app_name here)."""

from django.urls import path

from projects.views import photos

urlpatterns = [
    path("reports/<int:pk>/photos/", photos.report_photo_add, name="report_photo_add"),
    path("reports/photos/<int:pk>/", photos.report_photo_file, name="report_photo_file"),
    path(
        "reports/photos/<int:pk>/delete/",
        photos.report_photo_delete,
        name="report_photo_delete",
    ),
    path("visits/<int:pk>/photos/", photos.visit_photo_add, name="visit_photo_add"),
    path("visits/photos/<int:pk>/", photos.visit_photo_file, name="visit_photo_file"),
]

"""Every URL of the awards app: the register and its summary under ``/awards/`` (namespace
``awards``). Mounted at the root by the project's urls."""

from django.urls import include, path

from awards.views import registry, summary

pages = [
    path("", registry.award_list, name="index"),
    path("new/", registry.award_create, name="create"),
    path("confirm/", registry.award_confirm_many, name="confirm_many"),
    path("summary/", summary.summary, name="summary"),
    path("summary/export/", summary.summary_xlsx, name="summary_xlsx"),
    path("<int:pk>/", registry.award_detail, name="detail"),
    path("<int:pk>/edit/", registry.award_edit, name="edit"),
    path("<int:pk>/confirm/", registry.award_confirm, name="confirm"),
    path("<int:pk>/return/", registry.award_return, name="return"),
    path("<int:pk>/delete/", registry.award_delete, name="delete"),
    path("<int:pk>/evidence/", registry.evidence, name="evidence"),
]

urlpatterns = [path("awards/", include((pages, "awards")))]

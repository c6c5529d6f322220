from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("", views.award_list, name="index"),
    path("new/", views.award_create, name="create"),
    path("confirm/", views.award_confirm_many, name="confirm_many"),
    path("summary/", views.summary, name="summary"),
    path("summary/export/", views.summary_xlsx, name="summary_xlsx"),
    path("<int:pk>/", views.award_detail, name="detail"),
    path("<int:pk>/edit/", views.award_edit, name="edit"),
    path("<int:pk>/confirm/", views.award_confirm, name="confirm"),
    path("<int:pk>/return/", views.award_return, name="return"),
    path("<int:pk>/delete/", views.award_delete, name="delete"),
    path("<int:pk>/evidence/", views.evidence, name="evidence"),
]

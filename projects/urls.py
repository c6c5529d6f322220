from django.urls import path

from projects.views import projects, reports

app_name = "projects"

urlpatterns = [
    path("", projects.project_list, name="index"),
    path("<int:pk>/", projects.project_detail, name="detail"),
    path("<int:pk>/status/<str:action>/", projects.project_status, name="status"),
    path("<int:pk>/reports/<int:year>/<int:month>/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("review/", reports.review_queue, name="review_queue"),
]

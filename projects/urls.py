from django.urls import include, path

from projects.views import dashboard, evaluation, followup, packets, pcc, projects, reports

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

urlpatterns += [
    path("dashboard/", dashboard.overview, name="dashboard"),
    path("warnings/", dashboard.early_warning, name="early_warning"),
    path("meetings/", followup.meeting_list, name="meeting_list"),
    path("meetings/new/", followup.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", followup.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/agenda/", followup.meeting_agenda, name="meeting_agenda"),
    path("<int:project_pk>/visits/new/", followup.visit_create, name="visit_create"),
    path("visits/<int:pk>/", followup.visit_detail, name="visit_detail"),
    path("directives/", followup.directive_list, name="directive_list"),
    path("directives/new/", followup.directive_create, name="directive_create"),
    path("directives/<int:pk>/", followup.directive_detail, name="directive_detail"),
    path("evaluation/", evaluation.evaluation_index, name="evaluation_index"),
    path("evaluation/<int:year>/", evaluation.evaluation_year, name="evaluation_year"),
    path(
        "evaluation/<int:year>/<int:project_pk>/",
        evaluation.score_detail,
        name="score_detail",
    ),
]

urlpatterns += [
    path("pcc/", pcc.pcc_list, name="pcc_list"),
    path("pcc/<int:pk>/", pcc.pcc_detail, name="pcc_detail"),
    path("pcc/hours/", pcc.pcc_hours, name="pcc_hours"),
    path("pcc/template.xlsx", pcc.pcc_template, name="pcc_template"),
    path("packets/", packets.packet_list, name="packet_list"),
    path("packets/<int:pk>/", packets.packet_detail, name="packet_detail"),
    path("packets/<int:pk>/download/", packets.packet_download, name="packet_download"),
    path("", include("projects.photo_urls")),
]

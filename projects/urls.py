"""Every URL of the projects app: the pages under ``/projects/`` (namespace ``projects``) and the
public OC4IDS open data under ``/open-data/`` (namespace ``open_data``). Mounted at the root by
the project's urls."""

from django.urls import include, path, re_path

from projects.views import (
    applications,
    dashboard,
    evaluation,
    followup,
    listing,
    open_data,
    packets,
    pcc,
    photos,
    projects,
    registration,
    reports,
)
from tainan_rdec import converters  # noqa: F401  (registers <rocyear:…>)

pages = [
    path("", projects.project_list, name="index"),
    path("new/", registration.project_create, name="create"),
    path("<int:pk>/", projects.project_detail, name="detail"),
    path("<int:pk>/edit/", registration.project_edit, name="edit"),
    path("<int:pk>/checkpoints/", registration.checkpoint_list, name="checkpoints"),
    path(
        "<int:pk>/checkpoints/<int:checkpoint_pk>/",
        registration.checkpoint_edit,
        name="checkpoint_edit",
    ),
    path(
        "<int:pk>/checkpoints/<int:checkpoint_pk>/delete/",
        registration.checkpoint_delete,
        name="checkpoint_delete",
    ),
    path(
        "<int:pk>/checkpoints/<int:checkpoint_pk>/move/",
        registration.checkpoint_move,
        name="checkpoint_move",
    ),
    path("<int:pk>/plan/", registration.plan_edit, name="plan_edit"),
    path("<int:pk>/apply/<str:kind>/", applications.application_start, name="application_start"),
    path(
        "<int:pk>/checkpoints/<int:checkpoint_pk>/done/",
        applications.application_start,
        {"kind": "checkpoint"},
        name="checkpoint_done",
    ),
    path("applications/", applications.application_list, name="application_list"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/plan/", applications.application_plan, name="application_plan"),
    path(
        "applications/attachments/<int:pk>/",
        applications.attachment_file,
        name="attachment_file",
    ),
    path(
        "applications/attachments/<int:pk>/delete/",
        applications.attachment_delete,
        name="attachment_delete",
    ),
    path(
        "applications/<int:pk>/decide/",
        applications.application_decide,
        name="application_decide",
    ),
    path("unlisted/", applications.unlisted_major, name="unlisted_major"),
    path("<int:pk>/status/<str:action>/", projects.project_status, name="status"),
    path("<int:pk>/reports/<int:year>/<int:month>/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("review/", reports.review_queue, name="review_queue"),
    path("reports/<int:pk>/photos/", photos.report_photo_add, name="report_photo_add"),
    path("reports/photos/<int:pk>/", photos.report_photo_file, name="report_photo_file"),
    path(
        "reports/photos/<int:pk>/delete/",
        photos.report_photo_delete,
        name="report_photo_delete",
    ),
    path("dashboard/", dashboard.overview, name="dashboard"),
    path("warnings/", dashboard.early_warning, name="early_warning"),
    path("listing/", listing.listing_statistics_page, name="listing_statistics"),
    path("meetings/", followup.meeting_list, name="meeting_list"),
    path("meetings/new/", followup.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", followup.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/agenda/", followup.meeting_agenda, name="meeting_agenda"),
    path("<int:project_pk>/visits/new/", followup.visit_create, name="visit_create"),
    path("visits/<int:pk>/", followup.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/photos/", photos.visit_photo_add, name="visit_photo_add"),
    path("visits/photos/<int:pk>/", photos.visit_photo_file, name="visit_photo_file"),
    path("directives/", followup.directive_list, name="directive_list"),
    path("directives/new/", followup.directive_create, name="directive_create"),
    path("directives/<int:pk>/", followup.directive_detail, name="directive_detail"),
    path("evaluation/", evaluation.evaluation_index, name="evaluation_index"),
    path("evaluation/<rocyear:year>/", evaluation.evaluation_year, name="evaluation_year"),
    path(
        "evaluation/<rocyear:year>/<int:project_pk>/",
        evaluation.score_detail,
        name="score_detail",
    ),
    path("pcc/", pcc.pcc_list, name="pcc_list"),
    path("pcc/<int:pk>/", pcc.pcc_detail, name="pcc_detail"),
    path("pcc/hours/", pcc.pcc_hours, name="pcc_hours"),
    path("pcc/template.xlsx", pcc.pcc_template, name="pcc_template"),
    path("packets/", packets.packet_list, name="packet_list"),
    path("packets/<int:pk>/", packets.packet_detail, name="packet_detail"),
    path("packets/<int:pk>/download/", packets.packet_download, name="packet_download"),
]

open_data_feeds = [
    path("oc4ids/projects.json", open_data.oc4ids_projects, name="oc4ids_projects"),
    path(
        "oc4ids/projects/<str:control_number>.json",
        open_data.oc4ids_project,
        name="oc4ids_project",
    ),
    # Last: any other URL under /open-data/ gets a JSON 404, not the portal's HTML page.
    re_path(r"^(?P<path>.*)$", open_data.not_found, name="not_found"),
]

urlpatterns = [
    path("projects/", include((pages, "projects"))),
    path("open-data/", include((open_data_feeds, "open_data"))),
]

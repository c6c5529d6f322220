"""Every URL of the evaluations app: the service-quality pages under ``/evaluations/``
(namespace ``evaluations``). Mounted at the root by the project's urls."""

from django.urls import include, path

from evaluations.views import annual, coaching, improvements, overview, records
from tainan_rdec import converters  # noqa: F401  (registers <rocyear:…>)

pages = [
    path("", overview.index, name="index"),
    path("agencies/<str:code>/", overview.agency_history, name="agency_history"),
    path("rubrics/<rocyear:year>/<str:kind>/", overview.rubric_detail, name="rubric_detail"),
    path("phone-tests/", records.phone_list, name="phone_list"),
    path("phone-tests/new/", records.phone_create, name="phone_create"),
    path("phone-tests/<int:pk>/", records.phone_detail, name="phone_detail"),
    path("phone-tests/<int:pk>/edit/", records.phone_edit, name="phone_edit"),
    path("audits/", records.audit_list, name="audit_list"),
    path("audits/new/", records.audit_create, name="audit_create"),
    path("audits/<int:pk>/", records.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/edit/", records.audit_edit, name="audit_edit"),
    path("audits/<int:pk>/photos/", records.audit_photo_add, name="audit_photo_add"),
    path("audits/photos/<int:pk>/", records.audit_photo_file, name="audit_photo_file"),
    path(
        "audits/<int:pk>/improvements/new/",
        records.improvement_create,
        name="improvement_create",
    ),
    path("improvements/", improvements.improvement_list, name="improvement_list"),
    path("improvements/<int:pk>/", improvements.improvement_detail, name="improvement_detail"),
    path("ranking/", annual.ranking_index, name="ranking_index"),
    path("ranking/<rocyear:year>/", annual.ranking, name="ranking"),
    path("ranking/<rocyear:year>/<str:code>/", annual.result_detail, name="result_detail"),
    path("targets/", annual.targets_index, name="targets_index"),
    path("targets/<rocyear:year>/", annual.targets, name="targets"),
    path("service-award/", coaching.coaching_index, name="coaching_index"),
    path("service-award/new/", coaching.coaching_create, name="coaching_create"),
    path("service-award/<rocyear:year>/", coaching.coaching_year, name="coaching_year"),
    path("service-award/entries/<int:pk>/", coaching.coaching_detail, name="coaching_detail"),
]

urlpatterns = [path("evaluations/", include((pages, "evaluations")))]

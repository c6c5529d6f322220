from django.urls import include, path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.case_list, name="index"),
    path("mine/", views.my_cases, name="my_cases"),
    path("cases/<str:case_number>/", views.case_detail, name="case_detail"),
    path("", include("petitions.dashboard_urls")),
]

from django.urls import path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.case_list, name="index"),
    path("mine/", views.my_cases, name="my_cases"),
    path("cases/<str:case_number>/", views.case_detail, name="case_detail"),
]

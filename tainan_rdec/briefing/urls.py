from django.urls import path

from tainan_rdec.briefing import views

app_name = "briefing"

urlpatterns = [
    path("", views.page, name="page"),
    path("download.pdf", views.briefing_pdf, name="pdf"),
    path("download.pptx", views.briefing_pptx, name="pptx"),
]

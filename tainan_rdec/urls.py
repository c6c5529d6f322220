from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from tainan_rdec import notifications, views

admin.site.site_header = _("臺南市政府研考會管考入口網 系統管理")
admin.site.site_title = _("管考入口網 系統管理")
admin.site.index_title = _("系統管理")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("briefing/", include("tainan_rdec.briefing.urls")),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # Each app's urls.py names its own prefixes and namespaces (/projects/ and /open-data/,
    # /petitions/ and /open311/v2/, ...); the kernel names the apps only as strings.
    path("", include("projects.urls")),
    path("", include("petitions.urls")),
    path("", include("evaluations.urls")),
    path("", include("awards.urls")),
]

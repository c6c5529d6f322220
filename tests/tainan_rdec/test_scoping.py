"""The one scoping mechanism, exercised on the kernel's own scoped model (User)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, User
from tainan_rdec.scoping import get_editable_or_404, get_visible_or_404, role_required


def test_bureau_staff_see_only_their_own_agency(cast):
    visible = set(User.objects.visible_to(cast["staff_a"]).values_list("username", flat=True))
    assert visible == {"staff_a", "manager_a"}


@pytest.mark.parametrize("name", ["reviewer", "admin"])
def test_commission_sees_every_agency(cast, name):
    visible = set(User.objects.visible_to(cast[name]).values_list("username", flat=True))
    assert {"staff_a", "staff_b", "manager_b", "reviewer"} <= visible


def test_anonymous_and_deactivated_users_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert not User.objects.visible_to(AnonymousUser()).exists()
    assert not User.objects.visible_to(None).exists()
    reviewer = cast["reviewer"]
    reviewer.is_active = False
    assert not User.objects.visible_to(reviewer).exists()


def test_reviewers_edit_nothing_by_default_and_admins_everything(cast):
    assert not User.objects.editable_by(cast["reviewer"]).exists()
    assert User.objects.editable_by(cast["admin"]).count() == User.objects.count()
    assert set(User.objects.editable_by(cast["manager_b"]).values_list("username", flat=True)) == {
        "staff_b",
        "manager_b",
    }


def test_an_outsider_gets_404_not_403(cast):
    other = cast["staff_b"]
    with pytest.raises(Http404):
        get_visible_or_404(User, cast["staff_a"], pk=other.pk)
    with pytest.raises(Http404):
        get_editable_or_404(User, cast["staff_a"], pk=other.pk)


def test_a_reviewer_who_may_see_but_not_change_gets_403(cast):
    target = cast["staff_a"]
    assert get_visible_or_404(User, cast["reviewer"], pk=target.pk) == target
    with pytest.raises(PermissionDenied):
        get_editable_or_404(User, cast["reviewer"], pk=target.pk)


def test_garbage_lookup_values_are_404(cast):
    with pytest.raises(Http404):
        get_visible_or_404(User, cast["admin"], pk="not-a-number")


def test_agencies_are_readable_by_every_user_and_editable_by_admins_only(cast):
    total = Agency.objects.count()
    assert Agency.objects.visible_to(cast["staff_b"]).count() == total
    assert not Agency.objects.editable_by(cast["reviewer"]).exists()
    assert Agency.objects.editable_by(cast["admin"]).count() == total


def test_role_required_lets_the_role_in_and_refuses_others(cast):
    @role_required(Role.REVIEWER)
    def dashboard(request):
        return "ok"

    request = RequestFactory().get("/x")
    request.user = cast["reviewer"]
    assert dashboard(request) == "ok"
    request.user = cast["manager_a"]
    with pytest.raises(PermissionDenied):
        dashboard(request)


def test_bureau_roles_cannot_be_saved_without_an_agency(db):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    user = User(username="orphan", role=Role.BUREAU_STAFF)
    with pytest.raises(ValidationError):
        user.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_createsuperuser_makes_a_system_administrator(db):
    user = User.objects.create_superuser("root", "root@example.tw", "a-long-password-1")
    assert user.role == Role.ADMIN
    assert user.is_portal_admin


def test_the_admin_site_is_for_system_administrators(client_as, cast):
    response = client_as("admin").get("/admin/")
    assert response.status_code == 200
    assert "機關" in response.content.decode()
    assert client_as("admin").get("/admin/tainan_rdec/agency/").status_code == 200
    assert client_as("reviewer").get("/admin/tainan_rdec/agency/").status_code == 302


def test_changing_a_role_moves_the_admin_site_access_with_it(cast):
    reviewer = cast["reviewer"]
    assert not reviewer.is_staff
    reviewer.role = Role.ADMIN
    reviewer.save()
    assert reviewer.is_staff
    reviewer.role = Role.REVIEWER
    reviewer.save()
    assert not reviewer.is_staff


def test_the_admin_sidebar_names_the_libraries_apps_in_chinese(client_as):
    """django-axes and django-celery-beat ship no Traditional Chinese: the portal's catalogue
    (locale/zh_Hant) and app configs name them."""
    page = client_as("admin").get("/admin/").content.decode()
    chinese = ("登入防護", "登入失敗累計", "登入紀錄", "排程工作", "間隔排程", "週期排程")
    for name in chinese:
        assert name in page
    for english in ("Axes", "Access attempts", "Periodic Tasks", "Crontabs", "Intervals"):
        assert english not in page
    tasks = client_as("admin").get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "上次執行時間" in tasks and "Last Run Datetime" not in tasks

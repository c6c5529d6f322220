"""Vocabulary of the permission matrix, shared by tests/test_permissions.py and each area's
``permission_rows`` module."""

from pathlib import Path

from django.apps import apps
from django.conf import settings

from tests.conftest import CAST

LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin_login"  # 302 to the admin's login page

ALL_SIGNED_IN = {name: 200 for name in CAST if name != "anonymous"}


def signed_in(status=200, anonymous=LOGIN):
    return {**{name: status for name in ALL_SIGNED_IN}, "anonymous": anonymous}


def by_reach(own, other, commission, admin=None, anonymous=LOGIN, official=None):
    """Agency A's object: its own staff, agency B's staff, the reviewer, the admin, the senior
    official (長官: reads, never acts). A row says what the official gets; left out, the
    official is refused as another agency's user is (a new page is closed to them until its
    row decides otherwise)."""
    return {
        "anonymous": anonymous,
        "staff_a": own,
        "manager_a": own,
        "staff_b": other,
        "manager_b": other,
        "reviewer": commission,
        "admin": commission if admin is None else admin,
        "official": other if official is None else official,
    }


# Tables a refused request may still write: the session and the login attempts log.
UNWATCHED_APPS = {"sessions", "axes"}


def stored_state() -> dict:
    """Every row of every table the portal keeps (but sessions and the login log) and every
    file under MEDIA_ROOT: compared before and after a request that must change nothing."""
    state = {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label not in UNWATCHED_APPS
    }
    media = Path(settings.MEDIA_ROOT)
    state["files"] = sorted(
        (str(path.relative_to(media)), path.stat().st_size)
        for path in media.rglob("*")
        if path.is_file()
    )
    return state

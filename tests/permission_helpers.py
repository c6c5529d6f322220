"""Vocabulary of the permission matrix, shared by tests/test_permissions.py and each area's
``permission_rows`` module."""

from tests.conftest import CAST

LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin_login"  # 302 to the admin's login page

ALL_SIGNED_IN = {name: 200 for name in CAST if name != "anonymous"}


def signed_in(status=200, anonymous=LOGIN):
    return {**{name: status for name in ALL_SIGNED_IN}, "anonymous": anonymous}


def by_reach(own, other, commission, admin=None, anonymous=LOGIN):
    """Agency A's object: its own staff, agency B's staff, the reviewer, the admin."""
    return {
        "anonymous": anonymous,
        "staff_a": own,
        "manager_a": own,
        "staff_b": other,
        "manager_b": other,
        "reviewer": commission,
        "admin": commission if admin is None else admin,
    }
